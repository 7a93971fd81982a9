"""Question words -> the corpus words they translate to, by nearest vocabulary vector (the
vocabulary is embedded at ingest into store.py's `_vocab` collection; the catalogue searches its
copy, vectors.WordTable). retrieve.py counts an aligned
word in BM25 with its confidence, and abstain.py takes a sure alignment as a matched word."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from resqa.vectors import WordTable

ALIGN_MIN = 0.86
ALIGN_MARGIN = 0.02  # an alignment must stand out from the tenth neighbour by more than this ...
ALIGN_FULL_MARGIN = 0.04  # ... and carries its full weight from this margin on (align_terms)


def alignment_confidence(margin: float) -> float:
    """0 at or below ALIGN_MARGIN, 1 from ALIGN_FULL_MARGIN on, linear between (align_terms)."""
    return min(1.0, max(0.0, (margin - ALIGN_MARGIN) / (ALIGN_FULL_MARGIN - ALIGN_MARGIN)))


def align_terms(vocabulary: WordTable, words: list[str], vectors: np.ndarray) -> dict[str, tuple[str, float]]:
    """Map question words to corpus words they translate to, by nearest vocabulary vector:
    {question word: (corpus word, confidence in (0, 1])}.

    The confidence is how far the nearest word stands out from the word's tenth neighbour:
    none at ALIGN_MARGIN, full from ALIGN_FULL_MARGIN, linear between. e5's word vectors sit
    close together; a lone clear winner is a translation ("encryption" -> "cryptage", margin
    0.06), a crowd is noise ("offer" -> "opportun", 0.028; "äußert" -> "envisager", 0.021).
    Corpus words that the question already contains are not aligned."""
    if not words or not len(vocabulary):
        return {}
    out = {}
    for w, (ids, sims) in zip(words, vocabulary.nearest(vectors, 10)):
        if not ids:
            continue
        s1, s_last = sims[0], sims[-1]
        confidence = alignment_confidence(s1 - s_last)
        if s1 >= ALIGN_MIN and confidence > 0 and ids[0] != w:
            out[w] = (ids[0], confidence)
    return out


WORD_CACHE_SIZE = 50_000


class WordVectors:
    """The query-side vectors of questions' words, for alignment. A word of the corpus has its
    vector in the catalogue (`query_words`, embedded at ingest exactly as a question's word would
    be); another is looked up in a bounded LRU of the words questions used, and only the rest is
    embedded, in the question's own embedder call. On the library set 63% of question words are
    corpus words, and each embedded word costs about 4 ms (issue 19)."""

    def __init__(self, embedder, size: int = WORD_CACHE_SIZE) -> None:
        self.embedder = embedder
        self.size = size
        self._lru: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()

    def embed(self, queries: list[str], words: list[str], corpus: WordTable | None) -> tuple[np.ndarray, np.ndarray]:
        """(the queries' vectors, the words' vectors), embedding the queries and unknown words in one call."""
        known: dict[str, np.ndarray] = {}
        for w in words:
            v = corpus.vector(w) if corpus is not None else None
            if v is not None:
                known[w] = v
        with self._lock:
            for w in words:
                if w not in known and w in self._lru:
                    known[w] = self._lru[w]
                    self._lru.move_to_end(w)
        todo = [w for w in dict.fromkeys(words) if w not in known]
        vecs = self.embedder.embed_queries(queries + todo)
        fresh = dict(zip(todo, vecs[len(queries):]))
        with self._lock:
            self._lru.update(fresh)
            while len(self._lru) > self.size:
                self._lru.popitem(last=False)
        wvecs = np.stack([known.get(w, fresh.get(w)) for w in words]) if words else np.zeros((0, self.embedder.dim))
        return vecs[:len(queries)], wvecs
