"""Dense search over one generation's vectors, exactly, with numpy.

The store (store.py, Chroma) holds every record's vector; this module holds a copy of the
vectors that readers can see in one generation: each clause record and its segments
(`VectorTable`) and the corpus vocabulary that term alignment searches (`WordTable`). The
catalogue (catalogue.py) loads them with its clauses, keeps them on local disk as .npy files beside
its other caches, and swaps them with the rest of the snapshot on a refresh.

Why not Chroma's own query: on the 878 Security Council resolutions (23,584 records) a warm ask
spent 30.6 of its 69.5 ms in 2.5 Chroma queries and 6.7 ms more in the vocabulary query
(eval/bench/sc878, issue 19), mostly client overhead and the `$in` filter over document ids. A
matrix-vector product over the same float32 vectors takes about 2 ms, is exact where HNSW is
approximate, and gives the same ranking from run to run (Chroma's differed at close scores).
Memory: 4 bytes x 384 per record, 36 MB for the full Security Council library, memory-mapped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from resqa.model import Clause, DocInfo


def one_blas_thread() -> None:
    """Keep numpy's BLAS to one thread in this process. The embedder's engine already uses every
    core for each question; OpenBLAS's own threads, which spin for a while after each product,
    took the cores from it: on the library slice a warm ask took 110 ms with two BLAS threads
    and 24 ms with one (the products here are one question against a few MB: one thread is
    enough). Called once when a pipeline is wired (pipeline.py)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (Chroma's cosine space compares directions)."""
    m = np.asarray(rows, dtype=np.float32)
    if not m.size:
        return m
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, best first (ties in index order)."""
    n = min(n, len(scores))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    cand = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    cand.sort()
    return cand[np.argsort(-scores[cand], kind="stable")]


def _save_npy(folder: Path, name: str, matrix: np.ndarray, keys: list[str]) -> None:
    np.save(folder / f"{name}.npy", matrix)
    (folder / f"{name}.json").write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")


def _load_npy(folder: Path, name: str, dim: int) -> tuple[np.ndarray, list[str]] | None:
    """(matrix, keys) from the cache, memory-mapped; None when absent, torn or of another width."""
    try:
        keys = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        matrix = np.load(folder / f"{name}.npy", mmap_mode="r")
    except (OSError, ValueError):
        return None
    if matrix.dtype != np.float32 or matrix.ndim != 2 or len(matrix) != len(keys) or (len(keys) and matrix.shape[1] != dim):
        return None
    return matrix, keys


class VectorTable:
    """The vectors of the visible clause and segment records, one row each, unit length."""

    def __init__(self, ids: list[str], matrix: np.ndarray, clauses: dict[str, Clause]) -> None:
        self.ids = ids
        self.matrix = matrix
        owners: list[str] = []
        self.segment_rows: dict[str, list[int]] = {}  # a clause's segment rows, in segment order
        for row, rid in enumerate(ids):
            cid, tail = rid.rsplit("#", 1)
            owners.append(cid)
            if ":s" in tail:
                self.segment_rows.setdefault(cid, []).append(row)
        self.clause_names = list(dict.fromkeys(owners))
        position = {c: i for i, c in enumerate(self.clause_names)}
        self.owner = np.fromiter((position[c] for c in owners), dtype=np.int64, count=len(owners))
        by_doc: dict[str, list[int]] = {}
        for row, cid in enumerate(owners):
            by_doc.setdefault(clauses[cid].doc_id, []).append(row)
        self.rows_by_doc = {d: np.asarray(rows, dtype=np.int64) for d, rows in by_doc.items()}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_store(cls, store, clauses: dict[str, Clause], docs: dict[str, DocInfo], dim: int) -> VectorTable:
        """The visible records' vectors read from the store: a record is visible when its clause is
        in the catalogue and its id carries the registry's version of the document. Rows are in
        clause order (each clause's record, then its segments), whatever order the store keeps."""
        wanted: dict[str, tuple[int, int]] = {}
        order = {cid: i for i, cid in enumerate(clauses)}
        for c in clauses.values():
            h = docs[c.doc_id].content_hash[:12]
            wanted[f"{c.clause_id}#{h}"] = (order[c.clause_id], -1)
            if len(c.segments) > 1:
                for i in range(len(c.segments)):
                    wanted[f"{c.clause_id}#{h}:s{i}"] = (order[c.clause_id], i)
        got: dict[str, np.ndarray] = {}
        for ids, embeddings in store.all_vectors():
            for rid, vec in zip(ids, embeddings):
                if rid in wanted:
                    got[rid] = vec
        ids = sorted(got, key=lambda rid: wanted[rid])
        matrix = _unit(np.stack([got[r] for r in ids])) if ids else np.zeros((0, dim), dtype=np.float32)
        return cls(ids, matrix, clauses)

    @classmethod
    def load(cls, folder: Path, clauses: dict[str, Clause], dim: int) -> VectorTable | None:
        got = _load_npy(folder, "vectors", dim)
        if got is None or any(rid.rsplit("#", 1)[0] not in clauses for rid in got[1]):
            return None
        return cls(got[1], got[0], clauses)

    def save(self, folder: Path) -> None:
        _save_npy(folder, "vectors", np.asarray(self.matrix), self.ids)

    def rows(self, doc_ids: Iterable[str]) -> np.ndarray:
        parts = [self.rows_by_doc[d] for d in sorted(doc_ids) if d in self.rows_by_doc]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def search(self, vec: np.ndarray, n: int, k: int, doc_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """The k best clauses by the best cosine of their record or a segment, among the n nearest
        records (inside `doc_ids` if given): what a Chroma query for n results then grouping by
        clause gave, searched exactly."""
        q = np.asarray(vec, dtype=np.float32)
        norm = float(np.linalg.norm(q))
        q = q / norm if norm else q
        if doc_ids is None:
            rows, scores = None, self.matrix @ q
        else:
            rows = self.rows(doc_ids)
            scores = self.matrix[rows] @ q if len(rows) else np.zeros(0, dtype=np.float32)
        best: dict[str, float] = {}
        for i in _top(scores, n):
            row = int(i) if rows is None else int(rows[i])
            cid = self.clause_names[self.owner[row]]
            if cid not in best:
                best[cid] = float(scores[i])
        return list(best.items())[:k]

    def segments(self, clause: Clause) -> np.ndarray | None:
        """The vectors of a clause's segments, in order (None for a single-segment clause, or
        when one is missing)."""
        rows = self.segment_rows.get(clause.clause_id, [])
        if len(clause.segments) < 2 or len(rows) != len(clause.segments):
            return None
        return np.asarray(self.matrix[rows], dtype=np.float32)


class WordTable:
    """Corpus words' vectors: embedded as passages, unit length (what align.py searches), or as
    queries, exactly as the embedder returned them (what a question's word would get)."""

    def __init__(self, words: list[str], matrix: np.ndarray, name: str = "words") -> None:
        self.words = words
        self.matrix = matrix
        self.name = name
        self.row_of = {w: i for i, w in enumerate(words)}

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def from_store(cls, store, dim: int, side: str = "passage") -> WordTable:
        words: list[str] = []
        rows: list[np.ndarray] = []
        for ids, embeddings in store.all_word_vectors(side):
            words.extend(ids)
            rows.extend(embeddings)
        order = sorted(range(len(words)), key=words.__getitem__)
        matrix = np.asarray([rows[i] for i in order], dtype=np.float32).reshape(len(order), dim)
        return cls([words[i] for i in order], _unit(matrix) if side == "passage" else matrix,
                   "words" if side == "passage" else "query_words")

    @classmethod
    def load(cls, folder: Path, dim: int, name: str = "words") -> WordTable | None:
        got = _load_npy(folder, name, dim)
        return None if got is None else cls(got[1], got[0], name)

    def save(self, folder: Path) -> None:
        _save_npy(folder, self.name, np.asarray(self.matrix), self.words)

    def vector(self, word: str) -> np.ndarray | None:
        row = self.row_of.get(word)
        return None if row is None else np.array(self.matrix[row], dtype=np.float32)

    def nearest(self, vectors: np.ndarray, n: int) -> list[tuple[list[str], list[float]]]:
        """For each vector, its n nearest words and their cosines, nearest first."""
        if not len(self.words) or not len(vectors):
            return [([], []) for _ in range(len(vectors))]
        q = _unit(np.asarray(vectors, dtype=np.float32))
        sims = q @ self.matrix.T
        out = []
        for row in sims:
            top = _top(row, n)
            out.append(([self.words[i] for i in top], [float(row[i]) for i in top]))
        return out
