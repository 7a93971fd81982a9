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
previous question named, or, when it named none, of the resolution its best clause was in. A
question that writes a year ("in 1990") or a month ("in May 1988") raises that period's documents
in the document stage (YEAR_WEIGHT). A clause whose opening verb the question uses gets LABEL_WEIGHT.
A question asking what someone was asked to do ranks the operative paragraph that asks it above
the preambular paragraphs of its document (_what_was_asked).
An operative clause also holds, apart, the names its document's preamble writes ("Calls upon the
parties": the parties the preamble names; catalogue._clause_tokens); a question word matches
them at INHERITED_WEIGHT of a word of the clause's own.
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
import time
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from resqa import language, references
from resqa.abstain import Evidence, triggered
from resqa.align import WordVectors, align_terms
from resqa.catalogue import Catalogue
from resqa.clean import fold
from resqa.documents import is_structured
from resqa.embed import Embedder
from resqa.index import ClauseIndex
from resqa.lexical import LexicalIndex, context_token, question_words, tokens_for_clause, tokens_for_query
from resqa.lexicon import (
    bodies_asked,
    body_words,
    closing_phrases,
    decided_families,
    families,
    family,
    match_keyword,
    organs_named,
    places_named,
    proceedings,
)
from resqa.model import Hit
from resqa.query import Query, opens_back, written_as_names
from resqa.tuning import (
    ADDRESS_WEIGHT,
    ASPECT_WEIGHT,
    CONTEXT_WEIGHT_FOLLOWUP,
    CONTEXT_WEIGHT_STANDALONE,
    DENSE_WEIGHT,
    DOC_POOL,
    DOC_WEIGHT,
    EXTRA_WEIGHT,
    INHERITED_WEIGHT,
    LABEL_WEIGHT,
    MATCH_CONFIDENCE,
    MIN_OPENING_WORDS,
    OWN_WEIGHT,
    PART_WEIGHT,
    REFERENCE_WEIGHT,
    YEAR_WEIGHT,
)


@functools.lru_cache(maxsize=4096)
def _label_stems(label: str) -> frozenset[str]:
    """The stems of a clause's opening verb ("Calls upon", "DEMANDE INSTAMMENT") and of its
    meanings in the other languages (lexicon.toml); for an operative verb of a family (asking
    something of someone, deciding), those of every verb of its family too ("Calls upon" meets
    "ask", "pidió"; "Decides" meets "decidió")."""
    kw = match_keyword(label)
    meanings = " ".join(kw[0].meanings.values()) if kw else ""
    stems = set(tokens_for_query(f"{label} {meanings}"))
    if kw and kw[0].kind == "operative":
        said = {fold(p.strip()) for p in [kw[0].text, *",".join(kw[0].meanings.values()).split(",")]}
        for family in families():
            if said & family:
                stems.update(tokens_for_query(" ".join(sorted(family))))
    return frozenset(stems)


Ranked = list[tuple[str, float]]  # (clause id, score), best first


def _of_bodies_asked(question: str, cat: Catalogue) -> set[str] | None:
    """The documents of the bodies the question names by kind ("the Council", lexicon.bodies_asked),
    and those whose body is unknown; None (all) when it names none or every body is of that kind."""
    by_body = cat.by_body
    bodies = set(by_body) - {""}
    named = bodies_asked(question, bodies)
    if not named or named == bodies:
        return None
    return set().union(by_body.get("", set()), *(by_body[b] for b in named))


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


@dataclass(frozen=True)
class Anchor:
    """What a question names, read against one catalogue snapshot (HybridRetriever._anchor)."""

    lexical: str  # the question for the lexical side: the ids of the documents it names dropped
    documents: set[str]  # the indexed documents it names (by id, title or resolution number)
    clauses: set[str]  # the clauses that cite an identifier it names
    mentioned: dict[str, bool]  # identifier -> does some indexed document mention it
    # for a follow-up that leans on a question naming resolutions the library does not hold
    # ("Que dit la résolution 242 ?" -> "Et qu'a-t-elle demandé ?"): those resolutions, as written
    unheld_before: tuple[str, ...] = ()


@dataclass
class SearchResult:
    hits: list[Hit]
    query: Query  # the question searched, as analysed once (query.py)
    query_vector: np.ndarray  # the vector quotes are chosen by: the contextual query's for a follow-up
    evidence: Evidence = field(default_factory=Evidence)
    documents: tuple[str, ...] = ()  # the documents the question names ("resolution 660", an id)
    aligned: dict[str, str] = field(default_factory=dict)  # question word -> corpus word
    timings_ms: dict[str, float] = field(default_factory=dict)
    notices: tuple[str, ...] = ()  # what a later stage could not do (rerank.py: reranking skipped, and why)

    @property
    def queries(self) -> list[str]:
        return self.query.queries

    @property
    def references(self) -> dict[str, bool]:
        return self.evidence.mentioned


