"""Question words -> the corpus words they translate to, by nearest vocabulary vector (the
vocabulary is embedded at ingest into store.py's `_vocab` collection; the catalogue searches its
copy, vectors.WordTable). retrieve.py counts an aligned
word in BM25 with its confidence, and abstain.py takes a sure alignment as a matched word."""

from __future__ import annotations

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
