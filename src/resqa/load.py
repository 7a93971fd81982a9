"""Files (txt, md, pdf, jsonl) -> Document records. One bad file never stops the others."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from resqa.errors import LoadError
from resqa.model import Document

SUFFIXES = (".txt", ".md", ".pdf", ".jsonl")
MAX_FILE_BYTES = 50 * 1024 * 1024
# One document's text. Ingest memory grows with the longest document (its clauses are parsed
# whole): a 6.2 MB resolution-shaped text peaked at 0.65 GB with the hash embedder, 0.6 MB at 0.32 GB.
MAX_DOCUMENT_CHARS = 5_000_000
MAX_PDF_PAGES = 2000
PDF_SECONDS = 60.0  # a PDF whose text takes longer than this to extract is rejected
_REF = re.compile(r"\b[A-Z]{2,5}(?:[-/][A-Z0-9]{1,6}){0,4}[-/]RES[-/]\d{1,4}(?:[-/][A-Z0-9]{1,6})?\b")
_SUBJECT = re.compile(r"^\s*(?:Objet|OBJET|Subject|SUBJECT|Asunto|ASUNTO|Betreff|Sujet)\s*:\s*(.+?)\s*$", re.M)


@dataclass(frozen=True)
class LoadResult:
    documents: tuple[Document, ...]
    failures: tuple[tuple[str, str], ...]  # (source, reason)


def content_hash(text: str, title: str = "", metadata: dict | None = None) -> str:
    h = hashlib.sha256()
    h.update(text.encode("utf-8"))
    h.update(b"\x00" + title.encode("utf-8"))
    h.update(b"\x00" + json.dumps(metadata or {}, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()


def reference_code(text: str) -> str | None:
    """The resolution's reference (e.g. GA-2021-89-RES-09), if its header names one."""
    head = text[:1500]
    m = _REF.search(head)
    return m.group(0).replace("/", "-") if m else None


_CODE_PARTS = re.compile(r"^(?P<body>[A-Z]{2,5})[-/](?P<year>(?:19|20)\d\d)(?:[-/](?P<session>\d{1,3}))?[-/]RES")
_ORGANISATIONS = (("INTERPOL", re.compile(r"\bINTERPOL\b")),
                  ("United Nations", re.compile(r"\b(?:United Nations|Nations Unies|Naciones Unidas)\b")),
                  ("Council of Europe", re.compile(r"\b(?:Council of Europe|Conseil de l.Europe)\b")))


_FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.S)


def front_matter(text: str) -> dict[str, str]:
    """The flat `key: value` lines of a Markdown file's YAML front matter ({} without one)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}
    pairs = (re.match(r"([A-Za-z_][\w-]*):\s*(\S.*?)\s*$", ln) for ln in m.group(1).splitlines())
    return {p.group(1): p.group(2).strip("'\"") for p in pairs if p}


def derived_metadata(text: str) -> dict[str, str | int]:
    """What a resolution's header says about it: organisation, year, session and the body that
    speaks in it (clauses.body_of: "Security Council", "INTERPOL General Assembly").

    Read from the reference code (GA-2021-89-RES-09: year 2021, session 89) and the first lines;
    a file's own metadata (jsonl `metadata`) always wins over these."""
    from resqa.clauses import body_of

    out: dict[str, str | int] = {}
    body = body_of(text)
    if body:
        out["body"] = body
    lang = front_matter(text).get("bcp47")
    if lang:
        out["language"] = lang.split("-")[0].lower()
    head = text[:2500]
    code = reference_code(text)
    m = _CODE_PARTS.match(code or "")
    if m:
        out["year"] = int(m.group("year"))
        if m.group("session"):
            out["session"] = int(m.group("session"))
    for name, pattern in _ORGANISATIONS:
        if pattern.search(head):
            out["organisation"] = name
            break
    return out


def guess_title(text: str, fallback: str) -> str:
    m = _SUBJECT.search(text[:3000])
    if m:
        return m.group(1).strip()
    fm = _FRONT_MATTER.match(text)
    if fm:
        return front_matter(text).get("title") or guess_title(text[fm.end():], fallback)
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return fallback


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "document"


def make_document(text: str, source: str, fallback_id: str, title: str | None = None,
                  metadata: dict | None = None, doc_id: str | None = None) -> Document:
    if not text.strip():
        raise LoadError(f"{source}: the document is empty")
    if "\x00" in text:
        raise LoadError(f"{source}: binary content (NUL bytes), not a text document")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise LoadError(f"{source}: {len(text):,} characters is over the {MAX_DOCUMENT_CHARS:,} character "
                        "limit for one document; split it into several files")
    metadata = {**derived_metadata(text), **(metadata or {})}
    if "body" not in metadata:  # "UN Security Council": the organisation a record names may say it
        from resqa.lexicon import lexicon

        org = str(metadata.get("organisation", ""))
        named = [b for b in lexicon()["bodies"] if b in org]
        if named:
            metadata["body"] = named[0]
    title = title or guess_title(text, fallback_id)
    doc_id = doc_id or reference_code(text) or _slug(fallback_id)
    return Document(doc_id=doc_id, title=title, text=text, source=source,
                    content_hash=content_hash(text, title, metadata), metadata=metadata)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path}: not UTF-8 text (byte {exc.start}); re-save it as UTF-8") from exc


