"""Question (+ conversation) -> ranked clause Hits: dense (e5) and lexical (BM25), fused.

Fusion is a convex combination of normalised scores (Bruch et al., "An Analysis of Fusion
Functions for Hybrid Retrieval", 2023), not reciprocal ranks: rank fusion throws away how far
ahead a retriever's winner is, and on a corpus of a few clauses every rank-1 is worth the same.
For each query:
- dense: the best cosine of the clause or one of its segments, min-max scaled over the pool
  that the dense search returned (its best = 1, its worst = 0, clauses outside it 0);
- lexical: the BM25 score over the best BM25 score for this query (0 for clauses without a
  shared word). Question words are also aligned to corpus words they translate to (align.py),
  which count EXTRA_WEIGHT times the alignment's confidence; when such aligned
  words are all a query matches, scores are divided by what the best aligned word would score
  at full weight instead, so a doubtful translation never counts as a word of the question;
- fused = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * lexical.
A question that names an identifier ("AG-2005-RES-09", "L1221-19"; references.py) is anchored
on it: naming an indexed document's id or title keeps the search inside that document (unless
the caller scoped it already) and drops the id from the lexical query, where it would only match
the document's header; naming something a clause cites adds REFERENCE_WEIGHT to that clause.
Addressing a clause by its place ("operative paragraph 2", "le dernier considérant";
addresses.py) adds ADDRESS_WEIGHT to that clause in each resolution searched. A follow-up that
names no resolution ("And what does it ask of the Secretary-General?") is asked of the ones the
previous question named. A clause whose opening verb the question uses gets LABEL_WEIGHT.
The search also reports which of the question's content words the documents show no trace of:
no indexed clause (or gloss), in scope or not, contains them, and no corpus word is aligned to them
with MATCH_CONFIDENCE (abstain.py refuses a question none of whose words is matched).
Up to two queries are fused, with weights: the question itself, and, when there is history,
the previous question joined to this one. A follow-up ("And under what condition?") leans on
that contextual query; a self-contained question barely does.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from resqa import addresses, language, references
from resqa.align import align_terms
from resqa.catalogue import Catalogue
from resqa.embed import Embedder
from resqa.index import ClauseIndex
from resqa.lexical import question_words, tokens_for_query
from resqa.lexicon import match_keyword
from resqa.model import Hit

DENSE_WEIGHT = 0.3  # best or tied-best on both eval sets (seed and syntec); README "Evaluation"
EXTRA_WEIGHT = 0.7  # an aligned translation of a question word counts this much in BM25, times its
# alignment confidence (align.align_terms)
REFERENCE_WEIGHT = 0.5  # added to a clause that contains an identifier the question names
ADDRESS_WEIGHT = 1.0  # added to a clause the question addresses by its place ("operative paragraph 2")
MATCH_CONFIDENCE = 0.5  # an aligned translation this sure shows that the documents use a question
# word's meaning (SearchResult.unmatched; abstain)
DOC_WEIGHT = 0.3  # added to a clause times its document's share of the best document score (documents.py)
DOC_POOL = 3  # the best documents whose clauses are searched besides the whole library
LABEL_WEIGHT = 0.1  # added to a clause whose opening verb the question uses ("What does it urge?" ->
# "Urges"; its meanings in other languages count too). 0.1: library hit@1 0.596 -> 0.606, doc@1
# 0.807 -> 0.817, seed main and blind unchanged; 0.25 cost seed main 0.898 -> 0.878 (2026-12-03)
MIN_OPENING_WORDS = 5  # an opening this short ("The Security Council,") holds nothing a question could ask
_OWN_WEIGHT = 1.0
_CONTEXT_WEIGHT_FOLLOWUP = 1.2
_CONTEXT_WEIGHT_STANDALONE = 0.25


@functools.lru_cache(maxsize=4096)
def _label_stems(label: str) -> frozenset[str]:
    """The stems of a clause's opening verb ("Calls upon", "DEMANDE INSTAMMENT") and of its
    meanings in the other languages (lexicon.toml)."""
    kw = match_keyword(label)
    meanings = " ".join(kw[0].meanings.values()) if kw else ""
    return frozenset(tokens_for_query(f"{label} {meanings}"))


Ranked = list[tuple[str, float]]  # (clause id, score), best first


class Run(NamedTuple):
    """One query's rankings. `lexical_scale`: the BM25 score of an aligned word at full weight
    (LexicalIndex.search); the lexical side is divided by it when it beats the best score."""

    weight: float
    dense: Ranked
    lexical: Ranked
    lexical_scale: float = 0.0


def fuse(runs: list[Run] | list[tuple], dense_weight: float = DENSE_WEIGHT) -> dict[str, float]:
    """Fused scores from (query weight, dense ranking, lexical ranking[, lexical scale]) per query
    (module doc)."""
    fused: dict[str, float] = {}
    for w, dense, lex, scale in (Run(*r) for r in runs):
        if dense:
            hi, lo = dense[0][1], dense[-1][1]
            for cid, s in dense:
                norm = (s - lo) / (hi - lo) if hi > lo else 1.0
                fused[cid] = fused.get(cid, 0.0) + w * dense_weight * norm
        if lex and lex[0][1] > 0:
            hi = max(lex[0][1], scale)
            for cid, s in lex:
                fused[cid] = fused.get(cid, 0.0) + w * (1 - dense_weight) * s / hi
    return fused


def _merge(a: Ranked, b: Ranked) -> Ranked:
    """Two rankings of the same scorer as one, best first (a clause in both keeps its score)."""
    best = dict(b)
    best.update(a)
    return sorted(best.items(), key=lambda kv: -kv[1])


def _leans_back(question: str, skip: frozenset[str] = frozenset()) -> bool:
    """The question opens with a follow-up cue ("And …", "¿Y qué …"), is too short to stand, or
    holds a one-word cue inside it, other than those in `skip`."""
    lang = language.detect(question)
    folded = " ".join(language.words(question))
    cues = language.followup_cues(lang) + language.followup_cues("en")
    if any(folded == c or folded.startswith(c + " ") for c in cues):
        return True
    if len([w for w in language.words(question) if w not in language.all_stopwords()]) <= 2:
        return True
    toks = set(folded.split())
    return any(c in toks for c in cues if " " not in c and len(c) > 1 and c not in skip)


def is_followup(question: str, has_history: bool) -> bool:
    """Does the question lean on an earlier turn (a pronoun, "and …", or too few words to stand)?"""
    return has_history and _leans_back(question)


# Follow-up cues that, met inside a sentence, do not point back at a document: conjunctions and
# words that are also articles or prepositions ("dignity and rights", "en 1993", "the threat that").
_NOT_REFERRING = frozenset({"and", "also", "then", "else", "why", "same", "that", "there", "which one",
                            "et", "aussi", "alors", "pourquoi", "y", "en", "también", "entonces", "por qué",
                            "und", "auch", "dann", "warum", "das", "dabei", "dazu"})


def refers_back(question: str) -> bool:
    """Does a follow-up lean on the previous turn's document (so it may be asked of the resolution
    that turn named)? Stricter than is_followup: an "and" inside a sentence is not enough; an
    opening cue, a question too short to stand, or a pronoun ("its mandate", "report on it") is."""
    return _leans_back(question, _NOT_REFERRING)


_WORD = re.compile(r"[^\W\d_]{2,}")


def written_as_names(question: str) -> set[str]:
    """Lowercased words the question writes as names: with a capital inside ("WhatsApp") or in
    capitals only ("EU", "UNICEF"), or capitalised after the first word in a language that does
    not capitalise its nouns (so not German: "Stadt" is no name)."""
    capital_nouns = language.detect(question) == "de"
    out = set()
    for i, m in enumerate(_WORD.finditer(question)):
        w = m.group()
        if any(c.isupper() for c in w[1:]) or (i > 0 and w[0].isupper() and not capital_nouns):
            out.add(w.lower())
    return out


@dataclass
class SearchResult:
    hits: list[Hit]
    query_vector: np.ndarray
    queries: list[str]
    followup: bool
    aligned: dict[str, str] = field(default_factory=dict)  # question word -> corpus word
    # identifiers the question names (references.find) -> does an indexed document mention them
    references: dict[str, bool] = field(default_factory=dict)
    # the question's content words, and those of them that no indexed clause contains, nor a word
    # aligned to them with MATCH_CONFIDENCE (abstain: a question none of whose words is matched)
    words: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # words written as names ("WhatsApp", "Europol", "EU"; written_as_names)
    # clauses the question addresses by place (addresses.py), as written -> the clause ids found
    # in the resolutions searched ([] when none of them has such a clause)
    addressed: dict[str, list[str]] = field(default_factory=dict)
    timings_ms: dict[str, float] = field(default_factory=dict)
    documents: tuple[str, ...] = ()  # the documents the question names ("resolution 660", an id)
    notices: tuple[str, ...] = ()  # what a later stage could not do (rerank.py: reranking skipped, and why)


WORD_CACHE_SIZE = 50_000


class HybridRetriever:
    def __init__(self, index: ClauseIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        # Question words recur across staff questions; their vectors (for term alignment) are
        # kept in a bounded LRU so a busy page embeds mostly the questions themselves.
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()
        self._words_lock = threading.Lock()

    def clear_cache(self) -> None:
        with self._words_lock:
            self._words.clear()

    def _embed(self, queries: list[str], words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        with self._words_lock:
            known = {w: self._words[w] for w in words if w in self._words}
            for w in known:
                self._words.move_to_end(w)
        todo = [w for w in dict.fromkeys(words) if w not in known]
        vecs = self.embedder.embed_queries(queries + todo)
        fresh = dict(zip(todo, vecs[len(queries):]))
        with self._words_lock:
            for w, v in fresh.items():
                self._words[w] = v
            while len(self._words) > WORD_CACHE_SIZE:
                self._words.popitem(last=False)
        wvecs = np.stack([known.get(w, fresh.get(w)) for w in words]) if words else np.zeros((0, self.embedder.dim))
        return vecs[:len(queries)], wvecs

    def _anchor(self, question: str, cat: Catalogue) -> tuple[str, set[str], set[str], dict[str, bool]]:
        """(question for the lexical side, documents it names, clauses holding what it names,
        {identifier: mentioned by some indexed document}). One scan of the reference keys per
        identifier, two only for one that no document holds (Catalogue.mentions then applies
        its acronym rules)."""
        docs: set[str] = set()
        clauses: set[str] = set()
        mentioned: dict[str, bool] = {}
        named_resolutions = set(references.resolutions(question))
        for ref in references.find(question):
            d, c = cat.naming(ref)
            if d:
                docs |= d
                question = question.replace(ref, " ")
            else:
                clauses |= c
            # A resolution asked about by number is one the library holds, not one its texts cite:
            # "resolution 243" next to a held 242 is refused, not answered from another text.
            mentioned[ref] = bool(d) if ref in named_resolutions else bool(d or c) or cat.mentions(ref)
        return question, docs, clauses, mentioned

    def _documents(self, question: str, extra: dict[str, float], doc_ids: set[str] | None,
                   cat: Catalogue) -> tuple[dict[str, float], set[str]]:
        """The document stage (documents.py): each structured document's score for the question
        (0..1 of the best), and the DOC_POOL best, whose clauses are searched as well; nothing
        when the search is already inside a few documents."""
        if DOC_WEIGHT <= 0 or (doc_ids is not None and len(doc_ids) <= DOC_POOL):
            return {}, set()
        dix = cat.documents()
        if len(dix.ids) <= 1:
            return {}, set()
        scores = dix.scores(tokens_for_query(question), extra, doc_ids)
        top = {d for d, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:DOC_POOL]}
        return scores, top

    def _addressed(self, question: str, doc_ids: set[str] | None, cat: Catalogue) -> dict[str, list[str]]:
        """{address as written: ids of the clauses it designates in each resolution searched};
        {} when no resolution is searched. Documents without preambular or operative clauses
        (generic chunks) are skipped: an address means nothing there."""
        found = addresses.find(question) + addresses.find_articles(question)
        if not found:
            return {}
        out: dict[str, list[str]] = {a.text: [] for a in found}
        resolutions = 0
        for doc in sorted(doc_ids if doc_ids is not None else cat.docs):
            by_kind: dict[str, list[str]] = {}
            for c in cat.clauses_of(doc):
                by_kind.setdefault(c.kind, []).append(c.clause_id)
            if "operative" not in by_kind and "preamble" not in by_kind:
                continue
            resolutions += 1
            for a in found:
                ids = by_kind.get(a.kind, [])
                if a.ordinal == -1 and ids:
                    out[a.text].append(ids[-1])
                elif 0 < a.ordinal <= len(ids):
                    out[a.text].append(ids[a.ordinal - 1])
        # An article no document searched has is not refused: "Article 41" may be the Charter's.
        out = {text: ids for text, ids in out.items()
               if ids or not any(a.text == text and a.kind == "article" for a in found)}
        return out if resolutions else {}

    def search(self, question: str, history: list[str] | tuple[str, ...] = (), k: int = 8,
               doc_ids: set[str] | None = None) -> SearchResult:
        import time

        t0 = time.perf_counter()
        self.index.refresh()
        cat = self.index.catalogue  # one snapshot for the whole search, whatever a refresh does meanwhile
        history = [h for h in history if h and h.strip()]
        follow = is_followup(question, bool(history))
        queries = [(question, _OWN_WEIGHT)]
        if history:
            w = _CONTEXT_WEIGHT_FOLLOWUP if follow else _CONTEXT_WEIGHT_STANDALONE
            queries.append((f"{history[-1]} {question}", w))
        lexical_question, named_docs, named_clauses, mentioned = self._anchor(question, cat)
        if follow and not named_docs and doc_ids is None and refers_back(question):
            # "And what does it ask of the Secretary-General?": "it" is the resolution the previous
            # question named, when it named one (or several)
            named_docs = self._anchor(history[-1], cat)[1]
        if named_docs and doc_ids is None:
            doc_ids = named_docs
        t1 = time.perf_counter()
        qwords = question_words(lexical_question)
        vecs, wvecs = self._embed([q for q, _ in queries], qwords)
        alignment = align_terms(self.index.store, qwords, wvecs) if qwords else {}
        aligned = {w: cw for w, (cw, _conf) in alignment.items()}
        own_tokens = set(tokens_for_query(lexical_question))
        lexical = cat.lexical
        unmatched = tuple(w for w in qwords
                          if alignment.get(w, ("", 0.0))[1] < MATCH_CONFIDENCE
                          and not (lexical and any(lexical.knows(t) for t in tokens_for_query(w))))
        extra: dict[str, float] = {}
        for cw, conf in alignment.values():
            for t in tokens_for_query(cw):
                if t not in own_tokens:
                    extra[t] = max(extra.get(t, 0.0), EXTRA_WEIGHT * conf)
        t2 = time.perf_counter()
        pool = max(k * 3, 24)
        allowed = None
        if doc_ids is not None:
            allowed = cat.clause_ids_of(doc_ids)
        lexical_queries = [lexical_question] + ([f"{history[-1]} {lexical_question}"] if history else [])
        doc_scores, top_docs = self._documents(lexical_queries[-1] if follow else lexical_queries[0], extra, doc_ids, cat)
        top_allowed = cat.clause_ids_of(top_docs) if top_docs else None
        runs = []
        for (_q, w), lq, vec in zip(queries, lexical_queries, vecs):
            dense = self.index.dense(vec, pool, doc_ids)
            lex, scale = (lexical.search(tokens_for_query(lq), pool, allowed, extra_tokens=extra)
                          if lexical else ([], 0.0))
            if top_docs:  # the best documents' own clauses join the pools (question -> documents -> clauses)
                dense = _merge(dense, self.index.dense(vec, pool, top_docs))
                if lexical:
                    lex = _merge(lex, lexical.search(tokens_for_query(lq), pool, top_allowed, extra_tokens=extra)[0])
            runs.append(Run(w, dense, lex, scale))
        fused = fuse(runs)
        for cid in list(fused):
            c = cat.clauses.get(cid)
            if c is None:
                continue
            if c.kind == "opening" and len(c.text.split()) < MIN_OPENING_WORDS:
                del fused[cid]  # "The Security Council,": its gloss matches, its text answers nothing
                continue
            fused[cid] += DOC_WEIGHT * doc_scores.get(c.doc_id, 0.0)
            if c.label and own_tokens & _label_stems(c.label):
                fused[cid] += LABEL_WEIGHT
        for cid in named_clauses:
            if allowed is None or cid in allowed:
                fused[cid] = fused.get(cid, 0.0) + REFERENCE_WEIGHT
        addressed = self._addressed(question, doc_ids, cat)
        for cid in {c for ids in addressed.values() for c in ids}:
            fused[cid] = fused.get(cid, 0.0) + ADDRESS_WEIGHT
        own = runs[0]
        best_dense = {cid: (s, r + 1) for r, (cid, s) in enumerate(own[1])}
        best_lex = {cid: (s, r + 1) for r, (cid, s) in enumerate(own[2])}
        t3 = time.perf_counter()
        order = sorted(fused.items(), key=lambda kv: -kv[1])
        top = order[:k]
        if len(named_docs) > 1:  # "resolutions 660 and 661": the best clause of each named one is a hit
            for d in sorted(named_docs):
                best = next(((cid, sc) for cid, sc in order if cid in cat.clauses
                             and cat.clauses[cid].doc_id == d), None)
                if best and best not in top:
                    top.append(best)
        order = top
        hits = [Hit(clause=cat.clauses[cid], score=s,
                    dense=best_dense.get(cid, (0.0, None))[0], lexical=best_lex.get(cid, (0.0, None))[0],
                    rank_dense=best_dense.get(cid, (0.0, None))[1], rank_lexical=best_lex.get(cid, (0.0, None))[1])
                for cid, s in order if cid in cat.clauses]
        qvec = vecs[-1] if follow else vecs[0]
        names = written_as_names(lexical_question)
        return SearchResult(hits, qvec, [q for q, _ in queries], follow, aligned=aligned, references=mentioned,
                            documents=tuple(sorted(named_docs)),
                            words=tuple(qwords), unmatched=unmatched,
                            names=tuple(w for w in qwords if w in names), addressed=addressed,
                            timings_ms={"prepare": (t1 - t0) * 1e3, "embed": (t2 - t1) * 1e3,
                                        "search": (t3 - t2) * 1e3})


