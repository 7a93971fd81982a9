"""The only module that talks to Chroma and llama-index storage.

Layout in Chroma (embedded `PersistentClient`, or `HttpClient` for a shared server):
- `<name>_clauses`: one record per clause (embedded with its gloss) and one per quotable segment
  of a multi-segment clause, written through llama-index's ChromaVectorStore. Each record carries
  the content hash of its document version. The collection's metadata is the index manifest:
  embedder, dimension, parser version.
- `<name>_documents`: the registry, one record per document: its current content hash, title,
  source and metadata. A document's new clauses are written first, then its registry record is
  switched to the new hash in one write, then the old clauses are deleted. Readers only see
  clauses whose hash matches the registry, so a crash at any point leaves every document either
  wholly old or wholly new, and the next ingest finishes the job.

The lexical index and the clause catalogue are a cache derived from Chroma, kept on local disk
under `<index_dir>/cache/<generation>`; every client rebuilds its own from the shared store.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from resqa import clauses as clause_parser
from resqa import references
from resqa.config import PARSER_VERSION, Settings
from resqa.embed import Embedder
from resqa.errors import (
    BackendError,
    IndexAccessError,
    IndexBusyError,
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    InputError,
    ResqaError,
)
from resqa.lexical import LexicalIndex, tokens_for_clause
from resqa.model import Clause, Document, IngestReport, clause_from_dict

SCHEMA = 1
ALIGN_MIN = 0.86
ALIGN_MARGIN = 0.02  # an alignment must stand out from the tenth neighbour by more than this ...
ALIGN_FULL_MARGIN = 0.04  # ... and carries its full weight from this margin on (align_terms)
FULL_CHECK_S = 30.0
RETIRE_AFTER_S = 30.0  # a replaced Chroma System is stopped this long after its replacement
Progress = Callable[[int, int, str], None]


def alignment_confidence(margin: float) -> float:
    """0 at or below ALIGN_MARGIN, 1 from ALIGN_FULL_MARGIN on, linear between (align_terms)."""
    return min(1.0, max(0.0, (margin - ALIGN_MARGIN) / (ALIGN_FULL_MARGIN - ALIGN_MARGIN)))


@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    title: str
    content_hash: str
    source: str
    language: str
    counts: dict[str, int] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    records: int = 0  # clause + segment records written for this version


GROUP_RECORDS = 1500  # records written per batch: Chroma's per-call cost dominates small writes
GROUP_DOCS = 64
VECTOR_CACHE_SIZE = 100_000  # ~150 MB at 384 dims: boilerplate is looked up in memory, not in Chroma


def _groups(docs: list[Document]) -> Iterator[list[Document]]:
    """Consecutive groups of documents, sized by an estimate of their records."""
    group: list[Document] = []
    size = 0
    for d in docs:
        group.append(d)
        size += max(1, len(d.text) // 150)
        if size >= GROUP_RECORDS or len(group) >= GROUP_DOCS:
            yield group
            group, size = [], 0
    if group:
        yield group


def embed_text(clause: Clause) -> str:
    """What a clause record is embedded from: its gloss, then its text."""
    g = clause_parser.gloss(clause)
    return f"{g}\n{clause.text}" if g else clause.text


def _ehash(text: str, embedder: Embedder) -> str:
    return hashlib.sha1(f"{embedder.name}\x00{text}".encode()).hexdigest()


def _http_client(url: str) -> Any:
    """A Chroma HttpClient for `http(s)://host:port` (or bare `host:port`), telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    u = urlparse(url if "://" in url else f"http://{url}")
    return chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https",
                               settings=ChromaSettings(anonymized_telemetry=False))


def _files_signature(folder: Path) -> tuple:
    """(name, size, mtime) of a Chroma folder's SQLite files: every write changes them (a writer
    bumps the registry's stamp after each document), and refresh checks them on every search, so
    only these few files are looked at, not the vector segments."""
    return tuple((p.name, st.st_size, st.st_mtime_ns) for p in sorted(folder.glob("chroma.sqlite3*"))
                 if (st := p.stat()))


def _read_only_message(index_dir: Path) -> str:
    return (f"the index at {index_dir} is read-only for this user: it can be searched (resqa serves a "
            "private copy of it) but not written. The index itself is fine — ask its owner to ingest, "
            f"or work on a copy: cp -r {index_dir} <folder> and pass --index <folder> (or RESQA_INDEX)")


@contextlib.contextmanager
def _chroma_errors(where: str) -> Iterator[None]:
    try:
        yield
    except ResqaError:
        raise
    except Exception as exc:  # chromadb raises many types; name the fix, never a traceback
        name = type(exc).__name__
        text = str(exc)
        if any(s in (name + text) for s in ("Connect", "connect", "Timeout", "refused", "Unavailable")):
            raise BackendError(f"the Chroma server is not answering ({where}: {name}); "
                               "start it, or unset RESQA_CHROMA_URL to use the local index") from exc
        raise BackendError(f"Chroma failed during {where}: {name}: {text[:300]}") from exc


MARKER = "resqa-index.json"  # written into every index folder resqa creates
OWN_ENTRIES = ("chroma", "cache", MARKER)  # what `--rebuild` may delete (ingest.lock stays: it is held)
LOCK_NAME = "ingest.lock"