@dataclass(frozen=True)
class _Terms:
    """The lexical side's view of the question once aligned (HybridRetriever._align)."""

    own_tokens: set[str]
    extra: dict[str, float]  # aligned corpus tokens -> their BM25 weight
    aligned: dict[str, str]
    unmatched: tuple[str, ...]


def _unmatched(words: list[str], alignment: dict[str, tuple[str, float]], lexical: LexicalIndex | None) -> tuple[str, ...]:
    """The words that no indexed clause contains, nor a word aligned to them with MATCH_CONFIDENCE."""
    return tuple(w for w in words
                 if alignment.get(w, ("", 0.0))[1] < MATCH_CONFIDENCE
                 and not (lexical and any(lexical.knows(t) for t in tokens_for_query(w))))


def _places_in(words: list[str], lexical: LexicalIndex | None) -> dict[str, list[str]]:
    """{question word no clause contains: the corpus words naming the same place (or UN organ) in
    another language} ("Sudáfrica" -> "south", "africa"; lexicon.places_named). The name is read
    from all the question's words ("Secrétaire général": "général" is a word of the library,
    "secrétaire" is not). A place's words count in BM25 as a sure alignment (EXTRA_WEIGHT) and
    make the word a matched one; an organ's are read for _addressee only (HybridRetriever._align)."""
    if lexical is None:
        return {}
    unknown = {w for w in words if not any(lexical.knows(t) for t in tokens_for_query(w))}
    if not unknown:
        return {}
    out = {}
    for w, names in places_named(words).items():
        if w not in unknown:
            continue
        known = sorted(n for n in names if any(lexical.knows(t) for t in tokens_for_query(n)))
        if known:
            out[w] = known
    return out


def _extra_tokens(alignment: dict[str, tuple[str, float]], own_tokens: set[str]) -> dict[str, float]:
    """Aligned corpus words the question does not hold itself, at EXTRA_WEIGHT times their confidence."""
    extra: dict[str, float] = {}
    for cw, conf in alignment.values():
        for t in tokens_for_query(cw):
            if t not in own_tokens:
                extra[t] = max(extra.get(t, 0.0), EXTRA_WEIGHT * conf)
    return extra


def _boost(fused: dict[str, float], cat: Catalogue, doc_scores: dict[str, float], own_tokens: set[str],
           named_clauses: set[str], allowed: set[str] | None, addressed: dict[str, list[str]],
           language: str = "") -> None:
    """The fused scores, in place: near-empty openings and headers that only repeat the question
    dropped; the document stage's share
    (DOC_WEIGHT), an opening verb the question uses (LABEL_WEIGHT), an identifier it names
    (REFERENCE_WEIGHT) and a place it addresses (ADDRESS_WEIGHT) added, in that order."""
    for cid in list(fused):
        c = cat.clauses.get(cid)
        if c is None:
            continue
        if c.kind == "opening" and len(c.text.split()) < MIN_OPENING_WORDS:
            del fused[cid]  # "The Security Council,": its gloss matches, its text answers nothing
            continue
        if c.kind == "header" and _text_tokens(c.text) <= own_tokens:
            del fused[cid]  # "# Universal Declaration of Human Rights": it says what the question says
            continue
        fused[cid] += DOC_WEIGHT * doc_scores.get(c.doc_id, 0.0)
        if c.label and own_tokens & _label_stems(c.label):
            fused[cid] += LABEL_WEIGHT
    for cid in sorted(named_clauses):  # sorted: clauses that tie keep one order, run after run
        if allowed is None or cid in allowed:
            fused[cid] = fused.get(cid, 0.0) + REFERENCE_WEIGHT
    # a clause the question addresses by its place comes before every other, however high the
    # boosts above took them (on a library they pass 1.0): one in the question's `language` first
    # ("article 26" is a clause of each language's Declaration), then by its own score
    ceiling = max(fused.values(), default=0.0)
    for cid in sorted({c for ids in addressed.values() for c in ids}):
        own = cat.clauses[cid].language == language if cid in cat.clauses else False
        fused[cid] = fused.get(cid, 0.0) + ceiling + ADDRESS_WEIGHT * (2 if own else 1)


