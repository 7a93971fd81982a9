"""The index as the pipeline sees it: the store (store.py, the only module that talks to
chromadb), the current catalogue (catalogue.py, a frozen snapshot that a refresh replaces) and
dense search over the catalogue's copy of the vectors (vectors.py). Writing goes through ingest.py
under the writer lock."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from resqa import catalogue as catalogue_module
from resqa import store as store_module
from resqa.catalogue import Catalogue
from resqa.config import PARSER_VERSION, Settings
from resqa.embed import Embedder
from resqa.errors import BackendError, IndexAccessError, IndexDamagedError
from resqa.folder import SCHEMA, read_only_message
from resqa.ingest import Ingester, Progress, ingest_lock
from resqa.model import DocInfo, Document, IngestReport
from resqa.store import Store

FULL_CHECK_S = 30.0  # the registry is read in full at least this often (refresh)


class ClauseIndex:
    """A Chroma-backed clause index: `store` for records, `catalogue` for what readers see.

    A local index that a full open of an earlier process, or the last ingest, found whole, and
    that nobody has written since (store.peek: the same stamp and record-log position as then,
    sealed in the registry copy), is served from its caches without starting chromadb; `store`
    is then opened on first use: a write, or the first refresh that sees the file change."""

    def __init__(self, settings: Settings, embedder: Embedder, *, create: bool = False) -> None:
        self.settings = settings
        self.embedder = embedder
        self.catalogue = Catalogue()
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._peeked: tuple[str, str] | None = None  # the store's state when served without opening it
        self._seen_stamp: str | None = None
        self._full_check_at = 0.0
        self._ingester: Ingester | None = None
        self._registry_copy_used = False  # the last refresh took the registry from its disk copy
        self._copy_written: tuple[str, str] | None = None  # (stamp, generation) of the copy this process wrote
        where = str(settings.chroma_url or settings.index_dir)
        before = None if create else store_module.peek(settings)
        if before is not None and self._serve_sealed(before, where):
            return
        try:
            self._store = Store(settings, self.manifest, create=create)
            self.refresh()
        except BackendError as exc:
            self._raise_open_error(exc)
        try:
            catalogue_module.check(self.catalogue, self.store.count(), where)
        except IndexDamagedError:
            if not self._registry_copy_used:
                raise
            self.catalogue = Catalogue()  # the copy may be what disagrees: read the registry itself
            self._copy_written = None  # and write it anew
            self.refresh(force=True)
            catalogue_module.check(self.catalogue, self.store.count(), where)
        self._seal(before)

    def _seal(self, before: store_module.Peek | None) -> None:
        """Seal the registry copy with the store's state (class doc) when a full read just found
        it whole and nothing was written since `before`, peeked before that read began. A
        catalogue taken from the registry copy is sealed only if the store's registry is that
        copy's: a writer that died between switching a document and bumping the stamp leaves the
        stamp as it was and a copy of the version before, which a seal would serve for good."""
        after = store_module.peek(self.settings)
        if before is None or after is None or not before.state == after.state == (self._seen_stamp, after.log):
            return
        if (self._registry_copy_used
                and catalogue_module.generation_of(self.store.read_registry()) != self.catalogue.generation):
            return  # the next full read (refresh) brings the new version; the open after it seals
        self._registry_copy().seal(after.state, self.store.count())

    def _serve_sealed(self, peeked: store_module.Peek, where: str) -> bool:
        """Serve the catalogue from the caches when the store is as a full open sealed it."""
        if {k: peeked.manifest.get(k) for k in self.manifest} != self.manifest:
            return False  # a full open names the mismatch
        copy = self._registry_copy()
        stored = copy.sealed(peeked.state)
        docs = copy.read(peeked.stamp) if stored is not None else None
        found = catalogue_module.cached(docs, self._cache_root(), self.embedder.dim) if docs is not None else None
        if found is None:
            return False
        try:
            catalogue_module.check(found, stored, where)
        except IndexDamagedError:
            return False  # the copy disagrees with what the open counted: a full open decides
        self.catalogue, self._peeked = found, peeked.state
        self._seen_stamp, self._full_check_at = peeked.stamp, time.monotonic()
        self._registry_copy_used, self._copy_written = True, (peeked.stamp, found.generation)
        return True

    def _raise_open_error(self, exc: BackendError) -> NoReturn:
        if self.settings.chroma_url:
            raise exc
        if "readonly database" in str(exc):  # chromadb cannot open a store it may not write
            raise IndexAccessError(read_only_message(self.settings.index_dir)) from exc
        raise IndexDamagedError(f"the index at {self.settings.index_dir} is damaged or unreadable ({exc}) — "
                                "rebuild it with `resqa ingest --rebuild`") from exc

    @property
    def store(self) -> Store:
        """The store, opened now if the index was served from its caches (class doc)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    try:
                        self._store = Store(self.settings, self.manifest)
                    except BackendError as exc:
                        self._raise_open_error(exc)
        return self._store

    def _cache_root(self) -> Path:
        return self._store.connection.cache_root if self._store is not None else Path(self.settings.index_dir) / "cache"

    def _registry_copy(self) -> catalogue_module.RegistryCopy:
        return catalogue_module.RegistryCopy(self._cache_root(), self.settings.collection)

    @property
    def manifest(self) -> dict[str, Any]:
        return {"resqa_schema": SCHEMA, "embedder": self.embedder.name, "dim": self.embedder.dim,
                "parser_version": PARSER_VERSION}

    def refresh(self, force: bool = False) -> bool:
        """Load the catalogue anew if another process changed the index; True if it changed.

        Cheap when nothing changed: one read of the registry's stamp (<1 ms locally), with a full
        read of the registry every FULL_CHECK_S as a safety net for a writer that died between
        switching a document and bumping the stamp. A reader served from the caches peeks instead
        (store.peek, 0.5 ms): the record log it reads moves with every write, the registry's
        included, so that safety net is not needed while the log stands still."""
        now = time.monotonic()
        if self._peeked is not None:  # served from the caches (class doc)
            peeked = store_module.peek(self.settings)
            if not force and peeked is not None and peeked.state == self._peeked:
                return False
            with self._lock:  # written since, or unreadable so: open the store and read it all
                self._peeked, force = None, True
        store = self.store
        if store.connection.source_changed():  # a read-only index's owner wrote to it: copy it again
            with self._lock:
                store.reopen()
            force = True
        stamp = store.stamp()
        if not force and stamp == self._seen_stamp and now - self._full_check_at < FULL_CHECK_S:
            return False
        if (not self.settings.chroma_url and self._seen_stamp is not None and stamp != self._seen_stamp
                and stamp != store.own_stamp):
            with self._lock:
                store.reopen()
        elif store.connection.retired:
            with self._lock:
                store.connection.stop_retired()
        docs = self._registry(stamp, from_copy=self._seen_stamp is None and not force)
        gen = catalogue_module.generation_of(docs)
        with self._lock:
            self._seen_stamp, self._full_check_at = stamp, now
            if gen == self.catalogue.generation:
                return False
            self.catalogue = catalogue_module.load(store, docs, store.connection.cache_root, self.embedder.dim)
            return True

    def _registry(self, stamp: str, from_copy: bool) -> dict[str, DocInfo]:
        """The registry: on a process's first read, from the copy kept on disk when it was taken
        under this very stamp (catalogue.RegistryCopy: 1.1 s of a cold ask at 10,000 documents);
        otherwise read in full, and the copy written anew. A writer that died between switching
        a document and bumping the stamp leaves a copy of the version before, whose clauses are
        still stored: that reader sees the library as it was a moment before, and the full read
        every FULL_CHECK_S (or the next writer's bump) brings the new version."""
        copy = self._registry_copy()
        docs = copy.read(stamp) if from_copy else None
        self._registry_copy_used = docs is not None
        read = docs is None
        if read:
            docs = self.store.read_registry()
        written = (stamp, catalogue_module.generation_of(docs))
        if read and written != self._copy_written:
            copy.write(stamp, docs)  # not on every FULL_CHECK_S read: only when it changed
        self._copy_written = written
        return docs

    # ------------------------------------------------------------------ reading
    def dense(self, query_vec: np.ndarray, k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """Clause ids by best cosine of the clause record or one of its segments, among the 4k
        nearest records (inside `doc_ids` if given): an exact search over the catalogue's copy
        of the vectors (vectors.py)."""
        if doc_ids is not None and not doc_ids:
            return []
        vectors = self.catalogue.vectors
        return [] if vectors is None else vectors.search(query_vec, max(1, k * 4), k, doc_ids)

    def segment_vectors(self, clause) -> np.ndarray | None:
        """Embeddings of a clause's segments, in order (None for single-segment clauses)."""
        vectors = self.catalogue.vectors
        return None if vectors is None else vectors.segments(clause)

    def info(self) -> dict[str, Any]:
        cat = self.catalogue
        return {"index": self.settings.chroma_url or str(self.settings.index_dir),
                "collection": self.settings.collection, **self.manifest,
                "documents": [{"id": d.doc_id, "title": d.title, "language": d.language,
                               "source": d.source, "clauses": d.counts, "metadata": d.metadata}
                              for d in sorted(cat.docs.values(), key=lambda d: d.doc_id)],
                "clauses_by_kind": cat.kind_counts(), "generation": cat.generation}

    # ------------------------------------------------------------------ writing
    def writer_lock(self) -> contextlib.AbstractContextManager[None]:
        return ingest_lock(Path(self.settings.index_dir))

    def ingest(self, documents: Iterable[Document], *, prune_sources: Iterable[Path] = (),
               progress: Progress | None = None, locked: bool = False) -> IngestReport:
        """Add new and changed documents, drop those removed from `prune_sources` folders.
        `locked`: the caller already holds ingest_lock on this index (`ingest --rebuild`)."""
        docs = list(documents)
        if self._ingester is None:
            self._ingester = Ingester(self.store, self.embedder)
        with contextlib.nullcontext() if locked else self.writer_lock():
            report = self._ingester.ingest(docs, prune_sources, progress)
        if self._ingester.filled_words:  # this generation's cached words lack the query side: copy again
            with self._lock:
                if self.catalogue.cache is not None:
                    shutil.rmtree(self.catalogue.cache, ignore_errors=True)
                self.catalogue = Catalogue()
        before = store_module.peek(self.settings)
        self.refresh(force=True)
        if before is not None:  # a local store: seal it, so that the next reader skips chromadb too
            with contextlib.suppress(IndexDamagedError, BackendError):  # the next open reports it
                catalogue_module.check(self.catalogue, self.store.count(), str(self.settings.index_dir))
                self._seal(before)
        return report

    def remove(self, doc_id: str) -> None:
        self.store.remove(doc_id)
