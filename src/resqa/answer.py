"""Question + Hits -> Answer. Extractive by default: no LLM, quotes are spans of the clauses.

The answer cites the best clause (and a second one when the question asks for several things
or the retrievers agree it is as close), quotes the segment of each clause that best matches
the question, frames it with a sentence in the question's language saying whether it is
preambular context or an operative decision, and verifies every quote before showing it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from pathlib import PurePath
from typing import Protocol

import numpy as np

from resqa import abstain, data, language, references
from resqa.config import MAX_HISTORY_CHARS, MAX_QUESTION_CHARS
from resqa.errors import InputError
from resqa.index import ClauseIndex
from resqa.lexical import question_words, tokens_for_clause, tokens_for_query
from resqa.lexicon import body_name, match_keyword
from resqa.model import Answer, Citation, Clause, Hit
from resqa.query import Query
from resqa.retrieve import HybridRetriever, SearchResult
from resqa.tuning import (
    ALSO_MAX,
    ALSO_RATIO,
    FIRST_SEGMENT_WORDS,
    MAX_CITATIONS,
    MIN_QUOTE_WORDS,
    PLURAL_CITATION,
    QUOTE_OVERLAP_WEIGHT,
    QUOTE_SENTENCE_WORDS,
    SECOND_CITATION,
)
from resqa.verify import elided, verify_quote

_PLURAL_CUES = {"two", "both", "deux", "dos", "ambos", "zwei", "beide"}


def _whole_sentence(text: str, segs: tuple[str, ...], a: int, b: int) -> tuple[int, int]:
    """Segments a..b widened to the sentence they are part of (segments split at commas too:
    "Toda persona tiene derecho a salir de cualquier país" leaves out ", incluso del propio, y a
    regresar a su país"), while the quote stays within QUOTE_SENTENCE_WORDS words."""
    spans, at = [], 0
    for seg in segs:
        at = text.find(seg, at)
        spans.append((at, at + len(seg)))
        at += len(seg)

    def joined_by_comma(i: int) -> bool:  # segment i and i+1 are parts of one sentence
        return segs[i].rstrip()[-1:] not in (".", ";", ":", "!", "?")

    def words(i: int, j: int) -> int:
        return len(text[spans[i][0]:spans[j][1]].split())

    while b + 1 < len(segs) and joined_by_comma(b) and words(a, b + 1) <= QUOTE_SENTENCE_WORDS:
        b += 1
    while a > 0 and joined_by_comma(a - 1) and words(a - 1, b) <= QUOTE_SENTENCE_WORDS:
        a -= 1
    return a, b


@cache
def templates() -> dict:
    return data.toml("templates.toml")


def _check_text(text: str, what: str) -> None:
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"{what} is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if "\x00" in text:
        raise InputError(f"{what} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: "\ud800" in JSON, or argv bytes that are not UTF-8
        raise InputError(f"{what} is not valid text (character {exc.start + 1} is a lone surrogate, "
                         "e.g. bytes that are not UTF-8); send it as UTF-8") from None


def validate_question(question: object) -> str:
    if question is not None and not isinstance(question, str):
        raise InputError(f"the question must be text, not {type(question).__name__}")
    if not question or not question.strip():
        raise InputError("the question is empty; type a question about the resolutions")
    _check_text(question, "the question")
    if not any(ch.isalnum() for ch in question):
        raise InputError("the question has no words (only symbols or emoji); type a question about the resolutions")
    return question.strip()


def validate_history(history: object) -> list[str]:
    """Earlier questions of a conversation: each within the question limit, and at most
    MAX_HISTORY_CHARS in all (the page sends its latest turns within that: ui.history_of)."""
    if history is None:
        return []
    if not isinstance(history, (list, tuple)):
        raise InputError("the history must be a list of earlier questions")
    for i, h in enumerate(history, 1):
        if not isinstance(h, str):
            raise InputError(f"history item {i} must be text, not {type(h).__name__}")
        _check_text(h, f"history item {i}")
    total = sum(len(h) for h in history)
    if total > MAX_HISTORY_CHARS:
        raise InputError(f"the history is {total} characters long; the limit is {MAX_HISTORY_CHARS} "
                         "(send only the latest questions)")
    return [h.strip() for h in history if h.strip()]


def _asks_for_the_whole(clause: Clause, res: SearchResult) -> bool:
    """"What does OP2 say?", "Que dit le dernier considérant ?", "¿Qué dice el artículo 14 de la
    Declaración Universal?": the question addresses this clause by its place and asks nothing
    else of it (the words of its document's title name the document, not what is asked), so the
    quote is the whole clause."""
    addressed = res.evidence.addressed
    if not any(clause.clause_id in ids for ids in addressed.values()):
        return False
    rest = res.query.text
    for named in [*addressed, *res.references]:
        rest = rest.replace(named, " ")
    title = set(tokens_for_query(clause.doc_title))  # stems: "Всеобщей декларации" names "Всеобщая декларация"
    return not [w for w in question_words(rest) if not set(tokens_for_query(w)) & title]


def _named(doc_id: str, info, lang: str = "") -> str:
    """How a frame names a document: its id, which is its symbol or reference code ("S/RES/186
    (1964)", "GA-2021-89-RES-09"), or, when the id is only its file's name ("udhr-en"), its title
    with the id, as a noun phrase of the frame's language `lang` (language.titled): "the
    Universal Declaration of Human Rights (udhr-en)", "la Déclaration universelle des droits de
    l'homme (udhr-fr)"; without `lang`, the bare title."""
    file, title = (info.metadata.get("file"), getattr(info, "title", None)) if info else (None, None)
    if file and title and title != doc_id and PurePath(file).stem == doc_id:
        return f"{language.titled(title, lang) if lang else title} ({doc_id})"
    return doc_id


OnToken = Callable[[str], None]


class Answerer(Protocol):
    """What the pipeline asks of an answerer (ExtractiveAnswerer; generate.LLMAnswerer).
    `result`: this very question's search, when the caller already ran it; `on_token`: receives
    generated text as it streams (an answerer that does not generate ignores it)."""

    def answer(self, query: Query | str, history: list[str] | tuple[str, ...] = (),
               doc_ids: set[str] | None = None, *, result: SearchResult | None = None,
               on_token: OnToken | None = None) -> Answer: ...


def to_query(question: Query | str, history: list[str] | tuple[str, ...] = ()) -> Query:
    """The Query as given, or one built from a question's text, validated."""
    return question if isinstance(question, Query) else Query.of(validate_question(question), history)


class ExtractiveAnswerer:
    """Answers with quoted spans of the retrieved clauses (module doc); implements Answerer."""

    def __init__(self, index: ClauseIndex, retriever: HybridRetriever, k: int = 8) -> None:
        self.index = index
        self.retriever = retriever
        self.k = k  # clauses searched per question (Settings.top_k)

    def answer(self, query: Query | str, history: list[str] | tuple[str, ...] = (),
               doc_ids: set[str] | None = None, *, result: SearchResult | None = None,
               on_token: OnToken | None = None) -> Answer:
        """The answer to `query`, from `result` when the caller has searched already (the LLM
        answerer: one search per question). Not generated, so `on_token` receives nothing."""
        t0 = time.perf_counter()
        query = to_query(query, history)
        res = result or self.retriever.search(query, k=self.k, doc_ids=doc_ids)
        t1 = time.perf_counter()
        known = res.references  # what retrieval already found out about the identifiers named
        verdict = abstain.assess(res.query, res.hits,
                                 lambda ref: known[ref] if ref in known else self.index.catalogue.mentions(ref),
                                 res.evidence)
        if not verdict.answerable:
            ans = self._refusal(query, res, verdict)
        else:
            ans = self._compose(query, res, self._choose(res), verdict.reason)
        t2 = time.perf_counter()
        timings = {**res.timings_ms, "retrieve": (t1 - t0) * 1e3, "compose": (t2 - t1) * 1e3,
                   "total": (t2 - t0) * 1e3}
        return Answer(**{**ans.__dict__, "timings_ms": timings, "notices": (*res.notices, *ans.notices)})

    # ------------------------------------------------------------------ choosing
    def _choose(self, res: SearchResult) -> list[Hit]:
        """The best clause, plus any of the next two whose fused score is nearly as high (within
        SECOND_CITATION of the best, or PLURAL_CITATION when the question asks for two things)."""
        hits = res.hits
        words = set(" ".join(language.words(res.query.text)).split())
        ratio = PLURAL_CITATION if words & _PLURAL_CUES else SECOND_CITATION
        top = hits[0].score
        chosen = [hits[0]] + [h for h in hits[1:MAX_CITATIONS] if top > 0 and h.score >= ratio * top]
        # A question naming several resolutions ("How does 661 build on 660?") is answered from each.
        for d in res.documents if len(res.documents) > 1 else ():
            best = next((h for h in hits if h.clause.doc_id == d), None)
            if best is not None and best not in chosen and len(chosen) < MAX_CITATIONS:
                chosen.append(best)
        return chosen

    def best_quote(self, clause: Clause, query_vec: np.ndarray, question: str,
                   named: list[str] | None = None) -> str:
        """The segment of `clause` that best matches the question (extended if very short).
        `named`: the identifiers the question names, when the caller has them (SearchResult)."""
        segs = clause.segments or (clause.text,)
        if len(segs) == 1:
            return segs[0]
        vecs = self.index.segment_vectors(clause)
        q_toks = set(tokens_for_query(question))
        named_keys = [references.key(r) for r in (references.find(question) if named is None else named)]
        scores = []
        for i, seg in enumerate(segs):
            dense = float(vecs[i] @ query_vec) if vecs is not None else 0.0
            seg_toks = set(tokens_for_clause(seg, clause.language))
            overlap = len(q_toks & seg_toks) / (len(q_toks) or 1)
            # The segment that holds an identifier the question names is the one asked about.
            cites = any(k in references.key(seg) for k in named_keys)
            scores.append(dense + QUOTE_OVERLAP_WEIGHT * overlap + cites)
        a = b = int(np.argmax(scores))
        # The opening segment ("DEMANDE INSTAMMENT à tous les pays membres") names who is
        # addressed, rarely what is asked: carry the quote on into what follows.
        need = FIRST_SEGMENT_WORDS if a == 0 else MIN_QUOTE_WORDS
        while b + 1 < len(segs) and len(" ".join(segs[a:b + 1]).split()) < need:
            b += 1
        if len(" ".join(segs[a:b + 1]).split()) < MIN_QUOTE_WORDS and a > 0:
            a -= 1
        a, b = _whole_sentence(clause.text, segs, a, b)
        start = clause.text.find(segs[a])
        end = clause.text.find(segs[b], start) + len(segs[b])
        return clause.text[start:end].rstrip(" ,;")

    # ------------------------------------------------------------------ composing
    def _citation(self, n: int, hit: Hit, res: SearchResult) -> Citation | None:
        if _asks_for_the_whole(hit.clause, res):
            quote = hit.clause.text
        else:
            quote = self.best_quote(hit.clause, res.query_vector, res.query.text, list(res.references))
        ok = verify_quote(quote, hit.clause.text)
        return Citation(n=n, clause=hit.clause, quote=quote, verified=ok) if ok else None

    def _frame(self, clause: Clause, lang: str) -> str:
        """The sentence before a quote, wholly in the question's language (English where resqa
        has no templates for it): the keyword as written, followed by its meaning in that language
        when it is written in another ("DEMANDE INSTAMMENT: urges"; "Demands : exige"), never a
        gloss in a third one, nor one that repeats the keyword ("Approves: approves")."""
        lang = lang if lang in templates() else "en"
        t = templates()[lang]
        label = clause.label or clause.kind
        kw = match_keyword(clause.label[:1].upper() + clause.label[1:])
        meaning = kw[0].meanings.get(lang, "").split(",")[0].strip() if kw and kw[0].lang != lang else ""
        gloss = t["gloss"].format(label=label, meaning=meaning) if meaning else label
        info = self.index.catalogue.docs.get(clause.doc_id)
        body = body_name(info.metadata.get("body") if info else None, lang) or t["body"]
        # a passage without a heading of its own is framed by its document alone, not "(chunk)"
        template = (t.get(clause.kind) if clause.kind != "chunk" else None) or (
            t["chunk"] if clause.label else t["chunk_plain"])
        frame = template.format(ordinal=clause.ordinal, doc=_named(clause.doc_id, info, lang), body=body,
                                label=label, gloss=gloss)
        # "Article 14 de le document …" -> "du document"; "the Universal Declaration … says:" -> "The"
        frame = language.contracted(frame, lang)
        return frame[:1].upper() + frame[1:]

    def _compose(self, query: Query, res: SearchResult, chosen: list[Hit], reason: str) -> Answer:
        citations = [c for c in (self._citation(i + 1, h, res) for i, h in enumerate(chosen)) if c]
        citations = [Citation(n=i + 1, clause=c.clause, quote=c.quote, verified=c.verified)
                     for i, c in enumerate(citations)]
        if not citations:
            return self._refusal(query, res, abstain.Verdict(False, "no verifiable quote"))
        parts = [f"{self._frame(c.clause, query.language)} «{elided(c.quote, c.clause.text)}» [{c.n}]" for c in citations]
        also = self._also(res, chosen, len(citations))
        t = templates().get(query.language) or templates()["en"]
        return Answer(question=query.text, language=query.language, answerable=True, text="\n\n".join(parts),
                      citations=tuple(citations), reason=reason, also=also, also_heading=t["may_also"] if also else "")

    def _also(self, res: SearchResult, chosen: list[Hit], cited: int) -> tuple[Citation, ...]:
        """The runner-up: the best clauses not cited whose fused score is within ALSO_RATIO of the
        best (at most ALSO_MAX), with verified quotes, so that the reader sees the clause that
        answers even when the first one cited does not."""
        top = res.hits[0].score if res.hits else 0.0
        close = [h for h in res.hits if h not in chosen and top > 0 and h.score >= ALSO_RATIO * top][:ALSO_MAX]
        found = [c for c in (self._citation(cited + i + 1, h, res) for i, h in enumerate(close)) if c]
        return tuple(found)

    def _refusal(self, query: Query, res: SearchResult, verdict: abstain.Verdict) -> Answer:
        """The refusal its rule says (abstain.Verdict.says), in the question's language, with the
        nearest clauses as related reading."""
        t = templates().get(query.language) or templates()["en"]
        template, fields = verdict.says
        text = t[template].format(**fields)
        related = [c for c in (self._citation(i + 1, h, res) for i, h in enumerate(res.hits[:3])) if c]
        if related:
            text += "\n\n" + t["related"]
        return Answer(question=query.text, language=query.language, answerable=False, text=text,
                      related=tuple(related), reason=verdict.reason)