def _asked_of_its_part(fused: dict[str, float], question: str, cat: Catalogue, named_docs: set[str],
                       allowed: set[str] | None) -> None:
    """A question about the vote ("Which member voted against resolution 502?") is answered by the
    adoption line, where a resolution records its vote: that line of each resolution the question
    names, or of those already among the candidates, gains PART_WEIGHT. (Weight for any clause
    holding an asked aspect's evidence was tried and dropped: syntec's refusals rely on where that
    evidence ranks. The adoption line is a part of a resolution, which syntec's chunks never are.)"""
    if PART_WEIGHT <= 0 or not any(a.name == "vote" for a in triggered(question)):
        return
    for cid in sorted({c for d in named_docs for c in cat.by_doc.get(d, [])} | set(fused)):
        c = cat.clauses.get(cid)
        if c is not None and c.kind == "adoption" and (allowed is None or cid in allowed):
            fused[cid] = fused.get(cid, 0.0) + PART_WEIGHT


def _paragraphs_by_doc(fused: dict[str, float], cat: Catalogue) -> dict[str, list[str]]:
    """The candidates that are a resolution's paragraphs (preambular or operative), by document:
    what the rules below reorder within a resolution."""
    by_doc: dict[str, list[str]] = {}
    for cid in fused:
        c = cat.clauses.get(cid)
        if c is not None and c.kind in ("preamble", "operative"):
            by_doc.setdefault(c.doc_id, []).append(cid)
    return by_doc


def _holding_what_is_asked(fused: dict[str, float], question: str, cat: Catalogue) -> None:
    """A question asking for a kind of fact (aspects.toml: how long, until when, the budget, a
    sanction…) is answered by a paragraph that states one: each candidate preambular or operative
    paragraph whose text holds a triggered aspect's evidence gains ASPECT_WEIGHT, once. Only a
    resolution's paragraphs: other texts' chunks (syntec's articles) rank as they did, and
    syntec's refusals rely on where that evidence ranks (see _asked_of_its_part). Not for an
    aspect marked `ranks = false` (statistics: any quantity is its evidence, so it raised a
    numbered paragraph for "How many soldiers…?" and lost a right refusal). An aspect marked
    `ranks = "within"` (which countries) reorders each resolution's own paragraphs only: its
    best paragraph holding the evidence swaps scores with the best one above it."""
    if ASPECT_WEIGHT <= 0:
        return
    asked = [a for a in triggered(question) if a.ranks is True]
    within = [a for a in triggered(question) if a.ranks == "within"]
    if not asked and not within:
        return
    by_doc = _paragraphs_by_doc(fused, cat)
    for cid in (cid for ids in by_doc.values() for cid in ids):
        if asked and any(a.evidence.search(fold(cat.clauses[cid].text)) for a in asked):
            fused[cid] += ASPECT_WEIGHT
    for a in within:
        # `ranks = "within"`: the paragraph holding the evidence comes first in its resolution (it
        # swaps scores with the best paragraph above it), which no other resolution's order sees
        for ids in by_doc.values():
            holding = [cid for cid in ids if a.evidence.search(fold(cat.clauses[cid].text))]
            if not holding:
                continue
            best = max(holding, key=lambda cid: fused[cid])
            above = [cid for cid in ids if fused[cid] > fused[best] and cid not in holding]
            if above:
                top = max(above, key=lambda cid: fused[cid])
                fused[best], fused[top] = fused[top], fused[best]


def _proceedings_below(fused: dict[str, float], own_tokens: set[str], cat: Catalogue) -> None:
    """A preambular paragraph that records the body's proceedings ("Having heard the statements of
    the representative of Lebanon…", lexicon.toml [proceedings]) says a debate took place, not what
    the resolution says: in each resolution, when one ranks above the best operative paragraph,
    the two swap scores, unless the question uses its verb ("Whose statements did it hear?")."""
    said = proceedings()
    for ids in _paragraphs_by_doc(fused, cat).values():
        ops = [cid for cid in ids if cat.clauses[cid].kind == "operative"]
        if not ops:
            continue
        op = max(ops, key=lambda cid: fused[cid])
        above = [cid for cid in ids if fused[cid] > fused[op] and cat.clauses[cid].kind == "preamble"
                 and fold(cat.clauses[cid].label) in said and not own_tokens & _label_stems(cat.clauses[cid].label)]
        if above:
            top = max(above, key=lambda cid: fused[cid])
            fused[op], fused[top] = fused[top], fused[op]


