"""What the Streamlit page needs beyond rendering: turns, feedback and uploads, with no
Streamlit import, so it is unit-tested like the rest of the package."""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from resqa.config import MAX_HISTORY_CHARS
from resqa.load import SUFFIXES, check_isolated
from resqa.model import Answer

FEEDBACK_KINDS = ("helpful", "wrong citation", "should have refused")


@dataclass
class Turn:
    question: str
    answer: Answer


def history_of(turns: list[Turn]) -> list[str]:
    """The earlier questions, latest last, as many of the latest as fit MAX_HISTORY_CHARS."""
    out: list[str] = []
    total = 0
    for t in reversed(turns):
        total += len(t.question)
        if total > MAX_HISTORY_CHARS:
            break
        out.append(t.question)
    return out[::-1]


def record_feedback(path: Path, turn: Turn, kind: str) -> None:
    """Append one feedback line (question, answer, citations) so real questions can grow the eval set."""
    if kind not in FEEDBACK_KINDS:
        raise ValueError(f"unknown feedback {kind!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "feedback": kind, **turn.answer.to_json()}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class UploadResult:
    name: str
    ok: bool
    message: str
    path: Path | None = None


def safe_upload_name(name: str, data: bytes) -> str:
    """A file name that can never be a path: basename only, safe characters, content hash prefix."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else base).strip("-")[:60] or "upload"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower()) if dot else ""
    return f"{hashlib.sha256(data).hexdigest()[:10]}-{stem}.{suffix}"


def accept_upload(name: str, data: bytes, folder: Path, max_bytes: int, parse_timeout: float = 30.0) -> UploadResult:
    """Check type and size, store under `folder`, and parse it; a rejected file leaves nothing behind."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUFFIXES:
        return UploadResult(name, False, f"{name}: unsupported type; upload {', '.join(SUFFIXES)}")
    if len(data) > max_bytes:
        return UploadResult(name, False, f"{name}: {len(data)} bytes is over the {max_bytes} byte limit")
    if not data.strip():
        return UploadResult(name, False, f"{name}: the file is empty")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_upload_name(name, data)
    path.write_bytes(data)
    errors = check_isolated(path, parse_timeout)
    if errors:
        path.unlink(missing_ok=True)
        return UploadResult(name, False, "; ".join(e.replace(str(path), name) for e in errors))
    return UploadResult(name, True, f"{name}: accepted", path)


# ------------------------------------------------------------------ the Library page
LIBRARY_COLUMNS = ("document", "title", "body", "year", "language", "preambular", "operative", "id")


def body_of(metadata: Mapping[str, Any]) -> str:
    """Which body adopted it: metadata "body" when the parser read it, else "organisation"."""
    return str(metadata.get("body") or metadata.get("organisation") or "")


def library_rows(documents: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per document (as `ClauseIndex.info()["documents"]` lists them): what the Library
    table shows, sorted by year (undated last) then symbol number."""
    rows = []
    for d in documents:
        meta = d.get("metadata") or {}
        counts = d.get("clauses") or {}
        year = meta.get("year")
        rows.append({"document": str(meta.get("symbol") or d["id"]), "title": d.get("title", ""),
                     "body": body_of(meta), "year": int(year) if str(year or "").isdigit() else None,
                     "language": d.get("language") or "", "preambular": counts.get("preamble", 0),
                     "operative": counts.get("operative", 0), "id": d["id"]})
    return sorted(rows, key=lambda r: (r["year"] is None, r["year"] or 0, _natural(r["document"])))


def _natural(s: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s))


def library_facets(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {k: sorted({r[k] for r in rows if r[k] not in (None, "")}) for k in ("body", "year", "language")}


def search_example(rows: list[dict[str, Any]]) -> str:
    """The Library search box's example, taken from the library itself (a number out of a document
    it holds, and that document), so that trying it finds something."""
    if not rows:
        return "a document's id or a word of its title"
    doc = rows[len(rows) // 2]["document"]
    number = re.search(r"\d+", doc)
    return f"e.g. {number.group(0)}, or {doc}" if number else f"e.g. {doc}"


def _search_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", text.casefold()) if w]


class TextSearch:
    """The words of each document's text, for the Library's search box: a Security Council
    resolution's title names no subject ("Security Council resolution 186 (1964)"), its text does
    ("the present situation with regard to Cyprus"). A searched word matches the beginning of a
    word of the text ("cypr" finds Cyprus and Cypriot), as the id and title search does."""

    def __init__(self, texts: Mapping[str, Iterable[str]]) -> None:
        self._docs: dict[str, tuple[list[str], list[int]]] = {}
        for doc, parts in texts.items():
            counts = Counter(w for t in parts for w in _search_words(t))
            words = sorted(counts)
            cumulative = [0]
            for w in words:
                cumulative.append(cumulative[-1] + counts[w])
            self._docs[doc] = (words, cumulative)

    def mentions(self, doc: str, words: list[str]) -> int:
        """How many words of the document's text begin with one of `words`; 0 unless each of them
        begins at least one."""
        vocab, cumulative = self._docs.get(doc, ([], [0]))
        total = 0
        for w in words:
            lo, hi = bisect.bisect_left(vocab, w), bisect.bisect_left(vocab, w + "\U0010ffff")
            if lo == hi:
                return 0
            total += cumulative[hi] - cumulative[lo]
        return total


def filter_rows(rows: list[dict[str, Any]], text: str = "", bodies: Iterable[str] = (),
                years: tuple[int, int] | None = None, languages: Iterable[str] = (),
                search: TextSearch | None = None) -> list[dict[str, Any]]:
    """The rows whose id, symbol or title contains every word of `text` (case- and punctuation-
    insensitive: "res 242" finds "S/RES/242 (1967)"), within the chosen bodies, years and languages;
    with `search`, then the rows whose text holds every word (TextSearch), most mentions first,
    each with its "mentions"."""
    words = _search_words(text)
    bodies, languages = set(bodies), set(languages)

    def chosen(r: dict[str, Any]) -> bool:
        if bodies and r["body"] not in bodies or languages and r["language"] not in languages:
            return False
        return not years or (r["year"] is not None and years[0] <= r["year"] <= years[1])

    def named(r: dict[str, Any]) -> bool:
        hay = f"{r['document']} {r['id']} {r['title']}".casefold()
        return all(w in hay for w in words)

    kept = [r for r in rows if chosen(r)]
    by_name = [r for r in kept if named(r)]
    if not words or search is None:
        return by_name
    ids = {r["id"] for r in by_name}
    by_text = [{**r, "mentions": n} for r in kept if r["id"] not in ids and (n := search.mentions(r["id"], words))]
    return by_name + sorted(by_text, key=lambda r: -r["mentions"])


_NUMBER_SEARCH = re.compile(r"\s*(?:s\s*/\s*res\s*/\s*|res(?:olution|olución|olucion)?\.?\s*)?(\d{1,5})(?:\s*\(\s*(\d{4})\s*\))?\s*",
                            re.IGNORECASE)


def number_not_held(rows: list[dict[str, Any]], text: str) -> str | None:
    """When the search is a resolution's number ("660", "S/RES/660 (1990)", "res 660") and no
    document's symbol carries that number, the number as searched: the search then finds only the
    texts that mention it (or a year: "955" finds "S/RES/108 (1955)"), and the page says that the
    library does not hold it."""
    m = _NUMBER_SEARCH.fullmatch(text)
    if not m:
        return None
    number, year = m.group(1).lstrip("0") or "0", m.group(2)
    for r in rows:
        first = re.search(r"\d+", r["document"])
        if first and first.group(0).lstrip("0") == number and (not year or str(r["year"]) == year):
            return None
    return f"{number} ({year})" if year else number


def app_root(url: str, pages: Iterable[str] = ("library",)) -> str:
    """The app's own address from the one the browser shows ("https://host/resqa/library?doc=…" ->
    "https://host/resqa"): what an exported conversation's links start with when no base URL is
    configured, so they open outside the app too."""
    parts = urlsplit(url or "")
    if not parts.scheme or not parts.netloc:
        return ""
    path = parts.path.rstrip("/")
    for page in pages:
        if path.endswith("/" + page):
            path = path[: -len(page) - 1]
    return f"{parts.scheme}://{parts.netloc}{path}"


def example_questions(rows: list[dict[str, Any]], articles: bool = False) -> list[str]:
    """Questions a newcomer can try on this library, made from what it holds: what its middle
    resolution decides and requests (by the symbol the page shows), and, when it holds a
    declaration's articles, what one of them says. Nothing here knows the answers; each names
    something the library has."""
    resolutions = [r for r in rows if r.get("operative")]
    out = []
    if resolutions:
        doc = resolutions[len(resolutions) // 2]["document"]
        out += [f"What does {doc} decide?", f"Qu'a demandé {doc} ?"]
    if articles:
        out.append("¿Qué dice el artículo 1?")
    return out