def _access_error(index_dir: Path, exc: OSError, doing: str) -> IndexAccessError:
    if isinstance(exc, (NotADirectoryError, FileExistsError)) or (index_dir.exists() and not index_dir.is_dir()):
        return IndexAccessError(f"{index_dir} is a file, not an index folder — pass another --index")
    return IndexAccessError(f"cannot {doing} in {index_dir}: {exc.strerror or exc} — the index needs write "
                            "access for this user (check the folder's owner and permissions)")


@contextlib.contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """The writer lock of an index folder: one ingest at a time; a second, in this process or
    another, gets IndexBusyError (flock locks belong to each open file). `ingest --rebuild` holds
    it from the drop to the last write, and tells ClauseIndex.ingest so (`locked=True`)."""
    index_dir = Path(index_dir)
    path = index_dir / LOCK_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
    except OSError as exc:
        raise _access_error(index_dir, exc, "take the ingest lock") from None
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise IndexBusyError(f"another ingest is running on {index_dir} "
                                 f"(pid {holder}); wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def is_resqa_folder(index_dir: Path) -> bool:
    """Empty, absent, or a folder resqa made: its marker is there, or (an index made before the
    marker existed) it holds nothing but what resqa writes, with a Chroma store in it."""
    index_dir = Path(index_dir)
    if not index_dir.exists():
        return True
    if not index_dir.is_dir():
        return False
    names = {p.name for p in index_dir.iterdir()}
    if not names or MARKER in names:
        return True
    made_by_resqa = (index_dir / "chroma" / "chroma.sqlite3").is_file() or LOCK_NAME in names
    return names <= {*OWN_ENTRIES, LOCK_NAME} and made_by_resqa


def check_droppable(settings: Settings) -> None:
    """Refuse `--rebuild` on a folder that is not a resqa index: it would delete the user's files."""
    d = Path(settings.index_dir)
    if d.exists() and not d.is_dir():
        raise InputError(f"{d} is a file, not an index folder — pass another --index")
    if not is_resqa_folder(d):
        raise InputError(f"{d} is not a resqa index (no {MARKER} in it, and it holds other files) — "
                         "`--rebuild` deletes only a resqa index; pass an empty or new folder as --index")


def _write_marker(index_dir: Path) -> None:
    marker = Path(index_dir) / MARKER
    if not marker.exists():
        marker.write_text(json.dumps({"resqa_schema": SCHEMA, "owns": list(OWN_ENTRIES)}) + "\n", encoding="utf-8")


def source_file(source: str) -> Path | None:
    """The file a document came from: its source, less a .jsonl record's ':line'."""
    path, sep, line = source.rpartition(":")
    return Path(path if sep and line.isdigit() else source) if source else None


def _other_file(registered: str, source: str) -> bool:
    """Does the registered document come from another file that is still there? (A registered
    file that is gone was moved or renamed: the new one replaces it, as before.)"""
    old, new = source_file(registered), source_file(source)
    if old is None or new is None or not old.is_file():
        return False
    return old.resolve() != new.resolve()


def _named_after_its_file(doc: Document, path: Path) -> bool:
    """Was the id made from the file name (`a.txt` -> `a`, a .jsonl record without id ->
    `articles-12`), rather than from the document itself (its reference code, a record's id)?"""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-") or "document"
    base = doc.doc_id.split("~")[0]
    if doc.source != str(path):  # a .jsonl record: source is "file:line"
        return base == f"{slug}-{doc.source.rpartition(':')[2]}"
    return base == slug


def _distinct_ids(docs: list[Document], registry: dict[str, DocInfo]) -> tuple[list[Document], list[str]]:
    """Never replace a document from another file silently.

    An id made from a file name is an accident of naming: `a.txt` in a second folder gets an id
    of its own, `a~<folder>`, stable from one ingest to the next (the same clash picks the same
    id). An id the document gives itself (a reference code such as GA-2021-89-RES-09, a .jsonl
    record's id) says it is the same document: the new file replaces the old one's text, and a
    note says which file now holds it."""
    from dataclasses import replace

    taken = {d.doc_id for d in docs}
    out: list[Document] = []
    notes: list[str] = []
    for d in docs:
        info = registry.get(d.doc_id)
        src = source_file(d.source)
        if info is None or src is None or not _other_file(info.source, d.source):
            out.append(d)
            continue
        if not _named_after_its_file(d, src):
            notes.append(f"{d.source} replaces the text of {d.doc_id}, which came from {info.source}")
            out.append(d)
            continue
        parents = [re.sub(r"[^A-Za-z0-9._-]+", "-", p.name).strip("-") for p in src.resolve().parents if p.name]
        candidates = [f"{d.doc_id}~{'-'.join(reversed(parents[:n]))}" for n in range(1, len(parents) + 1)]
        candidates.append(f"{d.doc_id}~{hashlib.sha1(str(src.resolve()).encode()).hexdigest()[:8]}")
        for new_id in candidates:
            held = registry.get(new_id)
            if new_id not in taken and (held is None or not _other_file(held.source, d.source)):
                break
        taken.add(new_id)
        notes.append(f"{d.source} is indexed as {new_id}: the id {d.doc_id} belongs to {info.source}")
        out.append(replace(d, doc_id=new_id))
    return out, notes


class ClauseIndex:
    """A Chroma-backed clause index with its lexical side and clause catalogue."""

    def __init__(self, settings: Settings, embedder: Embedder, *, create: bool = False) -> None:
        self.settings = settings
        self.embedder = embedder
        self.cache_root = Path(settings.index_dir) / "cache"
        self._lock = threading.RLock()
        self._generation: str | None = None
        self.clauses: dict[str, Clause] = {}
        self.docs: dict[str, DocInfo] = {}
        self.lexical: LexicalIndex | None = None
        self._by_doc: dict[str, list[str]] = {}
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # embedded-text hash -> vector
        self._seen_stamp: str | None = None
        self._own_stamp: str | None = None
        self._full_check_at = 0.0
        self._system: Any = None  # the chromadb System behind a local client (None for a server)
        self._read_only_source: tuple[Path, tuple] | None = None  # see _snapshot
        self._retired: list[tuple[float, Any]] = []  # replaced Systems, stopped RETIRE_AFTER_S later
        self._haystack: tuple[str | None, references.Haystack | None] = (None, None)  # see mentions
        self._haystack_lock = threading.Lock()
        try:
            with _chroma_errors("opening the index"):
                self._client = self._make_client(create)
                self._open_collections(create)
            self.refresh()
        except BackendError as exc:
            if settings.chroma_url:
                raise
            if "readonly database" in str(exc):  # chromadb cannot open a store it may not write
                raise IndexAccessError(_read_only_message(settings.index_dir)) from exc
            raise IndexDamagedError(f"the index at {settings.index_dir} is damaged or unreadable ({exc}) — "
                                    "rebuild it with `resqa ingest --rebuild`") from exc
        self._check_against_store()

    # ------------------------------------------------------------------ opening
    def _make_client(self, create: bool) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        index_dir = Path(self.settings.index_dir)
        if self.settings.chroma_url:
            if create:  # the local folder holds this client's cache: mark it as resqa's
                try:
                    index_dir.mkdir(parents=True, exist_ok=True)
                    _write_marker(index_dir)
                except OSError as exc:
                    raise _access_error(index_dir, exc, "create the index") from None
            return _http_client(self.settings.chroma_url)
        if index_dir.exists() and not index_dir.is_dir():
            raise IndexAccessError(f"{index_dir} is a file, not an index folder — pass another --index")
        path = index_dir / "chroma"
        if not create and not (path / "chroma.sqlite3").exists():
            raise IndexMissingError(f"no index at {self.settings.index_dir} — run `resqa ingest` first")
        try:
            path.mkdir(parents=True, exist_ok=True)
            if create:
                _write_marker(index_dir)
        except OSError as exc:
            raise _access_error(index_dir, exc, "create the index") from None
        if not all(os.access(p, os.W_OK) for p in (path, *path.rglob("*"))):
            if create:
                raise IndexAccessError(_read_only_message(index_dir))
            path = self._snapshot(path)
        # chromadb shares one System per path within a process, and that System's vector segment
        # does not see records another process adds later (queries silently miss them; reading
        # their vectors fails). Each index gets a System of its own, renewed in refresh() when
        # another writer changed the store.
        from chromadb.api.shared_system_client import SharedSystemClient

        systems = getattr(SharedSystemClient, "_identifier_to_system", {})
        systems.pop(str(path), None)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self._system = systems.get(str(path))  # ours alone: the next client on this path makes its own
        return client

    def _snapshot(self, path: Path) -> Path:
        """A private copy of a store this user may read but not write, to serve from.

        chromadb writes to its store even to read it (chroma-core/chroma#1438), so a shared
        read-only index is served from a copy in the temporary folder, taken again when the
        original changes (refresh compares its SQLite files' sizes and times). The clause cache goes
        beside the copy when the index's own cache folder is read-only too. Writing (ingest)
        still needs the original and is refused by its lock."""
        import atexit
        import tempfile

        try:
            signature = _files_signature(path)
            root = Path(tempfile.mkdtemp(prefix="resqa-readonly-"))
            atexit.register(shutil.rmtree, root, True)
            copy = root / "chroma"
            shutil.copytree(path, copy)
            for p in [copy, *copy.rglob("*")]:
                p.chmod(p.stat().st_mode | 0o200)
        except OSError as exc:
            raise _access_error(Path(self.settings.index_dir), exc, "copy the read-only index") from None
        self._read_only_source = (path, signature)
        if not os.access(self.cache_root, os.W_OK) and self.cache_root.parent != root:
            self.cache_root = root / "cache"
            self.cache_root.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):  # start from the owner's cache where it is readable
                for entry in (Path(self.settings.index_dir) / "cache").iterdir():
                    shutil.copytree(entry, self.cache_root / entry.name)
        return copy

    def _source_changed(self) -> bool:
        """A read-only index served from a copy: has its owner written to it since the copy?"""
        if self._read_only_source is None:
            return False
        path, signature = self._read_only_source
        with contextlib.suppress(OSError):
            return _files_signature(path) != signature
        return False

    @property
    def manifest(self) -> dict[str, Any]:
        return {"resqa_schema": SCHEMA, "embedder": self.embedder.name, "dim": self.embedder.dim,
                "parser_version": PARSER_VERSION}

    def _open_collections(self, create: bool) -> None:
        from chromadb.errors import NotFoundError

        name = self.settings.collection
        try:
            self._clauses = self._client.get_collection(f"{name}_clauses", embedding_function=None)
            self._registry = self._client.get_collection(f"{name}_documents", embedding_function=None)
        except (NotFoundError, ValueError):
            where = self.settings.chroma_url or self.settings.index_dir
            present = {c.name if hasattr(c, "name") else str(c) for c in self._client.list_collections()}
            if {f"{name}_clauses", f"{name}_documents"} & present:
                raise IndexDamagedError(f"the index in {where} is incomplete (one of {name}_clauses / "
                                        f"{name}_documents is missing) — rebuild it with `resqa ingest --rebuild`") from None
            if not create:
                raise IndexMissingError(f"no resqa index in {where} — run `resqa ingest` first") from None
            self._clauses = self._client.get_or_create_collection(
                f"{name}_clauses", embedding_function=None, metadata=self.manifest,
                configuration={"hnsw": {"space": "cosine"}})
            self._registry = self._client.get_or_create_collection(
                f"{name}_documents", embedding_function=None, metadata={"resqa_schema": SCHEMA})
        self._vocab = self._client.get_or_create_collection(
            f"{name}_vocab", embedding_function=None, metadata={"resqa_schema": SCHEMA},
            configuration={"hnsw": {"space": "cosine"}})
        found = {k: (self._clauses.metadata or {}).get(k) for k in self.manifest}
        if found != self.manifest:
            diff = ", ".join(f"{k}: index has {found[k]!r}, resqa uses {v!r}"
                             for k, v in self.manifest.items() if found[k] != v)
            raise IndexMismatchError(f"the index was built with other settings ({diff}) — "
                                     "rebuild it with `resqa ingest --rebuild`")
        self._store_obj: Any = None
        self._batch_limit: int | None = None

    @property
    def _store(self) -> Any:
        """llama-index's ChromaVectorStore over the clause collection, for writing nodes. Built on
        first write only: importing llama-index costs ~1 s, and the query path does not need it."""
        if self._store_obj is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._store_obj = ChromaVectorStore(chroma_collection=self._clauses)
        return self._store_obj

    @classmethod
    def drop(cls, settings: Settings) -> None:
        """Delete the index (for --rebuild): both collections and the local cache. Only a resqa
        index is dropped, and only what resqa wrote in its folder; call it holding ingest_lock,
        whose file stays so that a second ingest still finds the lock taken."""
        check_droppable(settings)
        index_dir = Path(settings.index_dir)
        if settings.chroma_url:
            with _chroma_errors("dropping the index"):
                client = _http_client(settings.chroma_url)
                for suffix in ("_clauses", "_documents", "_vocab"):
                    with contextlib.suppress(Exception):
                        client.delete_collection(settings.collection + suffix)
            owned: tuple[str, ...] = ("cache",)
        else:
            owned = OWN_ENTRIES
        for name in owned:
            p = index_dir / name
            try:
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
            except OSError as exc:
                raise _access_error(index_dir, exc, f"delete {name}") from None

    # ------------------------------------------------------------------ catalogue
    def _read_registry(self) -> dict[str, DocInfo]:
        with _chroma_errors("reading the document registry"):
            got = self._registry.get(include=["metadatas"])
        docs = {}
        for rid, meta in zip(got["ids"], got["metadatas"] or []):
            meta = meta or {}
            docs[rid] = DocInfo(doc_id=rid, title=str(meta.get("title", rid)),
                                content_hash=str(meta.get("hash", "")), source=str(meta.get("source", "")),
                                language=str(meta.get("language", "")),
                                counts=json.loads(str(meta.get("counts", "{}"))),
                                metadata=json.loads(str(meta.get("metadata", "{}"))),
                                records=int(meta.get("records", 0) or 0))
        return docs

    @staticmethod
    def _generation_of(docs: dict[str, DocInfo]) -> str:
        key = "\n".join(f"{d}:{i.content_hash}" for d, i in sorted(docs.items()))
        return hashlib.sha1(f"{PARSER_VERSION}\n{key}".encode()).hexdigest()[:16]

    def _stamp(self) -> str:
        """The registry's change stamp: a writer bumps it after every document it switches."""
        with _chroma_errors("checking for index changes"):
            meta = self._client.get_collection(f"{self.settings.collection}_documents",
                                               embedding_function=None).metadata or {}
        return str(meta.get("stamp", ""))

    def _bump_stamp(self) -> None:
        stamp = f"{os.getpid()}-{id(self)}-{time.time_ns()}"
        self._registry.modify(metadata={"resqa_schema": SCHEMA, "stamp": stamp})
        self._own_stamp = stamp

    def _reopen(self) -> None:
        """A fresh client on the local store, to see what another writer added since we opened.

        The replaced System holds the whole vector index in memory (hundreds of MB at 50k
        clauses), so it is stopped, but only RETIRE_AFTER_S later: a query that another thread
        started on it a moment ago may still be running."""
        old = self._system
        with _chroma_errors("reopening the index"):
            self._client = self._make_client(create=False)
            self._open_collections(create=False)
        if old is not None:
            self._retired.append((time.monotonic(), old))
        self._stop_retired()

    def _stop_retired(self) -> None:
        now = time.monotonic()
        keep = []
        for since, system in self._retired:
            if now - since < RETIRE_AFTER_S:
                keep.append((since, system))
                continue
            with contextlib.suppress(Exception):  # best effort: a failed stop only keeps memory
                system.stop()
        self._retired = keep

    def refresh(self, force: bool = False) -> bool:
        """Reload the catalogue if another process changed the index; True if it changed.

        Cheap when nothing changed: one read of the registry's stamp (<1 ms locally), with a full
        read of the registry every FULL_CHECK_S as a safety net for a writer that died between
        switching a document and bumping the stamp."""
        now = time.monotonic()
        if self._source_changed():  # a read-only index's owner wrote to it: copy it again
            with self._lock:
                self._reopen()
            force = True
        stamp = self._stamp()
        if not force and stamp == self._seen_stamp and now - self._full_check_at < FULL_CHECK_S:
            return False
        if (not self.settings.chroma_url and self._seen_stamp is not None and stamp != self._seen_stamp
                and stamp != self._own_stamp):
            with self._lock:
                self._reopen()
        elif self._retired:
            with self._lock:
                self._stop_retired()
        docs = self._read_registry()
        gen = self._generation_of(docs)
        with self._lock:
            self._seen_stamp, self._full_check_at = stamp, now
            if gen == self._generation:
                return False
            cache = self.cache_root / gen
            if (cache / "clauses.json").exists() and (cache / "lexical" / "ids.json").exists():
                try:
                    clauses = [clause_from_dict(c)
                               for c in json.loads((cache / "clauses.json").read_text(encoding="utf-8"))]
                    lexical = LexicalIndex.load(cache / "lexical")
                except (OSError, ValueError, TypeError, KeyError):
                    clauses, lexical = self._rebuild_cache(docs, cache)
            else:
                clauses, lexical = self._rebuild_cache(docs, cache)
            self.docs = docs
            self.clauses = {c.clause_id: c for c in clauses}
            self._by_doc = {}
            for c in sorted(clauses, key=lambda c: (c.doc_id, c.position)):
                self._by_doc.setdefault(c.doc_id, []).append(c.clause_id)
            self.lexical = lexical
            self._generation = gen
            return True

    def _iter_records(self, where: dict, include: list[str]) -> Iterator[tuple[str, dict, str]]:
        page = 2000
        offset = 0
        while True:
            with _chroma_errors("reading clauses"):
                got = self._clauses.get(where=where, include=include, limit=page, offset=offset)
            ids = got["ids"]
            for i, rid in enumerate(ids):
                yield rid, (got["metadatas"] or [{}] * len(ids))[i], (got.get("documents") or [""] * len(ids))[i]
            if len(ids) < page:
                return
            offset += page

    def _rebuild_cache(self, docs: dict[str, DocInfo], cache: Path) -> tuple[list[Clause], LexicalIndex]:
        out: list[Clause] = []
        for _rid, meta, _doc in self._iter_records({"record": "clause"}, ["metadatas"]):
            info = docs.get(str(meta.get("resqa_doc")))
            if info is None or meta.get("doc_hash") != info.content_hash:
                continue  # an old or unfinished version: invisible to readers
            out.append(clause_from_dict(json.loads(str(meta["clause_json"]))))
        out.sort(key=lambda c: (c.doc_id, c.position))
        lexical = LexicalIndex.build([c.clause_id for c in out],
                                     [tokens_for_clause(c.text, c.language, clause_parser.gloss(c)) for c in out])
        try:
            tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            (tmp / "clauses.json").write_text(json.dumps([asdict(c) for c in out], ensure_ascii=False),
                                              encoding="utf-8")
            lexical.save(tmp / "lexical")
            if not cache.exists():
                tmp.rename(cache)
            shutil.rmtree(tmp, ignore_errors=True)
            for old in self.cache_root.iterdir():
                if old.name != cache.name and not old.name.startswith(cache.name):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a read-only cache folder costs a rebuild per start, not an error
        return out, lexical

    def _check_against_store(self) -> None:
        """At open: the registry's record counts must all be present in the store."""
        expected = sum(i.records for i in self.docs.values())
        with _chroma_errors("counting records"):
            found = self._clauses.count()
        damaged = found < expected
        for d, info in self.docs.items():
            if len(self._by_doc.get(d, [])) != sum(info.counts.values()):
                damaged = True
        if damaged:
            raise IndexDamagedError(f"the index at {self.settings.chroma_url or self.settings.index_dir} disagrees "
                                    f"with its registry ({found} records stored, {expected} expected) — rebuild it "
                                    "with `resqa ingest --rebuild`")

    # ------------------------------------------------------------------ reading
    def select(self, doc_ids: set[str] | None = None, where: dict[str, list[str]] | None = None) -> set[str] | None:
        """The documents a question may draw on: ids and metadata filters combined (None = all)."""
        from resqa.filters import matches

        if not where:
            return doc_ids
        self.refresh()
        chosen = {d for d, info in self.docs.items() if matches(info.language, info.metadata, where)}
        return chosen if doc_ids is None else chosen & doc_ids

    def clause_ids_of(self, doc_ids: set[str]) -> set[str]:
        return {c for d in doc_ids for c in self._by_doc.get(d, [])}

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return [self.clauses[c] for c in self._by_doc.get(doc_id, [])]

    def neighbours(self, clause_id: str, width: int = 1) -> list[Clause]:
        c = self.clauses[clause_id]
        ids = self._by_doc.get(c.doc_id, [])
        i = ids.index(clause_id)
        return [self.clauses[x] for x in ids[max(0, i - width): i + width + 1]]

    def dense(self, query_vec: np.ndarray, k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Clause ids by best cosine of the clause record or one of its segments.

        Queries the Chroma collection through Chroma's own client (the store is cosine-spaced, so
        similarity = 1 - distance); the `where` filter keeps the search inside `doc_ids`."""
        where = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            where = {"resqa_doc": {"$in": sorted(doc_ids)}}
        n = max(1, min(k * 4, self._clauses.count()))
        with _chroma_errors("searching"):
            got = self._clauses.query(query_embeddings=[query_vec.tolist()], n_results=n, where=where,
                                      include=["metadatas", "distances"])
        best: dict[str, float] = {}
        for meta, dist in zip((got["metadatas"] or [[]])[0], (got["distances"] or [[]])[0]):
            meta = meta or {}
            info = self.docs.get(str(meta.get("resqa_doc")))
            cid = str(meta.get("clause_id"))
            if info is None or meta.get("doc_hash") != info.content_hash or cid not in self.clauses:
                continue
            best[cid] = max(best.get(cid, -1.0), 1.0 - float(dist))
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def align_terms(self, words: list[str], vectors: np.ndarray) -> dict[str, tuple[str, float]]:
        """Map question words to corpus words they translate to, by nearest vocabulary vector:
        {question word: (corpus word, confidence in (0, 1])}.

        The confidence is how far the nearest word stands out from the word's tenth neighbour:
        none at ALIGN_MARGIN, full from ALIGN_FULL_MARGIN, linear between. e5's word vectors sit
        close together; a lone clear winner is a translation ("encryption" -> "cryptage", margin
        0.06), a crowd is noise ("offer" -> "opportun", 0.028; "äußert" -> "envisager", 0.021).
        Corpus words that the question already contains are not aligned."""
        if not words or self._vocab.count() == 0:
            return {}
        n = min(10, self._vocab.count())
        with _chroma_errors("aligning terms"):
            got = self._vocab.query(query_embeddings=vectors.tolist(), n_results=n, include=["distances"])
        out = {}
        for w, ids, dists in zip(words, got["ids"], got["distances"]):
            if not ids:
                continue
            s1, s_last = 1 - dists[0], 1 - dists[-1]
            confidence = alignment_confidence(s1 - s_last)
            if s1 >= ALIGN_MIN and confidence > 0 and ids[0] != w:
                out[w] = (ids[0], confidence)
        return out

    def _references(self) -> references.Haystack:
        """The reference keys of this generation of the catalogue, built on first use: one pass
        over the clause texts (milliseconds for the seeds, seconds at 50,000 clauses)."""
        gen, hay = self._haystack
        if hay is not None and gen == self._generation:
            return hay
        with self._haystack_lock:  # one builder; searches and refreshes go on meanwhile
            with self._lock:
                gen, clauses, docs = self._generation, self.clauses, self.docs
            cached_gen, hay = self._haystack
            if hay is None or cached_gen != gen:
                items: list[tuple[object, str]] = [(("clause", c.clause_id), c.text) for c in clauses.values()]
                items += [(("doc", d.doc_id), f"{d.doc_id} {d.title}") for d in docs.values()]
                hay = references.Haystack(items)
                self._haystack = (gen, hay)
            return hay

    def mentions(self, reference: str) -> bool:
        """Does any indexed document contain this identifier ("IDCC 1486", "AG-2005-RES-09") in its
        text, id or title, however it is punctuated (references.key)? The first call for each
        generation of the catalogue makes one pass over the clause texts."""
        return self._references().mentions(reference)

    def naming(self, reference: str) -> tuple[set[str], set[str]]:
        """(documents, clauses) that contain this identifier (references.key): documents by their
        id or title, clauses by their text. A document's own header repeats its id."""
        docs: set[str] = set()
        clauses: set[str] = set()
        for what, ident in self._references().holding(references.key(reference)):  # type: ignore[misc]
            (docs if what == "doc" else clauses).add(ident)
        return docs, clauses

    def segment_vectors(self, clause: Clause) -> np.ndarray | None:
        """Embeddings of a clause's segments, in order (None for single-segment clauses)."""
        if len(clause.segments) < 2:
            return None
        h = self.docs[clause.doc_id].content_hash[:12]
        ids = [f"{clause.clause_id}#{h}:s{i}" for i in range(len(clause.segments))]
        with _chroma_errors("reading segment vectors"):
            got = self._clauses.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        if len(by_id) != len(ids):
            return None
        return np.asarray([by_id[i] for i in ids], dtype=np.float32)

    def info(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for c in self.clauses.values():
            counts[c.kind] = counts.get(c.kind, 0) + 1
        return {"index": self.settings.chroma_url or str(self.settings.index_dir),
                "collection": self.settings.collection, **self.manifest,
                "documents": [{"id": d.doc_id, "title": d.title, "language": d.language,
                               "source": d.source, "clauses": d.counts, "metadata": d.metadata}
                              for d in sorted(self.docs.values(), key=lambda d: d.doc_id)],
                "clauses_by_kind": counts, "generation": self._generation}

    # ------------------------------------------------------------------ writing
    def writer_lock(self) -> contextlib.AbstractContextManager[None]:
        return ingest_lock(Path(self.settings.index_dir))

    def ingest(self, documents: Iterable[Document], *, prune_sources: Iterable[Path] = (),
               progress: Progress | None = None, locked: bool = False) -> IngestReport:
        """Add new and changed documents, drop those removed from `prune_sources` folders.
        `locked`: the caller already holds ingest_lock on this index (`ingest --rebuild`)."""
        docs = list(documents)
        with contextlib.nullcontext() if locked else self.writer_lock():
            registry = self._read_registry()
            docs, notes = _distinct_ids(docs, registry)
            stats: dict[str, Any] = {"documents": 0, "clauses": 0, "embedded": 0, "reused": 0, "removed": 0,
                                     "notes": tuple(notes)}
            todo = [d for d in docs if d.doc_id not in registry
                    or registry[d.doc_id].content_hash != d.content_hash]
            todo_ids = {d.doc_id for d in todo}
            for d in docs:
                if d.doc_id not in todo_ids:
                    stats["documents"] += 1
                    stats["clauses"] += sum(registry[d.doc_id].counts.values())
            if progress:
                progress(0, len(todo), todo[0].doc_id if todo else "")
            done = 0
            for group in _groups(todo):
                emb, reused, count = self._write_documents(group)
                done += len(group)
                stats["documents"] += len(group)
                stats["clauses"] += count
                stats["embedded"] += emb
                stats["reused"] += reused
                if progress and done < len(todo):
                    progress(done, len(todo), group[-1].doc_id)
            stats["removed"] = self._prune(registry, docs, prune_sources)
            if progress:
                progress(len(todo), len(todo), "done")
        self.refresh(force=True)
        return IngestReport(**stats)

    def _prune(self, registry: dict[str, DocInfo], docs: list[Document], sources: Iterable[Path]) -> int:
        roots = [Path(s).resolve() for s in sources]
        keep = {d.doc_id for d in docs}
        gone = []
        for info in registry.values():
            src = Path(info.source.split(":")[0]).resolve() if info.source else None
            if info.doc_id not in keep and src is not None and any(r == src or r in src.parents for r in roots):
                gone.append(info.doc_id)
        for doc_id in gone:
            self.remove(doc_id)
        return len(gone)

    def remove(self, doc_id: str) -> None:
        with _chroma_errors("removing a document"):
            self._registry.delete(ids=[doc_id])  # invisible first, then cleaned up
            self._bump_stamp()
            self._clauses.delete(where={"resqa_doc": doc_id})

    def _max_batch(self) -> int:
        """Records per Chroma write: the client's own limit (5461 for the embedded store)."""
        if self._batch_limit is None:
            with _chroma_errors("asking the store's batch size"):
                self._batch_limit = max(1, min(GROUP_RECORDS, int(self._client.get_max_batch_size())))
        return self._batch_limit

    @staticmethod
    def _records(parsed: list[tuple[Document, list[Clause]]]) -> Iterator[tuple[str, str, dict[str, Any], str]]:
        """(record id, embedded text, metadata, stored text) for each clause and segment record."""
        for doc, clauses in parsed:
            h = doc.content_hash[:12]
            for c in clauses:
                base = {"resqa_doc": doc.doc_id, "doc_hash": doc.content_hash, "clause_id": c.clause_id,
                        "kind": c.kind, "language": c.language}
                yield (f"{c.clause_id}#{h}", embed_text(c),
                       {**base, "record": "clause", "label": c.label, "position": c.position,
                        "clause_json": json.dumps(asdict(c), ensure_ascii=False)}, c.text)
                if len(c.segments) > 1:
                    for i, seg in enumerate(c.segments):
                        yield (f"{c.clause_id}#{h}:s{i}", seg, {**base, "record": "segment", "segment": i}, seg)

    def _write_documents(self, docs: list[Document]) -> tuple[int, int, int]:
        """Write a group of documents: records first (in batches under the store's limit), then the
        registry switch (one write), then the old versions' records are deleted. A crash anywhere
        leaves each document wholly old or wholly new. Only one batch of records, nodes and vectors
        is held at a time, so one very long document costs bounded memory.
        Returns (records embedded, records reused, clauses)."""
        parsed = [(doc, clause_parser.parse(doc)) for doc in docs]
        embedded = reused = 0
        records_of: dict[str, int] = {}
        batch: list[tuple[str, str, dict[str, Any], str]] = []
        for rec in self._records(parsed):
            batch.append(rec)
            records_of[rec[2]["resqa_doc"]] = records_of.get(rec[2]["resqa_doc"], 0) + 1
            if len(batch) >= self._max_batch():
                e, r = self._write_records(batch)
                embedded, reused, batch = embedded + e, reused + r, []
        if batch:
            e, r = self._write_records(batch)
            embedded, reused = embedded + e, reused + r
        with _chroma_errors("writing clauses"):
            rows = []
            for doc, clauses in parsed:
                counts: dict[str, int] = {}
                for c in clauses:
                    counts[c.kind] = counts.get(c.kind, 0) + 1
                flat = {f"m_{k}": v for k, v in doc.metadata.items() if isinstance(v, (str, int, float, bool))}
                rows.append((doc.doc_id, doc.title, {
                    "title": doc.title, "hash": doc.content_hash, "source": doc.source,
                    "language": clauses[0].language if clauses else "", "counts": json.dumps(counts),
                    "records": records_of.get(doc.doc_id, 0),
                    "metadata": json.dumps(doc.metadata, ensure_ascii=False),
                    "parser_version": PARSER_VERSION, **flat}))
            self._registry.upsert(ids=[r[0] for r in rows], embeddings=[[1.0]] * len(rows),
                                  documents=[r[1] for r in rows], metadatas=[r[2] for r in rows])
            self._bump_stamp()
            self._clauses.delete(where={"$and": [{"resqa_doc": {"$in": [d.doc_id for d in docs]}},
                                                 {"doc_hash": {"$nin": [d.content_hash for d in docs]}}]})
        self._add_vocabulary([c for _, clauses in parsed for c in clauses])
        return embedded, reused, sum(len(c) for _, c in parsed)

    def _write_records(self, texts: list[tuple[str, str, dict[str, Any], str]]) -> tuple[int, int]:
        """Embed (or reuse the vectors of) one batch of records and add those not yet stored.
        Returns (records embedded, records reused)."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        # Reuse the vector of any record in the index whose embedded text is the same (an edit
        # touches few clauses; boilerplate clauses recur across an archive): embed each text once.
        ehashes = [_ehash(t, self.embedder) for _, t, _, _ in texts]
        vectors: dict[str, list[float]] = {e: self._vectors[e].tolist() for e in set(ehashes) if e in self._vectors}
        wanted = sorted(set(ehashes) - set(vectors))
        for i in range(0, len(wanted), 200):
            with _chroma_errors("reading vectors"):
                got = self._clauses.get(where={"ehash": {"$in": wanted[i:i + 200]}},
                                        include=["embeddings", "metadatas"])
            for meta, vec in zip(got["metadatas"] or [], got["embeddings"] if got["embeddings"] is not None else []):
                vectors.setdefault(str(meta["ehash"]), list(map(float, vec)))
        missing = list(dict.fromkeys((e, t) for e, (_, t, _, _) in zip(ehashes, texts) if e not in vectors))
        if missing:
            new = self.embedder.embed_passages([t for _, t in missing])
            for (e, _), v in zip(missing, new):
                vectors[e] = v.tolist()
        for e, v in vectors.items():  # remembered for the rest of this process's ingests
            self._vectors[e] = np.asarray(v, dtype=np.float32)
            self._vectors.move_to_end(e)
        while len(self._vectors) > VECTOR_CACHE_SIZE:
            self._vectors.popitem(last=False)
        nodes = []
        for (rid, _text, meta, stored), e in zip(texts, ehashes):
            # Chroma stores the verbatim clause (or segment) text; the gloss only shapes the vector.
            node = TextNode(id_=rid, text=stored, metadata={**meta, "ehash": e}, embedding=vectors[e],
                            excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=list(meta))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=meta["resqa_doc"])
            nodes.append(node)
        with _chroma_errors("writing clauses"):
            ids = [n.node_id for n in nodes]
            existing: set[str] = set()
            for i in range(0, len(ids), 1000):
                existing |= set(self._clauses.get(ids=ids[i:i + 1000], include=[])["ids"])
            fresh = [n for n in nodes if n.node_id not in existing]  # a resumed ingest skips what landed
            if fresh:
                self._store.add(fresh)  # one Chroma add: the batch is under the store's limit
        return len(missing), len(texts) - len(missing)

    def _add_vocabulary(self, clauses: list[Clause]) -> None:
        """Embed the corpus words not yet known (shared in Chroma, used by align_terms)."""
        from resqa.lexical import vocabulary_words

        words = sorted({w for c in clauses for w in vocabulary_words(c.text)})
        if not words:
            return
        with _chroma_errors("writing vocabulary"):
            known = set()
            for i in range(0, len(words), 500):
                known |= set(self._vocab.get(ids=words[i:i + 500], include=[])["ids"])
            new = [w for w in words if w not in known]
            for i in range(0, len(new), 256):
                batch = new[i:i + 256]
                self._vocab.add(ids=batch, embeddings=self.embedder.embed_passages(batch).tolist())