def _what_was_asked(fused: dict[str, float], own_tokens: set[str], cat: Catalogue,
                    addressee: frozenset[str] = frozenset()) -> None:
    """A question asking what someone was asked to do ("What did resolution 27 call upon the parties
    to do?", "¿qué le pidió a Egipto?": a verb of a lexicon.toml family; "what did it decide"
    likewise) is answered by the operative paragraph that asks it, not by the preambular
    paragraph that names the parties and often shares more of the question's words ("Noting with
    concern the hostilities between the Netherlands and…"), nor by an operative paragraph opened
    by another verb ("1. Deplores…"). In each document among the candidates, when such a paragraph
    ranks above the best operative paragraph opening with a verb of that family, the two swap
    their scores. A paragraph that itself holds such a verb ("…the Convention, calling upon States
    parties to…", "Deplores that the requests have not been met") reports a request and keeps its
    place. When the question names whom it asks (`addressee`: "ask Indonesia to…", "urge the
    Libyan Government to…"; _addressee), the best such paragraph that asks them (_asks_whom: "2.
    Calls upon the Government of Indonesia to withdraw…") is the one, and it swaps with the best
    paragraph above it that does not ask them. A question using a verb of what is decided
    (lexicon.toml [decided]: "What did the Council send?", "¿Qué fuerza creó…?") meets a deciding
    paragraph whose next words hold such a verb (_decided: "Decides to dispatch urgently an
    observation group") as it meets one opened by the verb. Scores are swapped, not added to, so the best
    score (and what the refusal and the "may also answer" ratio read) is unchanged."""
    asked = [f for f in _family_stems() if own_tokens & f]
    decided = [f for f in _decided_stems() if own_tokens & f]
    if not asked and not decided:
        return
    deciding = _deciding_stems() if decided else frozenset()
    for ids in _paragraphs_by_doc(fused, cat).values():
        for fam in asked + decided:
            ops = [cid for cid in ids if cat.clauses[cid].kind == "operative" and cat.clauses[cid].label
                   and (fam & _label_stems(cat.clauses[cid].label)
                        or fam in decided and deciding & _label_stems(cat.clauses[cid].label)
                        and fam & _decided(cat.clauses[cid].text, cat.clauses[cid].label))
                   and not _closes(cat.clauses[cid].text)]
            if not ops:
                continue
            named = [cid for cid in ops if addressee & _asks_whom(cat.clauses[cid].text, cat.clauses[cid].label)] \
                if addressee else []
            if named:
                op = max(named, key=lambda cid: fused[cid])
                above = [cid for cid in ids if fused[cid] > fused[op] and cid not in named]
            else:
                op = max(ops, key=lambda cid: fused[cid])
                above = [cid for cid in ids if fused[cid] > fused[op]
                         and not fam & _text_tokens(cat.clauses[cid].text)]
            if above:
                top = max(above, key=lambda cid: fused[cid])
                fused[op], fused[top] = fused[top], fused[op]


ADDRESSEE_WORDS = 5  # "2. Calls upon | the Government of Indonesia | to…": whom a paragraph asks


@functools.lru_cache(maxsize=8192)
def _text_tokens(text: str) -> frozenset[str]:
    """A clause's tokens as a question's are stemmed, once per clause text (the same paragraphs
    come back question after question)."""
    return frozenset(tokens_for_query(text))


@functools.lru_cache(maxsize=8192)
def _asks_whom(text: str, label: str) -> frozenset[str]:
    """The tokens of the words right after a paragraph's opening verb (`label`), up to "to" or a
    punctuation mark and at most ADDRESSEE_WORDS: whom it asks ("Requests | the Secretary-General
    | to…", "DEMANDE INSTAMMENT | à tous les pays membres |,"), not whom it mentions later
    ("Demands that Iraq cooperate with the Secretary-General")."""
    rest = re.split(r"[,;:.]|\bto\b", re.sub(r"^\s*to\b", "", _after_label(text, label)),
                    maxsplit=1)[0]  # "Appeals | to | the parties"
    return frozenset(tokens_for_query(" ".join(rest.split()[:ADDRESSEE_WORDS])))


def _after_label(text: str, label: str) -> str:
    """A paragraph's text after its opening verb (`label`), whitespace collapsed; all of it when
    the label is not found."""
    text = " ".join(text.split())
    at = fold(text).find(fold(label)) if label else -1
    return text[at + len(label):] if at >= 0 else text


