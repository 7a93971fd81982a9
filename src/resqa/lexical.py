"""The lexical side of retrieval: BM25 (bm25s) over folded, stemmed words.

Clauses are stemmed in their own language; their gloss (kind and keyword meaning in several
languages) and questions are stemmed with every supported stemmer, so an English question meets
the English gloss of a French clause ("urges" ~ DEMANDE INSTAMMENT).
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from pathlib import Path

import numpy as np

from resqa import language
from resqa.clean import fold

_STEMMER_NAMES = {"fr": "french", "en": "english", "es": "spanish", "de": "german"}
# Texts in other scripts (the Declaration in Russian and Arabic) are stemmed in their language;
# a question word in such a script is stemmed by that stemmer alone.
_SCRIPT_STEMMERS = {"ru": ("russian", re.compile(r"[\u0400-\u04ff]")), "ar": ("arabic", re.compile(r"[\u0600-\u06ff]"))}
_LOCK = threading.Lock()  # PyStemmer objects are not safe to share between threads


@cache
def _stemmer(lang: str):
    import Stemmer

    name = _SCRIPT_STEMMERS[lang][0] if lang in _SCRIPT_STEMMERS else _STEMMER_NAMES.get(lang, "english")
    return Stemmer.Stemmer(name)


def _stemmers_for(word: str) -> list[str]:
    return [la for la, (_, script) in _SCRIPT_STEMMERS.items() if script.search(word)] or list(_STEMMER_NAMES)


def _content_words(text: str) -> list[str]:
    stop = language.all_stopwords()
    return [w for w in language.words(text) if w not in stop and (len(w) > 1 or w.isdigit())]


_SURFACE = re.compile(r"[^\W\d_]{3,}")


def _surface_words(text: str) -> list[str]:
    """Lowercased words with their accents (the embedder reads them better than folded ones)."""
    stop = language.all_stopwords()
    return [w for w in _SURFACE.findall(text.lower().replace("’", "'")) if fold(w) not in stop]


def vocabulary_words(text: str) -> set[str]:
    """Content words of a clause that a question word may be aligned to."""
    return {w for w in _surface_words(text) if len(w) >= 4}


def question_words(text: str) -> list[str]:
    """The question's content words (frame words dropped), for alignment to the corpus."""
    frame = language.frame_words()
    out: list[str] = []
    for w in _surface_words(text):
        if fold(w) not in frame and w not in out:
            out.append(w)
    return out


def tokens_for_clause(text: str, lang: str, gloss: str = "") -> list[str]:
    with _LOCK:
        toks = _stemmer(lang).stemWords(_content_words(text))
        for g in _content_words(gloss):
            toks.extend(sorted({_stemmer(la).stemWord(g) for la in _STEMMER_NAMES}))
    return toks


def tokens_for_query(text: str) -> list[str]:
    out: list[str] = []
    frame = language.frame_words()
    with _LOCK:
        for w in _content_words(text):
            if w in frame:
                continue
            for s in sorted({_stemmer(la).stemWord(w) for la in _stemmers_for(w)}):
                if s not in out:
                    out.append(s)
    return out


def context_token(token: str) -> str:
    """A token a clause holds from its context (its document's preamble), not its own words:
    kept apart so that a question's word matches it at a weight of its own (retrieve.INHERITED_WEIGHT)."""
    return "\u2192" + token


