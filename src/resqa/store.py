"""The only module that talks to chromadb (and to llama-index's Chroma vector store).

Layout in Chroma (embedded `PersistentClient`, or `HttpClient` for a shared server):
- `<name>_clauses`: one record per clause (embedded with its gloss) and one per quotable segment
  of a multi-segment clause, written through llama-index's ChromaVectorStore, each with the content
  hash of its document version. Its metadata is the index manifest (embedder, dimension, parser).
- `<name>_documents`: the registry, one record per document (content hash, title, source,
  metadata). New clauses are written first, then the registry record is switched to the new hash
  in one write, then the old clauses are deleted; readers see only clauses whose hash matches, so
  a crash leaves every document wholly old or wholly new. Its metadata holds the change stamp.
- `<name>_vocab`: one vector per corpus word, for term alignment (align.py); `<name>_vocab_queries`:
  the same words embedded as queries (align.WordVectors). Readers search copies (vectors.py).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from resqa import folder
from resqa.config import Settings
from resqa.errors import (
    BackendError,
    IndexAccessError,
    IndexDamagedError,
    IndexMismatchError,
    IndexMissingError,
    ResqaError,
)
from resqa.model import Clause, DocInfo, Document, doc_info, registry_row

SCHEMA = folder.SCHEMA
RETIRE_AFTER_S = 30.0  # a replaced Chroma System is stopped this long after its replacement
Record = tuple[str, str, dict[str, Any], str]  # (record id, embedded text, metadata, stored text)


def http_client(url: str) -> Any:
    """A Chroma HttpClient for `http(s)://host:port` (or bare `host:port`), telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    u = urlparse(url if "://" in url else f"http://{url}")
    return chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https",
                               settings=ChromaSettings(anonymized_telemetry=False))


@contextlib.contextmanager
def chroma_errors(where: str) -> Iterator[None]:
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
        # chromadb 1.5 cannot replay its log into a segment a kill left half-written, or finds a
        # record whose vector that segment lacks ("Error getting embedding", seen once in CI)
        if "hnsw segment" in text or "Error getting embedding" in text:
            raise IndexDamagedError(f"an interrupted write left the index's vectors unreadable ({where}) — "
                                    "rebuild it with `resqa ingest --rebuild`") from exc
        raise BackendError(f"Chroma failed during {where}: {name}: {text[:300]}") from exc


@dataclass(frozen=True)
class Peek:
    """A local store's state as its SQLite file shows it (peek)."""

    stamp: str  # the registry's change stamp (Store.stamp)
    log: str  # the position of the record log: every record written or deleted advances it
    manifest: dict[str, Any]  # the clause collection's metadata

    @property
    def state(self) -> tuple[str, str]:
        return self.stamp, self.log


def peek(settings: Settings) -> Peek | None:
    """Read a local store's stamp, manifest and log position from its SQLite file with the
    standard library, without starting chromadb: importing it is 0.6 s of a one-second cold
    `resqa ask` (issue 19), and a reader that finds the store as a full open last saw it serves
    from its caches alone (index.ClauseIndex). This reads chromadb's own tables (collections,
    collection_metadata, embeddings_queue, max_seq_id; tests/test_faults.py holds it to what
    chromadb's API reports): None whenever that fails — a server, a missing, locked, damaged or
    read-only file, another layout — and the caller opens the store as usual."""
    if settings.chroma_url:
        return None
    db = Path(settings.index_dir) / "chroma" / "chroma.sqlite3"
    names = (f"{settings.collection}_clauses", f"{settings.collection}_documents")
    try:
        if not (os.access(db, os.W_OK) and os.access(db.parent, os.W_OK)):
            return None  # a read-only store is served from a copy (Connection._snapshot)
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=0.1)
        try:
            rows = con.execute(
                "SELECT c.name, m.key, m.str_value, m.int_value, m.float_value, m.bool_value FROM collections c "
                "JOIN collection_metadata m ON m.collection_id = c.id WHERE c.name IN (?, ?)", names).fetchall()
            queue, segments = con.execute(
                "SELECT (SELECT max(seq_id) FROM embeddings_queue), "
                "(SELECT group_concat(segment_id || ':' || seq_id, ',') FROM "
                "(SELECT segment_id, seq_id FROM max_seq_id ORDER BY segment_id))").fetchone()
        finally:
            con.close()
    except (sqlite3.Error, OSError, ValueError):
        return None
    meta: dict[str, dict[str, Any]] = {n: {} for n in names}
    for name, key, *values in rows:
        found = [v for v in values if v is not None]
        meta[name][key] = bool(found[0]) if values[3] is not None else (found[0] if found else None)
    if not meta[names[0]] or "stamp" not in meta[names[1]]:
        return None
    return Peek(str(meta[names[1]]["stamp"]), f"{queue}/{segments}", meta[names[0]])