def _addressee(question: str, aligned: dict[str, str]) -> frozenset[str]:
    """The tokens of whom the question says was asked: the words right after a verb of a family
    ("ask Indonesia to", "urge the Libyan Government to", "demandé au Directeur général", "pidió a
    las autoridades sudafricanas"), past articles and the speaking body ("the Council"), up to the
    next function word, and their aligned translations; empty when none follows such a verb
    ("What was Israel asked to do")."""
    family = frozenset().union(*_family_stems())
    stop, bodies = language.all_stopwords(), body_words()
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", question)
    run: list[str] = []
    for i, w in enumerate(words):
        if not family & set(tokens_for_query(w)):
            continue
        for x in (x.lower() for x in words[i + 1:i + 8]):
            if fold(x) not in bodies and fold(x) not in stop:
                run.append(x)
            elif run:
                break
    out: set[str] = set()
    for w in run:
        out.update(tokens_for_query(w))
        if w in aligned:
            out.update(tokens_for_query(aligned[w]))
    return frozenset(out)


@functools.lru_cache(maxsize=8192)
def _closes(text: str) -> bool:
    """The paragraph holds a closing formula ("Decides to remain seized of the matter";
    lexicon.toml [closing]): it decides nothing a question asks about."""
    folded = " ".join(fold(text).split())
    return any(p in folded for p in closing_phrases())


DECIDED_WORDS = 3  # "Decides | to establish under |…", "Décide | de créer une |": what it decides


@functools.lru_cache(maxsize=8192)
def _decided(text: str, label: str) -> frozenset[str]:
    """The tokens of the words right after a paragraph's opening verb, DECIDED_WORDS of them: what
    a deciding paragraph decides to do ("Decides to dispatch urgently an observation group")."""
    return frozenset(tokens_for_query(" ".join(_after_label(text, label).split()[:DECIDED_WORDS])))


@functools.cache
def _deciding_stems() -> frozenset[str]:
    """The stems of the deciding verbs (lexicon.toml [families] decision): the paragraphs whose
    next words _decided reads."""
    return frozenset(tokens_for_query(" ".join(sorted(family("decision")))))


@functools.cache
def _decided_stems() -> tuple[frozenset[str], ...]:
    """The stems of each family of what a deciding paragraph decides (lexicon.toml [decided])."""
    return tuple(frozenset(tokens_for_query(" ".join(sorted(f)))) for f in decided_families())


@functools.cache
def _family_stems() -> tuple[frozenset[str], ...]:
    """The stems of each family of operative verbs (lexicon.toml [families])."""
    return tuple(frozenset(tokens_for_query(" ".join(sorted(f)))) for f in families())


def _first_named_first(fused: dict[str, float], refs: tuple[str, ...], named_docs: set[str], cat: Catalogue) -> None:
    """A question naming several resolutions ("What force did resolution 743 create, and what
    task did resolution 781 give it?") is answered in the order it asks: the best clause of the
    first resolution it names takes the best score, and the clause that held it comes right
    after (the best score, and every other clause's order, stay what they were)."""
    first = next((d for ref in refs for d in sorted(cat.naming(ref)[0]) if d in named_docs), None)
    if first is None:
        return
    ranked = sorted((cid for cid in fused if cid in cat.clauses), key=lambda cid: -fused[cid])
    mine = next((cid for cid in ranked if cat.clauses[cid].doc_id == first), None)
    if mine is not None and ranked[0] != mine and cat.clauses[ranked[0]].doc_id in named_docs:
        fused[mine], fused[ranked[0]] = fused[ranked[0]], fused[ranked[0]] - 1e-6


def _top(fused: dict[str, float], k: int, named_docs: set[str], cat: Catalogue) -> Ranked:
    """The k best clauses; with several documents named ("resolutions 660 and 661"), the best
    clause of each is a hit too."""
    order = sorted(fused.items(), key=lambda kv: -kv[1])
    top = order[:k]
    if len(named_docs) > 1:
        for d in sorted(named_docs):
            best = next(((cid, sc) for cid, sc in order if cid in cat.clauses
                         and cat.clauses[cid].doc_id == d), None)
            if best and best not in top:
                top.append(best)
    return top


def _hits(order: Ranked, own: Run, cat: Catalogue) -> list[Hit]:
    """Hits for the chosen clauses, with the question's own dense and lexical score and rank."""
    best_dense = {cid: (s, r + 1) for r, (cid, s) in enumerate(own.dense)}
    best_lex = {cid: (s, r + 1) for r, (cid, s) in enumerate(own.lexical)}
    return [Hit(clause=cat.clauses[cid], score=s,
                dense=best_dense.get(cid, (0.0, None))[0], lexical=best_lex.get(cid, (0.0, None))[0],
                rank_dense=best_dense.get(cid, (0.0, None))[1], rank_lexical=best_lex.get(cid, (0.0, None))[1])
            for cid, s in order if cid in cat.clauses]


