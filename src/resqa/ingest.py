"""Writing to the index: the writer lock, the diff against the registry (new, changed, removed
documents; ids that would clash), parsing, embedding (reusing the vector of any text already
stored), writing in batches under the store's limit, pruning, and the vocabulary for term
alignment. Readers see none of it until a document's registry record switches (store.py)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from resqa import clauses as clause_parser
from resqa import folder
from resqa.embed import Embedder
from resqa.errors import IndexBusyError
from resqa.model import Clause, DocInfo, Document, IngestReport
from resqa.store import Record, Store

GROUP_RECORDS = 1500  # records written per batch: Chroma's per-call cost dominates small writes
GROUP_DOCS = 64
VECTOR_CACHE_SIZE = 100_000  # ~150 MB at 384 dims: boilerplate is looked up in memory, not in Chroma
Progress = Callable[[int, int, str], None]


@contextlib.contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """The writer lock of an index folder: one ingest at a time; a second, in this process or
    another, gets IndexBusyError (flock locks belong to each open file). `ingest --rebuild` holds
    it from the drop to the last write, and tells ClauseIndex.ingest so (`locked=True`)."""
    index_dir = Path(index_dir)
    path = index_dir / folder.LOCK_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+")
    except OSError as exc:
        raise folder.access_error(index_dir, exc, "take the ingest lock") from None
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


def embed_text(clause: Clause) -> str:
    """What a clause record is embedded from: its gloss, then its text."""
    g = clause_parser.gloss(clause)
    return f"{g}\n{clause.text}" if g else clause.text


def records(parsed: list[tuple[Document, list[Clause]]]) -> Iterator[Record]:
    """The records of parsed documents, in store.py's layout: one per clause and one per segment
    of a multi-segment clause. Chroma stores the verbatim text; the embedded text (embed_text,
    with the clause's gloss) only shapes the vector."""
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


def _ehash(text: str, embedder: Embedder) -> str:
    return hashlib.sha1(f"{embedder.name}\x00{text}".encode()).hexdigest()


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


# ---------------------------------------------------------------------- the diff
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


def _free_id(doc: Document, src: Path, registry: dict[str, DocInfo], taken: set[str]) -> str:
    """`<id>~<parent folders>`, as few folders as make it free, else `<id>~<path hash>`."""
    parents = [re.sub(r"[^A-Za-z0-9._-]+", "-", p.name).strip("-") for p in src.resolve().parents if p.name]
    candidates = [f"{doc.doc_id}~{'-'.join(reversed(parents[:n]))}" for n in range(1, len(parents) + 1)]
    candidates.append(f"{doc.doc_id}~{hashlib.sha1(str(src.resolve()).encode()).hexdigest()[:8]}")
    for new_id in candidates:
        held = registry.get(new_id)
        if new_id not in taken and (held is None or not _other_file(held.source, doc.source)):
            break
    return new_id


def distinct_ids(docs: list[Document], registry: dict[str, DocInfo]) -> tuple[list[Document], list[str]]:
    """Never replace a document from another file silently.

    An id made from a file name is an accident of naming: `a.txt` in a second folder gets an id
    of its own, `a~<folder>`, stable from one ingest to the next (the same clash picks the same
    id). An id the document gives itself (a reference code such as GA-2021-89-RES-09, a .jsonl
    record's id) says it is the same document: the new file replaces the old one's text, and a
    note says which file now holds it."""
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
        new_id = _free_id(d, src, registry, taken)
        taken.add(new_id)
        notes.append(f"{d.source} is indexed as {new_id}: the id {d.doc_id} belongs to {info.source}")
        out.append(replace(d, doc_id=new_id))
    return out, notes


# ---------------------------------------------------------------------- the writer
class Ingester:
    """Writes documents into one store. Keeps the vectors it has seen for the rest of the
    process's ingests (an edit touches few clauses; boilerplate recurs across an archive)."""

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # embedded-text hash -> vector
        self.filled_words = 0  # query-side vocabulary the last ingest filled in (store.fill_query_words)

    def ingest(self, documents: Iterable[Document], prune_sources: Iterable[Path] = (),
               progress: Progress | None = None) -> IngestReport:
        """Add new and changed documents, drop those removed from `prune_sources` folders. The
        caller holds the writer lock."""
        registry = self.store.read_registry()
        self.filled_words = self.store.fill_query_words(self.embedder.embed_queries)
        docs, notes = distinct_ids(list(documents), registry)
        stats: dict[str, Any] = {"documents": 0, "clauses": 0, "embedded": 0, "reused": 0, "removed": 0,
                                 "notes": tuple(notes)}
        todo = [d for d in docs if d.doc_id not in registry or registry[d.doc_id].content_hash != d.content_hash]
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
            self.store.remove(doc_id)
        return len(gone)

    def _write_documents(self, docs: list[Document]) -> tuple[int, int, int]:
        """Write a group of documents: records first (in batches under the store's limit), then the
        registry switch (one write), then the old versions' records are deleted. A crash anywhere
        leaves each document wholly old or wholly new. Only one batch of records, nodes and vectors
        is held at a time, so one very long document costs bounded memory.
        Returns (records embedded, records reused, clauses)."""
        parsed = [(doc, clause_parser.parse(doc)) for doc in docs]
        embedded = reused = 0
        records_of: dict[str, int] = {}
        batch: list[Record] = []
        for rec in records(parsed):
            batch.append(rec)
            records_of[rec[2]["resqa_doc"]] = records_of.get(rec[2]["resqa_doc"], 0) + 1
            if len(batch) >= self.store.max_batch(GROUP_RECORDS):
                e, r = self._write_records(batch)
                embedded, reused, batch = embedded + e, reused + r, []
        if batch:
            e, r = self._write_records(batch)
            embedded, reused = embedded + e, reused + r
        # the words first: a reader that sees the new versions copies the vocabulary with them
        self._add_vocabulary([c for _, clauses in parsed for c in clauses])
        self.store.switch(parsed, records_of)
        return embedded, reused, sum(len(c) for _, c in parsed)

    def _write_records(self, batch: list[Record]) -> tuple[int, int]:
        """Embed (or reuse the vectors of) one batch of records and add those not yet stored.
        Returns (records embedded, records reused)."""
        # Reuse the vector of any record in the index whose embedded text is the same: embed each text once.
        ehashes = [_ehash(t, self.embedder) for _, t, _, _ in batch]
        vectors: dict[str, list[float]] = {e: self._vectors[e].tolist() for e in set(ehashes) if e in self._vectors}
        for e, v in self.store.vectors_of(sorted(set(ehashes) - set(vectors))).items():
            vectors.setdefault(e, v)
        missing = list(dict.fromkeys((e, t) for e, (_, t, _, _) in zip(ehashes, batch) if e not in vectors))
        if missing:
            new = self.embedder.embed_passages([t for _, t in missing])
            for (e, _), v in zip(missing, new):
                vectors[e] = v.tolist()
        self._remember(vectors)
        self.store.add_records(batch, ehashes, vectors)
        return len(missing), len(batch) - len(missing)

    def _remember(self, vectors: dict[str, list[float]]) -> None:
        """Keep vectors for the rest of this process's ingests, the VECTOR_CACHE_SIZE latest."""
        for e, v in vectors.items():
            self._vectors[e] = np.asarray(v, dtype=np.float32)
            self._vectors.move_to_end(e)
        while len(self._vectors) > VECTOR_CACHE_SIZE:
            self._vectors.popitem(last=False)

    def _add_vocabulary(self, clauses: list[Clause]) -> None:
        """Embed the corpus words not yet known, as passages and as queries (shared in Chroma,
        used by align.py)."""
        from resqa.lexical import vocabulary_words

        words = sorted({w for c in clauses for w in vocabulary_words(c.text)})
        if words:
            self.store.add_words(words, self.embedder.embed_passages, self.embedder.embed_queries)
