"""Every quote is checked against the clause it cites; nothing unverified is shown as a quote.

A quote is verified when, after folding whitespace, apostrophes, quotation marks and Unicode
composition (normalize_for_match), it is a contiguous span of the cited clause's text as held
by the index — never against text carried inside the answer itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from resqa.clean import normalize_for_match
from resqa.model import Answer, Clause

MIN_QUOTE_CHARS = 3
# «quote» followed by its marker [n]; the marker may be separated by spaces.
QUOTE_MARK = re.compile(r"«\s?(?P<quote>[^«»]+?)\s?»\s*\[(?P<n>\d+)\]")
MARKER = re.compile(r"\[(\d+)\]")


ELISION = "…"
# What may stand before a clause's words without being words of it: its paragraph number, "(a)".
_ENUMERATOR = re.compile(r"^\W*(?:\d+|[ivxlc]+|[a-z])?\W*$", re.IGNORECASE)


def elided(quote: str, clause_text: str) -> str:
    """The quote as shown: an elision mark where it leaves out words of its clause before or
    after it ("… calls upon all States to refrain …"), as quotations of legal texts are written,
    so a reader never takes part of a paragraph for the whole. A paragraph's number, or the
    punctuation that ends it, is not words left out. The marks are not part of the quote:
    verify_quote reads past them."""
    q, t = normalize_for_match(quote), normalize_for_match(clause_text)
    at = t.find(q)
    if not q or at < 0:
        return quote
    before, after = t[:at], t[at + len(q):]
    head = f"{ELISION} " if not _ENUMERATOR.match(before) else ""
    tail = f" {ELISION}" if re.search(r"\w", after) else ""
    return f"{head}{quote}{tail}"


def unelided(quote: str) -> str:
    """The quote without the elision marks at its ends (`elided`), whoever wrote them."""
    return quote.strip().removeprefix(ELISION).removesuffix(ELISION).strip()


def verify_quote(quote: str, clause_text: str) -> bool:
    q = normalize_for_match(unelided(quote))
    if len(q) < MIN_QUOTE_CHARS:
        return False
    return q in normalize_for_match(clause_text)


@dataclass(frozen=True)
class Problem:
    kind: str  # altered_quote | unknown_citation | uncited_marker | missing_clause | unquoted_citation
    detail: str


def check_answer(answer: Answer, lookup: Callable[[str], Clause | None]) -> list[Problem]:
    """All the ways an answer departs from its sources; an empty list means fully verified."""
    problems: list[Problem] = []
    by_n = {c.n: c for c in answer.citations}
    for c in answer.citations:
        source = lookup(c.clause.clause_id)
        if source is None:
            problems.append(Problem("missing_clause", f"[{c.n}] cites {c.clause.clause_id}, not in the index"))
            continue
        if not verify_quote(c.quote, source.text):
            problems.append(Problem("altered_quote", f"[{c.n}] quote is not a span of {source.clause_id}"))
    for m in QUOTE_MARK.finditer(answer.text):
        n = int(m.group("n"))
        cit = by_n.get(n)
        if cit is None:
            problems.append(Problem("unknown_citation", f"«…» [{n}] has no citation {n}"))
            continue
        source = lookup(cit.clause.clause_id)
        if source is not None and not verify_quote(m.group("quote"), source.text):
            problems.append(Problem("altered_quote", f"text quote at [{n}] is not a span of {source.clause_id}"))
    markers = {int(x) for x in MARKER.findall(answer.text)}
    for n in sorted(markers - set(by_n)):
        problems.append(Problem("uncited_marker", f"marker [{n}] has no citation"))
    for n in sorted(set(by_n) - markers):
        problems.append(Problem("unquoted_citation", f"citation [{n}] is never referenced in the answer"))
    # A quote in the text that is not inside «…»[n] would be an unverified claim of wording.
    stray = re.findall(r"«[^«»]*»(?!\s*\[\d+\])", answer.text)
    for s in stray:
        problems.append(Problem("unmarked_quote", f"quote without a citation marker: {s[:60]}"))
    return problems