def _read_pdf(path: Path) -> str:
    import time

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path), strict=False)
        if len(reader.pages) > MAX_PDF_PAGES:
            raise LoadError(f"{path}: {len(reader.pages)} pages is over the {MAX_PDF_PAGES} page limit")
        deadline = time.monotonic() + PDF_SECONDS
        pages = []
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            if time.monotonic() > deadline:
                raise LoadError(f"{path}: text extraction took over {PDF_SECONDS:.0f} s; the PDF is too complex")
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError, AssertionError) as exc:
        raise LoadError(f"{path}: unreadable PDF ({type(exc).__name__}: {exc})") from exc
    # A form feed between pages: cleaning treats it as whitespace, offsets stay exact.
    return "\n\f\n".join(pages)


def _read_jsonl(path: Path) -> Iterator[Document | LoadError]:
    text = _read_text(path)
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            rec = json.loads(line)
            body = rec.get("text", rec.get("content")) if isinstance(rec, dict) else None
            if not isinstance(body, str):
                raise ValueError('expected an object with a "text" (or "content") string')
            rid = str(rec.get("id") or f"{path.stem}-{lineno}").strip()
            if any(ch in rid for ch in "\x00\r\n\t"):
                raise ValueError(f"the id {rid!r} holds a control character; ids are kept as written")
            meta = rec.get("metadata")
            if meta is None:  # flat records: their other scalar fields are the metadata
                meta = {k: v for k, v in rec.items() if k not in ("id", "text", "content", "title")
                        and isinstance(v, (str, int, float, bool))}
            if not isinstance(meta, dict):
                raise ValueError('"metadata" must be an object')
            yield make_document(body, where, rid, title=rec.get("title"),
                                metadata=meta, doc_id=rid if rec.get("id") else None)
        except (ValueError, LoadError) as exc:
            yield LoadError(f"{where}: {exc}")


def load_file(path: Path) -> Iterator[Document | LoadError]:
    """Yield the file's documents, or LoadErrors for the parts that could not be read."""
    try:
        if not path.is_file():
            raise LoadError(f"{path}: not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LoadError(f"{path}: {size} bytes is over the {MAX_FILE_BYTES} byte limit")
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _read_jsonl(path)
            return
        if suffix == ".pdf":
            text = _read_pdf(path)
        elif suffix in (".txt", ".md"):
            text = _read_text(path)
        else:
            raise LoadError(f"{path}: unsupported type {suffix or '(none)'}; use {', '.join(SUFFIXES)}")
        yield make_document(text, str(path), path.stem, metadata={"file": path.name})
    except LoadError as exc:
        yield exc
    except OSError as exc:
        yield LoadError(f"{path}: cannot read ({exc.strerror or exc})")


def check_isolated(path: Path, timeout: float = 30.0) -> list[str]:
    """Parse a file in a child process with a wall-clock limit: the problems found, [] if it reads.

    For untrusted uploads: a crafted PDF can make a parser loop or eat memory; here it can only
    cost `timeout` seconds and a child process."""
    import subprocess
    import sys

    code = ("import sys, json; from pathlib import Path; from resqa.load import load_file; "
            "print(json.dumps([str(x) for x in load_file(Path(sys.argv[1])) if not hasattr(x, 'doc_id')]))")
    try:
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return [f"{path}: reading it took over {timeout:.0f} s; the file is too complex or malformed"]
    if out.returncode != 0:
        return [f"{path}: the file could not be read (the reader stopped with code {out.returncode})"]
    try:
        return list(json.loads(out.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return [f"{path}: the file could not be read"]


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files under the given paths, sorted, keeping only supported types from folders."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out


def load_paths(paths: Iterable[Path]) -> LoadResult:
    docs: list[Document] = []
    failures: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in expand(paths):
        for item in load_file(path):
            if isinstance(item, LoadError):
                failures.append((str(path), str(item)))
                continue
            if item.doc_id in seen:  # e.g. the French and English texts of one resolution
                tag = _slug(Path(item.source).stem)
                if tag == item.doc_id:  # the same file name in another folder: name the folder
                    tag = _slug(Path(item.source).resolve().parent.name)
                item = replace(item, doc_id=f"{item.doc_id}~{tag}")
            seen[item.doc_id] = item.source
            docs.append(item)
    if not docs and not failures:
        failures.append((", ".join(str(p) for p in paths), "no .txt, .md, .pdf or .jsonl files found"))
    return LoadResult(tuple(docs), tuple(failures))
