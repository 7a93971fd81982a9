"""The eval set as data: cases, their gold (clause ids, or verbatim words resolved to clauses),
the checks an eval set must pass against the index, quoted-span scores, and the corrupted answers
of the verifier self-test. Metric definitions: evaluate.py."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from resqa.clean import normalize_for_match
from resqa.errors import InputError
from resqa.model import Answer, Citation, Clause
from resqa.verify import verify_quote


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    lang: str
    type: str
    history: tuple[str, ...]
    gold: tuple[str, ...]
    must_quote: tuple[str, ...]
    unanswerable: bool
    gold_docs: tuple[str, ...] = ()
    gold_quotes: tuple[tuple[str, str], ...] = ()  # (document, verbatim words): resolved to clauses at run time


def load_cases(path: Path) -> list[Case]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(Case(r["id"], r["question"], r.get("lang", ""), r.get("type", ""),
                            tuple(r.get("history", ())), tuple(r.get("gold", ())),
                            tuple(r.get("must_quote", ())), bool(r.get("unanswerable", False)),
                            tuple(r.get("gold_docs", ())),
                            tuple((q["doc"], q["quote"]) for q in r.get("gold_quotes", ()))))
        except (ValueError, KeyError) as exc:
            raise InputError(f"{path}:{n}: bad eval case ({exc})") from exc
    return out


def as_conversation(cases: list[Case]) -> list[Case]:
    """The set asked as one conversation: each case that has no history of its own comes after
    the question before it in the file, as it would on the page, where every question after the
    first has one. A question that stands on its own should be answered as when asked alone;
    `resqa eval --conversation` measures how far the previous turn pulls it away."""
    out, previous = [], None
    for case in cases:
        if not case.history and previous is not None:
            case = replace(case, history=(previous,))
        out.append(case)
        previous = case.question
    return out


def doc_key(doc_id: str) -> str:
    """A document id compared however it is punctuated: "S/RES/242 (1967)" ~ "S-RES-242-1967"."""
    return re.sub(r"[^0-9a-z]+", "-", doc_id.casefold()).strip("-")


def _locate(quote: str, clauses: list[Clause]) -> tuple[list[str], bool]:
    """The clauses holding a gold quote, and whether one holds it whole: the one whose text
    contains it, else those that hold most of its words (a quote the parser split in two)."""
    nq = normalize_for_match(quote)
    exact = [c.clause_id for c in clauses if nq and nq in normalize_for_match(c.text)]
    if exact:
        return exact[:1], True
    words = set(nq.split())
    scored = sorted(((len(words & set(normalize_for_match(c.text).split())) / max(1, len(words)), c.clause_id)
                     for c in clauses), reverse=True)
    return [cid for share, cid in scored[:2] if share >= 0.5], False


def resolve_gold(cases: list[Case], clauses: list[Clause]) -> tuple[list[Case], list[str]]:
    """Turn gold given as (document, quote) into the clause ids and documents of this index, so a
    set written from the texts alone does not depend on how the parser cuts them."""
    by_doc: dict[str, list[Clause]] = defaultdict(list)
    for c in clauses:
        by_doc[doc_key(c.doc_id)].append(c)
    ids = {doc_key(c.doc_id): c.doc_id for c in clauses}
    out, problems = [], []
    for case in cases:
        if not case.gold_quotes and not case.gold_docs:
            out.append(case)
            continue
        gold, docs, must = list(case.gold), [ids.get(doc_key(d), d) for d in case.gold_docs], list(case.must_quote)
        for doc, quote in case.gold_quotes:
            found, whole = _locate(quote, by_doc.get(doc_key(doc), []))
            if not found:
                problems.append(f"{case.id}: gold quote not found in {doc}: {quote[:50]}")
            gold += [g for g in found if g not in gold]
            must += [quote] if whole else []
        out.append(replace(case, gold=tuple(gold), gold_docs=tuple(docs), must_quote=tuple(must)))
    return out, problems


def check_cases(cases: list[Case], lookup: Callable[[str], Clause | None],
                doc_ids: set[str] | None = None) -> list[str]:
    """Problems with the eval set itself: unknown gold ids, spans not in their clauses."""
    problems = []
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        problems.append("duplicate case ids")
    for c in cases:
        if c.unanswerable and (c.gold or c.must_quote or c.gold_docs):
            problems.append(f"{c.id}: unanswerable cases name no gold clause")
        if not c.unanswerable and not (c.gold or c.gold_docs):
            problems.append(f"{c.id}: answerable case without gold clause")
        for d in c.gold_docs:
            if doc_ids is not None and d not in doc_ids:
                problems.append(f"{c.id}: gold document {d} is not in the index")
        clauses = [lookup(g) for g in c.gold]
        for g, cl in zip(c.gold, clauses):
            if cl is None:
                problems.append(f"{c.id}: gold clause {g} is not in the index")
        for span in c.must_quote:
            if not any(cl is not None and verify_quote(span, cl.text) for cl in clauses):
                problems.append(f"{c.id}: must-quote span not in any gold clause: {span[:50]}")
    return problems


# ------------------------------------------------------------------ span arithmetic
def _interval(span: str, text: str) -> tuple[int, int] | None:
    ns, nt = normalize_for_match(span), normalize_for_match(text)
    i = nt.find(ns)
    return (i, i + len(ns)) if i >= 0 and ns else None


def _overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    return sum(max(0, min(x2, y2) - max(x1, y1)) for x1, x2 in a for y1, y2 in b)


def span_scores(case: Case, citations: tuple[Citation, ...], lookup) -> tuple[float, float]:
    quoted: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for c in citations:
        iv = _interval(c.quote, c.clause.text)
        if iv:
            quoted[c.clause.clause_id].append(iv)
    must: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in case.must_quote:
        for g in case.gold:
            cl = lookup(g)
            iv = _interval(span, cl.text) if cl else None
            if iv:
                must[g].append(iv)
                break
    inter = sum(_overlap(quoted[k], must[k]) for k in quoted)
    q_len = sum(b - a for v in quoted.values() for a, b in v)
    m_len = sum(b - a for v in must.values() for a, b in v)
    return (inter / q_len if q_len else 0.0, inter / m_len if m_len else 0.0)


# ------------------------------------------------------------------ verifier self-test
def corruptions(answer: Answer, others: list[Clause]) -> list[tuple[str, Answer]]:
    """Wrong versions of a correct answer, each of which the verifier must flag."""
    if not answer.citations:
        return []
    c = answer.citations[0]
    out = []
    words = c.quote.split()
    if len(words) >= 2:
        i = len(words) // 2
        bad = " ".join(words[:i] + [words[i] + "x" if not words[i].endswith("x") else "autre"] + words[i + 1:])
        cit = replace(c, quote=bad)
        out.append(("altered_word", replace(answer, citations=(cit, *answer.citations[1:]),
                                            text=answer.text.replace(c.quote, bad))))
    wrong = next((o for o in others if o.clause_id != c.clause.clause_id and not verify_quote(c.quote, o.text)), None)
    if wrong is not None:
        out.append(("wrong_clause", replace(answer, citations=(replace(c, clause=wrong), *answer.citations[1:]))))
    out.append(("dropped_citation", replace(answer, citations=answer.citations[1:])))
    spliced = c.quote + ". Les pays membres doivent verser une contribution financière annuelle"
    out.append(("spliced_sentence", replace(answer, citations=(replace(c, quote=spliced), *answer.citations[1:]),
                                            text=answer.text.replace(c.quote, spliced))))
    return out
