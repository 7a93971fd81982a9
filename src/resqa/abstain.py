"""Decide whether the retrieved clauses support an answer at all.

Three signals, because a bare similarity threshold cannot separate answerable from unanswerable
questions on this corpus (their best dense cosines overlap):
0. Unknown references: a question that names an identifier — "IDCC 1486", "AG-2019-RES-03",
   "L1221-19", "COVID-19" — that no indexed document contains asks about a text resqa does not
   hold; the nearest clauses would only answer about some other text. "None of the documents
   mentions IDCC 1486." So does a follow-up whose "it" is such a text ("What does resolution 243
   say?" refused, then "And what does it ask?").
1. Aspects (data/aspects.toml): a question that asks for a budget, a sum of money, a vote, a
   sanction, a deadline, a duration, an author, a statistic or who oversees the text's
   implementation is answered only if a retrieved clause holds evidence of that kind (funding,
   a sum with its currency, a vote count, a date limit, a ministry or a monitoring body…).
   Otherwise: "the documents do not say".
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
Each signal is a rule (a small function in RULES, run in order, the way pydantic_evals runs its
evaluators): it returns a Verdict with its reason, or None to pass. The first verdict decides;
the refusal the user reads is the verdict's `says` (a template of data/templates.toml and its
fields, in the question's language), its `reason` the same in a line for logs and the JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache

from resqa.clean import fold
from resqa.data import toml
from resqa.model import Hit
from resqa.query import Query, as_query
from resqa.tuning import DENSE_FLOOR, EVIDENCE_DEPTH


@dataclass(frozen=True)
class Aspect:
    name: str
    names: dict[str, str]
    triggers: tuple[str, ...]
    evidence: re.Pattern[str] | _PlacesNamed
    # a paragraph holding the evidence ranks higher (retrieve._holding_what_is_asked); "within":
    # first in its own resolution only
    ranks: bool | str = True
    unless: tuple[str, ...] = ()  # folded phrases in which a trigger asks for nothing ("sans delai")
    refuses: bool = True  # a question asking it is refused when no top clause holds its evidence
    # a time word (folded): a quantity of time is its evidence only when the question names time too
    time: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str  # one line, in English, for logs and Answer.reason
    aspect: Aspect | None = None
    missing: str = ""  # the reference the question names and no document contains
    unmatched: tuple[str, ...] = ()  # the question's words, when none of them is matched
    no_clause: str = ""  # the clause address ("operative paragraph 12") no resolution searched has
    rule: str = ""  # the rule that decided
    # what the refusal says: a template of data/templates.toml and its fields, in the question's language
    says: tuple[str, Mapping[str, str]] = ("refusal_generic", {})


@dataclass(frozen=True)
class Evidence:
    """What retrieval found out that the rules judge (retrieve.HybridRetriever.search fills it)."""

    # identifiers the question names (references.find) -> does an indexed document mention them
    mentioned: dict[str, bool] = field(default_factory=dict)
    # the question's content words, and those of them that no indexed clause contains, nor a word
    # aligned to them with tuning.MATCH_CONFIDENCE (rule nothing_matched)
    words: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # words written as names ("WhatsApp", "Europol", "EU"; written_as_names)
    # clauses the question addresses by place (addresses.py), as written -> the clause ids found
    # in the resolutions searched ([] when none of them has such a clause)
    addressed: dict[str, list[str]] = field(default_factory=dict)
    # a follow-up's "it", when the question it leans on named only resolutions no document is
    # (retrieve.Anchor.unheld_before): "… resolution 242 ?" -> "And what did it ask?"
    unheld_before: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """What the rules judge: the question, the clauses retrieved, what retrieval found out, and
    `mentions(reference)`: does any indexed document contain it (None: not asked)."""

    query: Query
    hits: list[Hit]
    evidence: Evidence = field(default_factory=Evidence)
    mentions: Callable[[str], bool] | None = None


@cache
def aspects() -> tuple[Aspect, ...]:
    data = toml("aspects.toml")
    return tuple(Aspect(name, {k: v for k, v in d.items() if isinstance(v, str) and k != "evidence"},
                        tuple(fold(t) for t in d["triggers"]), _evidence(d["evidence"]), d.get("ranks", True),
                        tuple(fold(u) for u in d.get("unless", ())), d.get("refuses", True),
                        re.compile(d["time"]) if "time" in d else None)
                 for name, d in data.items())


class _NotOfTime:
    """An aspect's evidence less the quantities of time ("six months"): what a count that is not
    of time ("How many troops…?") is answered by (Aspect.time)."""

    def __init__(self, evidence: re.Pattern[str], time: re.Pattern[str]) -> None:
        self.evidence, self.time = evidence, time

    def search(self, folded_text: str) -> bool:
        return any(not self.time.search(m.group(0)) for m in self.evidence.finditer(folded_text))


class _PlacesNamed:
    """Evidence that a text names at least `least` countries or regions (lexicon.places_in): what
    "Which countries…?" is answered by. Written `@places:N` in aspects.toml."""

    def __init__(self, least: int) -> None:
        self.least = least

    def search(self, folded_text: str) -> bool:
        from resqa.lexicon import places_in

        return len(places_in(folded_text)) >= self.least


def _evidence(spec: str):
    """A regular expression over folded clause text, or `@places:N`."""
    if spec.startswith("@places:"):
        return _PlacesNamed(int(spec.split(":", 1)[1]))
    return re.compile(spec)


def _matches(trigger: str, folded: str) -> bool:
    """Whole words or a phrase; a trailing * lets the last word run on ("financ*")."""
    if trigger.endswith("*"):
        return (" " + trigger[:-1]) in folded
    return (" " + trigger + " ") in folded


@lru_cache(maxsize=1024)
def triggered(question: str) -> tuple[Aspect, ...]:
    """The aspects a question asks for (read by retrieval twice and by the refusal once per question)."""
    folded = " " + " ".join(re.findall(r"[^\W_]+", fold(question))) + " "
    asked = [a for a in aspects() if any(_matches(t, _without(folded, a.unless)) for t in a.triggers)]
    return tuple(replace(a, evidence=_NotOfTime(a.evidence, a.time))
                 if a.time is not None and isinstance(a.evidence, re.Pattern) and not a.time.search(folded) else a
                 for a in asked)


def _without(folded: str, phrases: tuple[str, ...]) -> str:
    for p in phrases:
        folded = folded.replace(f" {p} ", " ")
    return folded


def _as_written(word: str, question: str) -> str:
    """A question word (lowercased by the search) as the question spells it ("WhatsApp")."""
    m = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", question, re.IGNORECASE)
    return m.group(0) if m else word


# ------------------------------------------------------------------ the rules, in order
def unknown_reference(case: Case) -> Verdict | None:
    """0. An identifier the question names that no indexed document contains."""
    if case.evidence.unheld_before:
        ref = case.evidence.unheld_before[0]
        return Verdict(False, f"follows a question about {ref!r}, which the library does not hold", missing=ref,
                       rule="unknown_reference", says=("refusal_not_held", {"ref": ref}))
    if case.mentions is None:
        return None
    for ref in case.query.references:
        if not case.mentions(ref):
            template = "refusal_not_held" if ref in case.query.resolutions else "refusal_missing"
            return Verdict(False, f"names {ref!r}, which no indexed document mentions", missing=ref,
                           rule="unknown_reference", says=(template, {"ref": ref}))
    return None


def nothing_retrieved(case: Case) -> Verdict | None:
    if not case.hits:
        return Verdict(False, "no clause retrieved", rule="nothing_retrieved")
    return None


def aspect_without_evidence(case: Case) -> Verdict | None:
    """1. An aspect asked about (a budget, a vote…) of which no top clause holds evidence."""
    for aspect in triggered(case.query.text):
        if not aspect.refuses:
            continue
        texts = [fold(h.clause.text) for h in case.hits[:EVIDENCE_DEPTH]]
        if not any(aspect.evidence.search(t) for t in texts):
            name = aspect.names.get(case.query.language) or aspect.names["en"]
            return Verdict(False, f"asks about {aspect.names.get('en', aspect.name)}; "
                                  "no retrieved clause contains such a fact", aspect,
                           rule="aspect_without_evidence", says=("refusal", {"aspect": name}))
    return None


def address_not_found(case: Case) -> Verdict | None:
    """3. A clause addressed by place that no resolution searched has."""
    for text, ids in case.evidence.addressed.items():
        if not ids:
            return Verdict(False, f"addresses {text!r}, which no resolution searched has", no_clause=text,
                           rule="address_not_found", says=("refusal_no_clause", {"ref": text}))
    return None


def address_found(case: Case) -> Verdict | None:
    """3. The question says which clause it means; no similarity needs to vouch for it."""
    if case.evidence.addressed:
        return Verdict(True, f"addresses {', '.join(case.evidence.addressed)}", rule="address_found")
    return None


def nothing_matched(case: Case) -> Verdict | None:
    """2. None of the question's words is matched: two words or more, or a name; not a follow-up.
    The verb of the act a question asks about (lexicon.frame_words) is left out of the judgement
    when it has other words: "ماذا قرر مجلس الأمن بشأن جائحة كوفيد-19؟" is about the pandemic,
    whatever "قرر" (decided) meets in the library. A resolution or identifier it names that the
    library holds or mentions is matched: "¿Qué decidió el Consejo en la resolución 303 (1971)?"
    is about resolution 303."""
    from resqa.lexicon import frame_words

    ev = case.evidence
    if any(ev.mentioned.values()):
        return None
    words = tuple(w for w in ev.words if fold(w) not in frame_words()) or ev.words
    if not (bool(words) and set(words) <= set(ev.unmatched)) or case.query.followup:
        return None
    if len(words) >= 2 or set(words) & set(ev.names):
        # “…”, not «…»: guillemets are for verbatim quotes of the documents only (verify.py)
        shown = ", ".join(f"“{_as_written(w, case.query.text)}”" for w in words)
        return Verdict(False, f"none of the question's words ({', '.join(words)}) is matched in the documents",
                       unmatched=tuple(words), rule="nothing_matched", says=("refusal_unmatched", {"words": shown}))
    return None


def aspect_held(case: Case) -> Verdict | None:
    """4. The best clause holds the evidence of a fact the question asks for: "What was the vote
    on resolution 186?" is answered by "Adopted unanimously at the 1102nd meeting.", which shares
    no word with it and which a question's embedding sits far from. Asked after the rules that
    refuse, so only the weak-support judgement is waived."""
    top = fold(case.hits[0].clause.text)
    for aspect in triggered(case.query.text):
        if aspect.evidence.search(top):
            return Verdict(True, f"asks about {aspect.names.get('en', aspect.name)}; "
                                 f"the top clause {case.hits[0].clause.clause_id} holds it", aspect, rule="aspect_held")
    return None


def weak_support(case: Case) -> Verdict | None:
    """5. No lexical match and a dense cosine under DENSE_FLOOR."""
    top = case.hits[0]
    if top.rank_lexical is None and top.dense < DENSE_FLOOR:
        return Verdict(False, f"weak support: no lexical match and dense cosine {top.dense:.3f} < {DENSE_FLOOR}",
                       rule="weak_support")
    return None


Rule = Callable[[Case], Verdict | None]
RULES: tuple[Rule, ...] = (unknown_reference, nothing_retrieved, aspect_without_evidence, address_not_found,
                           address_found, nothing_matched, aspect_held, weak_support)


def assess(question: Query | str, hits: list[Hit], mentions: Callable[[str], bool] | None = None,
           evidence: Evidence | None = None) -> Verdict:
    """The first verdict of RULES, or an answer from the top clause when none refuses.
    `mentions(reference)`: does any indexed document contain it (Catalogue.mentions);
    `evidence`: what retrieval found out (retrieve.SearchResult.evidence)."""
    case = Case(as_query(question), hits, evidence or Evidence(), mentions)
    for rule in RULES:
        verdict = rule(case)
        if verdict is not None:
            return verdict
    top = hits[0]
    return Verdict(True, f"top clause {top.clause.clause_id} (dense {top.dense:.3f}, "
                         f"lexical rank {top.rank_lexical})", rule="supported")
