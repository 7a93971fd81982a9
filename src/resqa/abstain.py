"""Decide whether the retrieved clauses support an answer at all.

Three signals, because a bare similarity threshold cannot separate answerable from unanswerable
questions on this corpus (their best dense cosines overlap):
0. Unknown references: a question that names an identifier — "IDCC 1486", "AG-2019-RES-03",
   "L1221-19", "COVID-19" — that no indexed document contains asks about a text resqa does not
   hold; the nearest clauses would only answer about some other text. "None of the documents
   mentions IDCC 1486."
1. Aspects (data/aspects.toml): a question that asks for a budget, a vote, a sanction, a
   deadline, an author, a statistic or who oversees the text's implementation is answered only
   if a retrieved clause holds evidence of that kind (an amount, a vote count, a date limit, a
   ministry or a monitoring body…). Otherwise: "the documents do not say".
2. Nothing matched: none of the question's content words occurs in the documents, nor a word
   aligned to it with confidence (retrieve.MATCH_CONFIDENCE): "Does the resolution mention
   artificial intelligence?", "… WhatsApp?" The nearest clauses would be about something else.
   One unmatched common word is not enough: the word alignment misses real translations
   ("grooming" -> "pédopiégeage"), so it takes two words, or a name (which translations rarely
   change). A follow-up is exempt: its words lean on the previous turn ("And under what
   condition?").
3. A clause addressed by place that no resolution searched has ("operative paragraph 12" of a
   resolution with four): "None of the resolutions searched has operative paragraph 12." One
   that does have it is answered without rules 2 and 4: the question says which clause it means.
4. Weak support: no retriever ranks the top clause with conviction — no lexical match and a
   dense cosine under DENSE_FLOOR.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from resqa import references
from resqa.clean import fold
from resqa.data import toml
from resqa.model import Hit

DENSE_FLOOR = 0.80
EVIDENCE_DEPTH = 3


@dataclass(frozen=True)
class Aspect:
    name: str
    names: dict[str, str]
    triggers: tuple[str, ...]
    evidence: re.Pattern[str]


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str
    aspect: Aspect | None = None
    missing: str = ""  # the reference the question names and no document contains
    unmatched: tuple[str, ...] = ()  # the question's words, when none of them is matched
    no_clause: str = ""  # the clause address ("operative paragraph 12") no resolution searched has


@cache
def aspects() -> tuple[Aspect, ...]:
    data = toml("aspects.toml")
    return tuple(Aspect(name, {k: v for k, v in d.items() if isinstance(v, str) and k != "evidence"},
                        tuple(fold(t) for t in d["triggers"]), re.compile(d["evidence"]))
                 for name, d in data.items())


def _matches(trigger: str, folded: str) -> bool:
    """Whole words or a phrase; a trailing * lets the last word run on ("financ*")."""
    if trigger.endswith("*"):
        return (" " + trigger[:-1]) in folded
    return (" " + trigger + " ") in folded


def triggered(question: str) -> list[Aspect]:
    folded = " " + " ".join(re.findall(r"[^\W_]+", fold(question))) + " "
    return [a for a in aspects() if any(_matches(t, folded) for t in a.triggers)]


def assess(question: str, hits: list[Hit], mentions: Callable[[str], bool] | None = None,
           words: Sequence[str] = (), unmatched: Sequence[str] = (), names: Sequence[str] = (),
           followup: bool = False, addressed: dict[str, list[str]] | None = None) -> Verdict:
    """`mentions(reference)`: does any indexed document contain it (Catalogue.mentions)?
    `words`, `unmatched`, `names`: the question's content words, those the documents show no
    trace of, and those written as names (retrieve.SearchResult); `followup`: the question leans
    on the previous turn; `addressed`: clauses addressed by place -> the ids found
    (retrieve.SearchResult.addressed)."""
    if mentions is not None:
        for ref in references.find(question):
            if not mentions(ref):
                return Verdict(False, f"names {ref!r}, which no indexed document mentions", missing=ref)
    if not hits:
        return Verdict(False, "no clause retrieved")
    for aspect in triggered(question):
        texts = [fold(h.clause.text) for h in hits[:EVIDENCE_DEPTH]]
        if not any(aspect.evidence.search(t) for t in texts):
            return Verdict(False, f"asks about {aspect.names.get('en', aspect.name)}; "
                                  "no retrieved clause contains such a fact", aspect)
    for text, ids in (addressed or {}).items():
        if not ids:
            return Verdict(False, f"addresses {text!r}, which no resolution searched has", no_clause=text)
    if addressed:  # the question says which clause it means; no similarity needs to vouch for it
        return Verdict(True, f"addresses {', '.join(addressed)}")
    nothing_matched = bool(words) and set(words) <= set(unmatched)
    if nothing_matched and not followup and (len(words) >= 2 or set(words) & set(names)):
        return Verdict(False, f"none of the question's words ({', '.join(words)}) is matched in the documents",
                       unmatched=tuple(words))
    top = hits[0]
    if top.rank_lexical is None and top.dense < DENSE_FLOOR:
        return Verdict(False, f"weak support: no lexical match and dense cosine {top.dense:.3f} < {DENSE_FLOOR}")
    return Verdict(True, f"top clause {top.clause.clause_id} (dense {top.dense:.3f}, "
                         f"lexical rank {top.rank_lexical})")