def _rarity_within_languages(bm25, languages: list[str]) -> None:
    """Rescale each word's BM25 scores (bm25s keeps them per word, IDF included) so that its IDF
    counts the rows of the languages it occurs in, not the whole library's: in a library of 250
    English resolutions and one French Declaration, "unies" occurs in few rows of all and so
    weighed like a rare name, drawing every French question to the French text; among French
    rows it is a common word. A library in one language is left exactly as it was."""
    scores = bm25.scores
    if bm25.method != "lucene" or int(scores.get("num_docs", len(languages))) != len(languages):
        return  # the rescale below is Lucene's IDF over these rows; anything else stays plain BM25
    indptr, indices, data = scores["indptr"], scores["indices"], scores["data"]
    codes = {lang: i for i, lang in enumerate(sorted(set(languages)))}
    row_lang = np.fromiter((codes[lang] for lang in languages), dtype=np.int64, count=len(languages))
    per_lang = np.bincount(row_lang, minlength=len(codes))
    n = len(languages)
    df = np.diff(indptr).astype(np.int64)
    # which languages each word occurs in: one flag per (word, language), from its rows
    present = np.zeros((len(df), len(codes)), dtype=bool)
    present[np.repeat(np.arange(len(df)), df), row_lang[indices]] = True
    n_eff = present.astype(np.int64) @ per_lang
    factor = np.ones(len(df), dtype=np.float64)
    moved = (df > 0) & (n_eff != n)
    d, m = df[moved].astype(np.float64), n_eff[moved].astype(np.float64)
    factor[moved] = np.log(1 + (m - d + 0.5) / (d + 0.5)) / np.log(1 + (n - d + 0.5) / (d + 0.5))
    data *= np.repeat(factor, df)


class LexicalIndex:
    """BM25 over an ordered list of clause ids; saved as bm25s arrays plus ids.json."""

    def __init__(self, ids: list[str], bm25) -> None:
        self.ids = ids
        self._bm25 = bm25

    @classmethod
    def build(cls, ids: list[str], token_lists: list[list[str]], languages: list[str] | None = None) -> LexicalIndex:
        """`languages`: each row's language, to judge a word's rarity among the rows of the
        languages it is written in (_rarity_within_languages)."""
        import bm25s

        if not ids:
            return cls([], None)
        bm25 = bm25s.BM25()
        # An empty token list would make bm25s drop the row; keep rows aligned with ids.
        bm25.index([t or ["\u2205"] for t in token_lists], show_progress=False)
        if languages is not None and len(set(languages)) > 1:
            _rarity_within_languages(bm25, languages)
        return cls(list(ids), bm25)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        if path.exists():
            import shutil

            shutil.rmtree(path)
        tmp.rename(path)  # readers see the old folder or the new one, never half of one

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        import bm25s

        ids = json.loads((path / "ids.json").read_text(encoding="utf-8"))
        return cls(ids, bm25s.BM25.load(str(path), show_progress=False) if ids else None)

    def knows(self, token: str) -> bool:
        """Does any indexed clause (or its gloss) contain this token?"""
        return self._bm25 is not None and token in self._bm25.vocab_dict

    def search(self, query_tokens: list[str], k: int, allowed: set[str] | None = None,
               extra_tokens: dict[str, float] | None = None,
               context_tokens: dict[str, float] | None = None) -> tuple[list[tuple[str, float]], float]:
        """(top-k clause ids by BM25, best first; the best score an aligned word would give at
        full weight). Each of `extra_tokens` (aligned translations) counts with its weight, a plain
        query token with 1. The second figure lets the caller scale scores so that a down-weighted
        aligned word never counts as much as a word of the question itself (retrieve.fuse).
        `context_tokens` count with their weight too, and do not enter that second figure."""
        extra = {t: w for t, w in (extra_tokens or {}).items() if w > 0}
        context = {t: w for t, w in (context_tokens or {}).items() if w > 0}
        if not self.ids or not (query_tokens or extra) or self._bm25 is None:
            return [], 0.0
        mask = None
        if allowed is not None:
            mask = np.fromiter((i in allowed for i in self.ids), dtype=bool, count=len(self.ids))
        scores = np.zeros(len(self.ids), dtype=np.float32)
        if query_tokens:
            scores += np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)
        by_weight: dict[float, list[str]] = {}
        for t, w in extra.items():
            by_weight.setdefault(w, []).append(t)
        full = 0.0
        for w, toks in by_weight.items():  # one BM25 pass per weight (an aligned word's stems share one)
            got = np.asarray(self._bm25.get_scores(toks), dtype=np.float32)
            if mask is not None:
                got = np.where(mask, got, 0.0)
            full = max(full, float(got.max()))
            scores += w * got
        by_weight = {}
        for t, w in context.items():
            if t in self._bm25.vocab_dict:
                by_weight.setdefault(w, []).append(t)
        for w, toks in by_weight.items():
            scores += w * np.asarray(self._bm25.get_scores(toks), dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0], full