def _addressed(query: Query, doc_ids: set[str] | None, cat: Catalogue) -> dict[str, list[str]]:
    """{address as written: ids of the clauses it designates in each resolution searched};
    {} when no resolution is searched. Documents without preambular or operative clauses
    (generic chunks) are skipped: an address means nothing there."""
    found = query.addresses
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


_ID_WORD = re.compile(r"\w(?:[\w:./-]*\w)?")  # a word as a document id may be written: "udhr-ar", "S-RES-660-1990"


def _anchor(text: str, refs: list[str] | tuple[str, ...], named_resolutions: set[str], cat: Catalogue) -> Anchor:
    """What `text` names, against the snapshot. One scan of the reference keys per identifier,
    two only for one that no document holds (Catalogue.mentions then applies its acronym rules).
    `refs`, `named_resolutions`: references.find and references.resolutions of `text`."""
    docs: set[str] = set()
    clauses: set[str] = set()
    mentioned: dict[str, bool] = {}
    cited: dict[str, set[str]] = {}  # a named resolution the library lacks -> the documents citing it
    for ref in refs:
        d, c = cat.naming(ref)
        if d:
            docs |= d
            text = text.replace(ref, " ")
        else:
            clauses |= c
        # A resolution asked about by number is one the library holds, not one its texts cite:
        # "resolution 243" next to a held 242 is refused, not answered from another text.
        mentioned[ref] = bool(d) if ref in named_resolutions else bool(d or c) or cat.mentions(ref)
        if ref in named_resolutions and not d:
            cited[ref] = {cat.clauses[cid].doc_id for cid in c if cid in cat.clauses}
    # A document named by the id the page shows it under, when no identifier rule reads that id
    # ("What does article 26 of udhr-ar say?": an id with no digit in it)
    for word in _ID_WORD.findall(text):
        d = cat.ids_folded.get(word.casefold())
        if d is not None and d not in docs:
            docs.add(d)
            mentioned[word] = True
            text = text.replace(word, " ")
    # Unless a resolution the question names and the library holds cites it: "According to
    # resolution 699 (1991), who pays for … under section C of resolution 687?" asks about 699.
    for ref, citing in cited.items():
        mentioned[ref] = bool(citing & docs)
    return Anchor(text, docs, clauses, mentioned)


def _names_what_they_lack(query: Query, docs: set[str], cat: Catalogue) -> bool:
    """Whether the question names something the library holds and no clause of `docs` does:
    "Belgium", "Katanga" against a resolution on South Africa. In the documents' language, any word
    it writes as a name (Query.names); in another, the places it names, through their names in
    every language (lexicon.places_named: "la Belgique" is "Belgium" in an English resolution),
    as its other capitalised words ("les États Membres") are not written there."""
    infos = [cat.docs.get(d) for d in docs]
    if any(info is None for info in infos) or cat.lexical is None:
        return False
    if all(info.language == query.language for info in infos):  # type: ignore[union-attr]
        names = [{*tokens_for_query(n)} for n in query.names]
    else:
        names = [{t for x in {w, *others} for t in tokens_for_query(x)}
                 for w, others in places_named(query.words).items()]
    names = [toks for toks in names if any(cat.lexical.knows(t) for t in toks)]
    if not names:
        return False
    held: set[str] = set()
    for d, info in zip(docs, infos):
        held.update(tokens_for_query(f"{d} {info.title}"))  # type: ignore[union-attr]
        for c in cat.clauses_of(d):
            held.update(tokens_for_clause(c.text, c.language))
    return any(not toks & held for toks in names)


