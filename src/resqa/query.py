"""A question, analysed once: the Query record that retrieval, refusal and answering read.

Built once per question (Pipeline.ask / Pipeline.search; the LLM answerer builds one more for a
condensed follow-up) and passed down, so the language is detected, identifiers and clause
addresses are found, and the follow-up cues are read once, not again by each stage. Everything
here reads the question's text only; what depends on the index (which named identifier is an
indexed document, which words the documents use) is found by retrieval (retrieve.Anchor,
retrieve.Evidence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from resqa import addresses, language, references
from resqa.lexical import question_words


@dataclass(frozen=True)
class Query:
    text: str  # the question, validated (answer.validate_question)
    history: tuple[str, ...]  # earlier questions of the conversation, blank ones dropped
    detected: str  # language.detect(text, default=""): "" when nothing in the text tells
    language: str  # the answer's language: `detected`, else the previous question's, else English
    followup: bool  # leans on an earlier turn (_leans_back, with history)
    refers_back: bool  # leans on the previous turn's document: stricter, an "and" inside a sentence is not enough
    references: tuple[str, ...]  # identifiers named, as written (references.find)
    resolutions: tuple[str, ...]  # resolutions named by number, as written (references.resolutions)
    addresses: tuple[addresses.Address, ...]  # clauses addressed by place, then articles named
    words: tuple[str, ...]  # content words (lexical.question_words)
    names: frozenset[str]  # words written as names (written_as_names)

    @classmethod
    def of(cls, text: str, history: list[str] | tuple[str, ...] = ()) -> Query:
        hist = tuple(h for h in history if isinstance(h, str) and h.strip())
        detected = language.detect(text, default="")
        lang = detected or "en"  # what language.detect(text) gives: its default is English
        return cls(text=text, history=hist, detected=detected,
                   language=detected or (language.detect(hist[-1]) if hist else "en"),
                   followup=bool(hist) and _leans_back(text, lang),
                   refers_back=_leans_back(text, lang, _NOT_REFERRING),
                   references=tuple(references.find(text)), resolutions=tuple(references.resolutions(text)),
                   addresses=tuple(addresses.find(text) + addresses.find_articles(text)),
                   words=tuple(question_words(text)), names=frozenset(written_as_names(text, lang)))

    @property
    def contextual(self) -> str | None:
        """The previous question joined to this one (the second query retrieval fuses), if any."""
        return f"{self.history[-1]} {self.text}" if self.history else None

    @property
    def queries(self) -> list[str]:
        return [self.text] + ([self.contextual] if self.contextual else [])


def as_query(question: Query | str, history: list[str] | tuple[str, ...] = ()) -> Query:
    """A Query as given, or one built from a question's text (callers that hold only text)."""
    return question if isinstance(question, Query) else Query.of(question, history)


# A French verb inverted with its subject pronoun ("a-t-il", "demande-t-elle"), and the word before it.
_INVERTED = re.compile(r"(\S+)\s+[^\W\d_]+-(?:t-)?(?:il|elle|ils|elles)\b", re.IGNORECASE)
_ARTICLE = re.compile(r"(?:^|\s)(?:le|la|les|l'|l’)\s*\S+\s+[^\W\d_]+-(?:t-)?(?:il|elle|ils|elles)\b", re.IGNORECASE)


def _without_resumptive(question: str) -> str:
    """The question without the pronouns that only repeat a subject it names ("Quels pays le
    Conseil a-t-il invités…?", "… l'Assemblée a-t-elle…": French complex inversion, the word
    before the verb a name or after an article): they point back at nothing. A pronoun that is
    the subject ("Que demande-t-elle ?") stays: it may mean the resolution asked about before. A
    name that opens the question ("Israël a-t-il…?") is not told from a capitalised first word."""
    out = question
    for m in reversed(list(_INVERTED.finditer(question))):
        prev = m.group(1).split("'")[-1].split("’")[-1]
        named = m.start(1) > 0 and prev[:1].isupper()
        if named or _ARTICLE.search(question[:m.end()][-60:]):
            out = out[:m.start()] + m.group(0).rsplit("-", 1)[0] + out[m.end():]
    return out


def opens_back(question: str, lang: str) -> bool:
    """The question opens with a follow-up cue ("And …", "Et qu'a-t-elle …", "¿Y qué …"): the
    surest sign that it goes on from the previous one, whatever else it names."""
    folded = " ".join(language.words(_without_resumptive(question)))
    return any(folded == c or folded.startswith(c + " ")
               for c in language.followup_cues(lang) + language.followup_cues("en"))


def _leans_back(question: str, lang: str, skip: frozenset[str] = frozenset()) -> bool:
    """The question opens with a follow-up cue ("And …", "¿Y qué …"), is too short to stand, or
    holds a one-word cue inside it, other than those in `skip` and other than a pronoun that only
    repeats the subject the question names (_without_resumptive). `lang`: language.detect(question)."""
    if opens_back(question, lang):
        return True
    question = _without_resumptive(question)
    folded = " ".join(language.words(question))
    cues = language.followup_cues(lang) + language.followup_cues("en")
    if len([w for w in language.words(question) if w not in language.all_stopwords()]) <= 2:
        return True
    toks = set(folded.split())
    return any(c in toks for c in cues if " " not in c and len(c) > 1 and c not in skip)


# Follow-up cues that, met inside a sentence, do not point back at a document: conjunctions and
# words that are also articles or prepositions ("dignity and rights", "en 1993", "the threat that").
# Folded, as language.followup_cues are.
_NOT_REFERRING = frozenset({"and", "also", "then", "else", "why", "same", "that", "there", "which one",
                            "et", "aussi", "alors", "pourquoi", "y", "en", "tambien", "entonces", "por que",
                            "und", "auch", "dann", "warum", "das", "dabei", "dazu",
                            "а", "и", "также", "тоже", "почему", "тогда", "там", "ايضا", "لماذا"})


_WORD = re.compile(r"[^\W\d_]{2,}")


def written_as_names(question: str, lang: str | None = None) -> set[str]:
    """Lowercased words the question writes as names: with a capital inside ("WhatsApp") or in
    capitals only ("EU", "UNICEF"), or capitalised after the first word in a language that does
    not capitalise its nouns (so not German: "Stadt" is no name). `lang`: the question's
    language.detect, when the caller has it."""
    capital_nouns = (lang if lang is not None else language.detect(question)) == "de"
    out = set()
    for i, m in enumerate(_WORD.finditer(question)):
        w = m.group()
        if any(c.isupper() for c in w[1:]) or (i > 0 and w[0].isupper() and not capital_nouns):
            out.add(w.lower())
    return out