def drop(settings: Settings) -> None:
    """Delete the index (for --rebuild): the collections and the local cache. Only a resqa
    index is dropped, and only what resqa wrote in its folder; call it holding ingest_lock,
    whose file stays so that a second ingest still finds the lock taken."""
    folder.check_droppable(settings)
    if settings.chroma_url:
        with chroma_errors("dropping the index"):
            client = http_client(settings.chroma_url)
            for suffix in ("_clauses", "_documents", "_vocab", "_vocab_queries"):
                with contextlib.suppress(Exception):
                    client.delete_collection(settings.collection + suffix)
        owned: tuple[str, ...] = ("cache",)
    else:
        owned = folder.OWN_ENTRIES
    folder.remove_owned(Path(settings.index_dir), owned)


class Connection:
    """The Chroma client of one index, local or on a server, and its lifecycle: a System of its
    own per local client, a private copy of a read-only store, reopening, retiring old Systems."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache_root = Path(settings.index_dir) / "cache"  # moves beside a read-only store's copy
        self.client: Any = None
        self.system: Any = None  # the chromadb System behind a local client (None for a server)
        self.read_only_source: tuple[Path, tuple] | None = None  # see _snapshot
        self.retired: list[tuple[float, Any]] = []  # replaced Systems, stopped RETIRE_AFTER_S later

    def open(self, create: bool) -> Any:
        index_dir = Path(self.settings.index_dir)
        if self.settings.chroma_url:
            if create:  # the local folder holds this client's cache: mark it as resqa's
                folder.make_index_folder(index_dir)
            self.client = http_client(self.settings.chroma_url)
            return self.client
        if index_dir.exists() and not index_dir.is_dir():
            raise IndexAccessError(f"{index_dir} is a file, not an index folder — pass another --index")
        path = index_dir / "chroma"
        if not create and not (path / "chroma.sqlite3").exists():
            raise IndexMissingError(f"no index at {self.settings.index_dir} — run `resqa ingest` first")
        try:
            path.mkdir(parents=True, exist_ok=True)
            if create:
                folder.write_marker(index_dir)
        except OSError as exc:
            raise folder.access_error(index_dir, exc, "create the index") from None
        if not all(os.access(p, os.W_OK) for p in (path, *path.rglob("*"))):
            if create:
                raise IndexAccessError(folder.read_only_message(index_dir))
            path = self._snapshot(path)
        self.client = self._persistent_client(path)
        return self.client

    def _persistent_client(self, path: Path) -> Any:
        # chromadb shares one System per path within a process, and that System does not see
        # records another process adds later (reading their vectors fails). Each index gets a
        # System of its own, renewed in refresh() when another writer changed the store.
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient
        from chromadb.config import Settings as ChromaSettings

        systems = getattr(SharedSystemClient, "_identifier_to_system", {})
        systems.pop(str(path), None)
        client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        self.system = systems.get(str(path))  # ours alone: the next client on this path makes its own
        return client

    def _snapshot(self, path: Path) -> Path:
        """Serve a store this user may read but not write from a private copy (folder.snapshot)."""
        copy, signature, self.cache_root = folder.snapshot(Path(self.settings.index_dir), path, self.cache_root)
        self.read_only_source = (path, signature)
        return copy

    def source_changed(self) -> bool:
        """A read-only index served from a copy: has its owner written to it since the copy?"""
        if self.read_only_source is None:
            return False
        path, signature = self.read_only_source
        with contextlib.suppress(OSError):
            return folder.files_signature(path) != signature
        return False

    def retire(self, old: Any) -> None:
        """A replaced System holds its vector index in memory: stop it RETIRE_AFTER_S later (a
        read that another thread started on it may still be running)."""
        if old is not None:
            self.retired.append((time.monotonic(), old))
        self.stop_retired()

    def stop_retired(self) -> None:
        now = time.monotonic()
        keep = []
        for since, system in self.retired:
            if now - since < RETIRE_AFTER_S:
                keep.append((since, system))
                continue
            with contextlib.suppress(Exception):  # best effort: a failed stop only keeps memory
                system.stop()
        self.retired = keep


class Store:
    """The collections of one index and every read and write of their records."""

    def __init__(self, settings: Settings, manifest: dict[str, Any], *, create: bool = False) -> None:
        self.settings = settings
        self.manifest = manifest
        self.connection = Connection(settings)
        self.own_stamp: str | None = None  # the last stamp this store wrote (bump_stamp)
        self._seen_stamp: str | None = None  # the last stamp read (stamp): counts are kept under it
        self._counts: dict[str, tuple[str, int]] = {}
        self._batch_limit: int | None = None
        self._vector_store: Any = None
        with chroma_errors("opening the index"):
            self.connection.open(create)
            self._open_collections(create)

    @property
    def client(self) -> Any:
        return self.connection.client

    def reopen(self) -> None:
        """A fresh client on the local store, to see what another writer added since we opened."""
        old = self.connection.system
        with chroma_errors("reopening the index"):
            self.connection.open(create=False)
            self._open_collections(create=False)
        self.connection.retire(old)

    def _open_collections(self, create: bool) -> None:
        from chromadb.errors import NotFoundError

        name, client = self.settings.collection, self.client
        try:
            self._clauses = client.get_collection(f"{name}_clauses", embedding_function=None)
            self._registry = client.get_collection(f"{name}_documents", embedding_function=None)
        except (NotFoundError, ValueError):
            where = self.settings.chroma_url or self.settings.index_dir
            present = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
            if {f"{name}_clauses", f"{name}_documents"} & present:
                raise IndexDamagedError(f"the index in {where} is incomplete (one of {name}_clauses / "
                                        f"{name}_documents is missing) — rebuild it with `resqa ingest --rebuild`") from None
            if not create:
                raise IndexMissingError(f"no resqa index in {where} — run `resqa ingest` first") from None
            self._clauses = client.get_or_create_collection(
                f"{name}_clauses", embedding_function=None, metadata=self.manifest,
                configuration={"hnsw": {"space": "cosine"}})
            self._registry = client.get_or_create_collection(
                f"{name}_documents", embedding_function=None, metadata={"resqa_schema": SCHEMA})
        self._vocab = client.get_or_create_collection(
            f"{name}_vocab", embedding_function=None, metadata={"resqa_schema": SCHEMA},
            configuration={"hnsw": {"space": "cosine"}})
        self._vocab_queries = client.get_or_create_collection(
            f"{name}_vocab_queries", embedding_function=None, metadata={"resqa_schema": SCHEMA},
            configuration={"hnsw": {"space": "cosine"}})
        found = {k: (self._clauses.metadata or {}).get(k) for k in self.manifest}
        if found != self.manifest:
            diff = ", ".join(f"{k}: index has {found[k]!r}, resqa uses {v!r}"
                             for k, v in self.manifest.items() if found[k] != v)
            raise IndexMismatchError(f"the index was built with other settings ({diff}) — "
                                     "rebuild it with `resqa ingest --rebuild`")
        self._vector_store = None
        self._batch_limit = None
        self._counts = {}  # a reopened store is counted afresh

    # ------------------------------------------------------------------ registry and stamp
    def read_registry(self) -> dict[str, DocInfo]:
        with chroma_errors("reading the document registry"):
            got = self._registry.get(include=["metadatas"])
        return {rid: doc_info(rid, meta or {}) for rid, meta in zip(got["ids"], got["metadatas"] or [])}

    def stamp(self) -> str:
        """The registry's change stamp: a writer bumps it after every document it switches."""
        with chroma_errors("checking for index changes"):
            meta = self.client.get_collection(f"{self.settings.collection}_documents",
                                              embedding_function=None).metadata or {}
        self._seen_stamp = str(meta.get("stamp", ""))
        return self._seen_stamp

    def _count(self, name: str, collection: Any) -> int:
        """A collection's record count, asked of Chroma once per stamp (a writer bumps it)."""
        stamp, kept = self._seen_stamp, self._counts.get(name)
        if stamp is not None and kept is not None and kept[0] == stamp:
            return kept[1]
        n = int(collection.count())
        if stamp is not None:
            self._counts[name] = (stamp, n)
        return n

    def bump_stamp(self) -> None:
        stamp = f"{os.getpid()}-{id(self)}-{time.time_ns()}"
        self._registry.modify(metadata={"resqa_schema": SCHEMA, "stamp": stamp})
        self.own_stamp = stamp
        self._counts.clear()

    # ------------------------------------------------------------------ reading records
    def count(self) -> int:
        with chroma_errors("counting records"):
            return self._count("clauses", self._clauses)

    def clause_metadatas(self) -> Iterator[dict[str, Any]]:
        """The metadata of every clause record, in pages, every version included."""
        page, offset = 2000, 0
        while True:
            with chroma_errors("reading clauses"):
                got = self._clauses.get(where={"record": "clause"}, include=["metadatas"], limit=page, offset=offset)
            ids = got["ids"]
            yield from (got["metadatas"] or [{}] * len(ids))
            if len(ids) < page:
                return
            offset += page

    def all_vectors(self) -> Iterator[tuple[list[str], Any]]:
        """Every record's (ids, vectors), in pages; vectors.VectorTable keeps the visible ones."""
        yield from self._pages(self._clauses, "reading vectors")

    def all_word_vectors(self, side: str = "passage") -> Iterator[tuple[list[str], Any]]:
        """Every vocabulary word's (ids, vectors), in pages (vectors.WordTable): embedded as
        passages (what alignment searches) or as queries (what a question's word would get)."""
        yield from self._pages(self._vocab if side == "passage" else self._vocab_queries, "reading the vocabulary")

    @staticmethod
    def _pages(collection: Any, what: str, page: int = 5000) -> Iterator[tuple[list[str], Any]]:
        offset = 0
        while True:
            with chroma_errors(what):
                got = collection.get(include=["embeddings"], limit=page, offset=offset)
            ids = got["ids"]
            if ids:
                yield ids, got["embeddings"]
            if len(ids) < page:
                return
            offset += page

    def vectors_of(self, ehashes: list[str]) -> dict[str, list[float]]:
        """{embedded-text hash: vector} of the records already stored with those texts."""
        vectors: dict[str, list[float]] = {}
        for i in range(0, len(ehashes), 200):
            with chroma_errors("reading vectors"):
                got = self._clauses.get(where={"ehash": {"$in": ehashes[i:i + 200]}},
                                        include=["embeddings", "metadatas"])
            for meta, vec in zip(got["metadatas"] or [], got["embeddings"] if got["embeddings"] is not None else []):
                vectors.setdefault(str(meta["ehash"]), list(map(float, vec)))
        return vectors

    # ------------------------------------------------------------------ vocabulary
    def vocabulary(self) -> list[str]:
        return self._vocab.get(include=[])["ids"]

    def add_words(self, words: list[str], passages: Callable[[list[str]], Any],
                  queries: Callable[[list[str]], Any]) -> None:
        """Store the vectors of the words not yet known, embedded as passages and as queries."""
        with chroma_errors("writing vocabulary"):
            self._add_words(self._vocab, words, passages)
            self._add_words(self._vocab_queries, words, queries)

    def fill_query_words(self, queries: Callable[[list[str]], Any]) -> int:
        """Embed as queries the words an index written before that side existed lacks; how many."""
        with chroma_errors("writing vocabulary"):
            if self._vocab_queries.count() >= self._vocab.count():
                return 0
            before = self._vocab_queries.count()
            self._add_words(self._vocab_queries, self.vocabulary(), queries)
            return self._vocab_queries.count() - before

    def _add_words(self, collection: Any, words: list[str], embed: Callable[[list[str]], Any]) -> None:
        known: set[str] = set()
        for i in range(0, len(words), 500):
            known |= set(collection.get(ids=words[i:i + 500], include=[])["ids"])
        new = [w for w in words if w not in known]
        for i in range(0, len(new), 256):
            batch = new[i:i + 256]
            collection.add(ids=batch, embeddings=embed(batch).tolist())
            self._counts.clear()

    # ------------------------------------------------------------------ writing records
    def max_batch(self, cap: int) -> int:
        """Records per Chroma write: the client's own limit (5461 for the embedded store), at most cap."""
        if self._batch_limit is None:
            with chroma_errors("asking the store's batch size"):
                self._batch_limit = max(1, min(cap, int(self.client.get_max_batch_size())))
        return self._batch_limit

    def add_records(self, batch: list[Record], ehashes: list[str], vectors: dict[str, list[float]]) -> None:
        """Add the records of one batch (under the store's limit) that are not stored yet, as
        llama-index nodes carrying their vectors; a resumed ingest skips what landed."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        for (rid, _text, meta, stored), e in zip(batch, ehashes):
            node = TextNode(id_=rid, text=stored, metadata={**meta, "ehash": e}, embedding=vectors[e],
                            excluded_embed_metadata_keys=list(meta), excluded_llm_metadata_keys=list(meta))
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=meta["resqa_doc"])
            nodes.append(node)
        with chroma_errors("writing clauses"):
            ids = [n.node_id for n in nodes]
            existing: set[str] = set()
            for i in range(0, len(ids), 1000):
                existing |= set(self._clauses.get(ids=ids[i:i + 1000], include=[])["ids"])
            fresh = [n for n in nodes if n.node_id not in existing]
            if fresh:
                self._nodes_store().add(fresh)  # one Chroma add: the batch is under the store's limit
                self._counts.clear()

    def _nodes_store(self) -> Any:
        """llama-index's ChromaVectorStore over the clause collection, for writing nodes. Built on
        first write only: importing llama-index costs ~1 s, and the query path does not need it."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self._clauses)
        return self._vector_store

    def switch(self, parsed: list[tuple[Document, list[Clause]]], records_of: dict[str, int]) -> None:
        """Point the registry at the new versions (one write), bump the stamp, then delete the
        records of the old versions."""
        docs = [doc for doc, _ in parsed]
        with chroma_errors("writing clauses"):
            rows = [registry_row(doc, clauses, records_of.get(doc.doc_id, 0)) for doc, clauses in parsed]
            self._registry.upsert(ids=[d.doc_id for d in docs], embeddings=[[1.0]] * len(docs),
                                  documents=[d.title for d in docs], metadatas=rows)
            self.bump_stamp()
            self._clauses.delete(where={"$and": [{"resqa_doc": {"$in": [d.doc_id for d in docs]}},
                                                 {"doc_hash": {"$nin": [d.content_hash for d in docs]}}]})
            self._counts.clear()

    def remove(self, doc_id: str) -> None:
        with chroma_errors("removing a document"):
            self._registry.delete(ids=[doc_id])  # invisible first, then cleaned up
            self.bump_stamp()
            self._clauses.delete(where={"resqa_doc": doc_id})
            self._counts.clear()