class HybridRetriever:
    def __init__(self, index: ClauseIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self.words = WordVectors(embedder)  # question words' vectors, for term alignment

    def clear_cache(self) -> None:
        self.words.clear()

    def _scope(self, query: Query, doc_ids: set[str] | None,
               cat: Catalogue) -> tuple[Anchor, set[str] | None, Query]:
        """What the question names, the documents searched (those it names; for a follow-up that
        names none, those the previous question named, else the resolution its answer came from,
        unless it names what they lack; none other than the caller's scope), and the question as
        searched (a follow-up naming a new subject is searched as a question of its own)."""
        anchor = _anchor(query.text, query.references, set(query.resolutions), cat)
        if query.followup and anchor.documents and not opens_back(query.text, query.language):
            # "What did resolution 262 (1968) say about Israel's attack on Beirut airport?" names
            # what it asks about: its "its" and "and" do not make it lean on the previous turn
            query = replace(query, followup=False, refers_back=False)
        if query.followup and not anchor.documents and doc_ids is None and query.refers_back:
            # "And what does it ask of the Secretary-General?": "it" is the resolution the previous
            # question named, when it named one (or several); else the one its answer cited first
            # ("Which resolution set up a tribunal for the former Yugoslavia?" -> "… report on it?")
            prev = query.history[-1]
            prev_resolutions = references.resolutions(prev)
            named = _anchor(prev, references.find(prev), set(prev_resolutions), cat).documents
            if not named and prev_resolutions:
                # it named resolutions the library does not hold: "it" is one of them, not whatever
                # the refusal showed as related reading; the follow-up is refused the same way
                return (Anchor(anchor.lexical, set(), anchor.clauses, anchor.mentioned, tuple(prev_resolutions)),
                        doc_ids, query)
            if not named:
                named = self._answered_from(Query.of(prev, query.history[:-1]), cat)
            if named and not opens_back(query.text, query.language) and _names_what_they_lack(query, named, cat):
                # "Which resolution told Belgium to pull its troops out of Katanga?" after a question
                # on South Africa: its "its" is Belgium's. A question naming what the library holds
                # and the previous turn's documents do not is a new question, asked on its own.
                query = replace(query, followup=False, refers_back=False)
            else:
                anchor = Anchor(anchor.lexical, named, anchor.clauses, anchor.mentioned)
        if anchor.documents and doc_ids is None:
            return anchor, anchor.documents, query
        return anchor, (_of_bodies_asked(query.text, cat) if doc_ids is None else doc_ids), query

    def _answered_from(self, previous: Query, cat: Catalogue) -> set[str]:
        """The resolution the previous question's best clause is in, when that document has a
        resolution's structure (a code's article or a plain chunk is not what "it" means)."""
        hits = self.search(previous).hits
        if not hits:
            return set()
        doc = hits[0].clause.doc_id
        info = cat.docs.get(doc)
        return {doc} if info is not None and is_structured(set(info.counts)) else set()

    @staticmethod
    def _lexical_words(query: Query, anchor: Anchor) -> tuple[list[str], tuple[str, ...]]:
        """The content words of the lexical question, and those of them written as names (the
        Query's own, unless naming a document took its id out of the question)."""
        if anchor.lexical == query.text:
            words, names = list(query.words), query.names
        else:
            words, names = question_words(anchor.lexical), frozenset(written_as_names(anchor.lexical))
        return words, tuple(w for w in words if w in names)

    @staticmethod
    def _align(words: list[str], wvecs: np.ndarray, lexical_text: str, cat: Catalogue) -> _Terms:
        """Term alignment (align.py): the corpus words the question's words translate to, what
        they add to the lexical query, and which question words the documents show no trace of."""
        alignment = align_terms(cat.words, words, wvecs) if words and cat.words is not None else {}
        own_tokens = set(tokens_for_query(lexical_text))
        extra = _extra_tokens(alignment, own_tokens)
        organs, offices = organs_named(words), {}
        for w, names in _places_in(words, cat.lexical).items():
            if w in organs:
                # whom a question names ("au Secrétaire général") is read through the table, for
                # _addressee; its words stay out of the lexical query and of the refusal's evidence
                offices[w] = names[0]
                continue
            alignment[w] = (names[0], 1.0)
            for t in sorted({t for n in names for t in tokens_for_query(n)} - own_tokens):
                extra[t] = max(extra.get(t, 0.0), EXTRA_WEIGHT)
        return _Terms(own_tokens=own_tokens, extra=extra,
                      aligned={w: cw for w, (cw, _conf) in alignment.items()} | offices,
                      unmatched=_unmatched(words, alignment, cat.lexical))

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
        asked = references.years(question)
        if asked and YEAR_WEIGHT > 0:
            # "in 1990", "Which 1973 resolution": a document of that year gains YEAR_WEIGHT of the
            # best document's share, and as much again when the question writes its month too
            # ("in May 1988"); its year alone is a word of many later texts ("resolution 660 (1990)")
            asked_months = references.months(question)
            for d in scores:
                if cat.years.get(d) in asked:
                    scores[d] += YEAR_WEIGHT * (2 if cat.months.get(d) in asked_months else 1)
        top = {d for d, _ in sorted(scores.items(), key=lambda kv: -kv[1])[:DOC_POOL]}
        return scores, top

    def _dense(self, vec: np.ndarray, pool: int, doc_ids: set[str] | None, top_docs: set[str]) -> Ranked:
        """The dense ranking: the search's scope, with the best documents' own clauses joined."""
        dense = self.index.dense(vec, pool, doc_ids)
        return _merge(dense, self.index.dense(vec, pool, top_docs)) if top_docs else dense

    @staticmethod
    def _lexical(lexical: LexicalIndex | None, text: str, pool: int, allowed: set[str] | None,
                 top_allowed: set[str] | None, extra: dict[str, float]) -> tuple[Ranked, float]:
        """The BM25 ranking and its scale (Run.lexical_scale), the best documents' clauses joined."""
        if not lexical:
            return [], 0.0
        own = tokens_for_query(text)
        context = {context_token(t): INHERITED_WEIGHT * w for t, w in [*((t, 1.0) for t in own), *extra.items()]}
        lex, scale = lexical.search(own, pool, allowed, extra_tokens=extra, context_tokens=context)
        if top_allowed is not None:
            lex = _merge(lex, lexical.search(own, pool, top_allowed, extra_tokens=extra, context_tokens=context)[0])
        return lex, scale

    def _runs(self, query: Query, anchor: Anchor, vecs: np.ndarray, terms: _Terms, doc_ids: set[str] | None,
              k: int, cat: Catalogue) -> tuple[list[Run], dict[str, float], set[str] | None]:
        """One Run per query (the question, and the previous question joined to it), the document
        stage's scores, and the clauses the search may return (None: any)."""
        pool = max(k * 3, 24)
        allowed = cat.clause_ids_of(doc_ids) if doc_ids is not None else None
        lexical_queries = [anchor.lexical] + ([f"{query.history[-1]} {anchor.lexical}"] if query.history else [])
        weights = [OWN_WEIGHT] + ([CONTEXT_WEIGHT_FOLLOWUP if query.followup else CONTEXT_WEIGHT_STANDALONE]
                                  if query.history else [])
        doc_scores, top_docs = self._documents(lexical_queries[-1] if query.followup else lexical_queries[0],
                                               terms.extra, doc_ids, cat)
        top_allowed = cat.clause_ids_of(top_docs) if top_docs else None
        runs = [Run(w, self._dense(vec, pool, doc_ids, top_docs),
                    *self._lexical(cat.lexical, lq, pool, allowed, top_allowed, terms.extra))
                for w, lq, vec in zip(weights, lexical_queries, vecs)]
        return runs, doc_scores, allowed

    def search(self, query: Query, k: int = 8, doc_ids: set[str] | None = None) -> SearchResult:
        """The k best clauses for the question (module doc), and what the search found out."""
        t0 = time.perf_counter()
        self.index.refresh()
        cat = self.index.catalogue  # one snapshot for the whole search, whatever a refresh does meanwhile
        anchor, doc_ids, query = self._scope(query, doc_ids, cat)
        t1 = time.perf_counter()
        words, names = self._lexical_words(query, anchor)
        vecs, wvecs = self.words.embed(query.queries, words, cat.query_words)
        terms = self._align(words, wvecs, anchor.lexical, cat)
        t2 = time.perf_counter()
        runs, doc_scores, allowed = self._runs(query, anchor, vecs, terms, doc_ids, k, cat)
        fused = fuse(runs)
        addressed = _addressed(query, doc_ids, cat)
        _boost(fused, cat, doc_scores, terms.own_tokens, anchor.clauses, allowed, addressed, query.language)
        _asked_of_its_part(fused, query.text, cat, anchor.documents, allowed)
        _holding_what_is_asked(fused, query.text, cat)
        _what_was_asked(fused, terms.own_tokens, cat, _addressee(query.text, terms.aligned))
        _proceedings_below(fused, terms.own_tokens, cat)
        if len(anchor.documents) > 1:
            _first_named_first(fused, query.references, anchor.documents, cat)
        t3 = time.perf_counter()
        hits = _hits(_top(fused, k, anchor.documents, cat), runs[0], cat)
        evidence = Evidence(anchor.mentioned, tuple(words), terms.unmatched, names, addressed, anchor.unheld_before)
        return SearchResult(hits, query, vecs[-1] if query.followup else vecs[0], evidence,
                            documents=tuple(sorted(anchor.documents)), aligned=terms.aligned,
                            timings_ms={"prepare": (t1 - t0) * 1e3, "embed": (t2 - t1) * 1e3,
                                        "search": (t3 - t2) * 1e3})
