"""Clauses a question addresses by their place: "operative paragraph 2", "OP3", "le dernier
considérant", "párrafo 3 del preámbulo", "Absatz 2".

Staff cite resolutions the way they are printed: the UN numbers its operative paragraphs, and
"paragraph 4" means the fourth of them; a preambular paragraph is named as such ("PP2", "second
preambular paragraph", "considérant"). An address maps to a clause id: (kind, ordinal), the
ordinal 1-based or -1 for the last one. A number with no kind means an operative paragraph;
an ordinal word ("the first paragraph") needs a kind, since "first" alone could mean the
opening. Words per language are in data/addresses.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from resqa import data
from resqa.clean import fold


@dataclass(frozen=True)
class Address:
    kind: str  # "operative" | "preamble" | "article" (a declaration's "Article 19")
    ordinal: int  # 1-based; -1 for the last
    text: str  # as the question wrote it


@cache
def _words() -> dict:
    return data.toml("addresses.toml")


def _alt(words: list[str]) -> str:
    folded = {fold(w) for w in words}
    return "|".join(re.escape(w) for w in sorted(folded, key=len, reverse=True))


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    w = _words()
    unit, op, pre = _alt(w["units"]), _alt(w["operative"]), _alt(w["preamble"])
    ordinals = _alt(list(w["ordinals"]))
    b, e = r"(?<![a-z0-9])", r"(?![a-z0-9])"
    # "OP2", "op 2", "PP 3": the unit carries the kind.
    short = re.compile(rf"{b}(op|pp|ppara|opara)\s*\.?\s*(\d{{1,3}}){e}")
    # "(operative) paragraph 2 (of the operative part)", "paragraphe 2 du dispositif", "absatz 2"
    numbered = re.compile(rf"{b}(?:({op}|{pre})\s+)?(?:{unit})\s*(?:n[o°º]?\.?\s*)?(\d{{1,3}}){e}"
                          rf"(?:\s+(?:of the|du|de la|del|de l'|des)?\s*({op}|{pre}))?")
    # "the last operative paragraph", "le premier paragraphe du dispositif", "el último párrafo
    # del preámbulo", "der erste operative Absatz"
    ordinal = re.compile(rf"{b}({ordinals})\s+(?:({op}|{pre})\s+)?(?:{unit}){e}"
                         rf"(?:\s+(?:of the|du|de la|del|de l'|des)?\s*({op}|{pre}))?")
    # "the last preambular", "le dernier considérant": kind words that are units themselves
    bare = re.compile(rf"{b}({ordinals})\s+({_alt(w['preamble_units'])}){e}")
    return short, numbered, ordinal, bare


def _kind(word: str | None) -> str | None:
    if not word:
        return None
    w = _words()
    return "operative" if word in {fold(x) for x in w["operative"]} else "preamble"


_LAW = re.compile(r"(?<![a-z])(article|articles|art|section|articulo|artikel|artikels)(?![a-z])|§")


_ARTICLE = re.compile(r"(?<![a-z0-9])(article|articulo|artikel|стать[яиеюй]|المادة)\s+(\d{1,3}|premier|primero|first)(?![a-z0-9])")
_CHARTER = re.compile(r"\s*(?:,\s*)?(?:of the|of|de la|de|del|der|des)?\s*(?:united nations\s+)?(?:charter|charte|carta|charta|устава|الميثاق)")


def find(question: str) -> list[Address]:
    """The clauses the question addresses by their place, in the order it names them. Next to
    an article or section ("alinéa 2 de l'article L1221-1", "paragraph 3 of Article 5") a
    paragraph is the article's own, so only addresses that name their kind count there."""
    text = fold(question)
    law = bool(_LAW.search(text))
    short, numbered, ordinal, bare = _patterns()
    ordinals = {fold(k): v for k, v in _words()["ordinals"].items()}
    found: list[tuple[int, Address]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], kind: str, n: int) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken) or n == 0:
            return
        taken.append((m.start(), m.end()))
        found.append((m.start(), Address(kind, n, question[m.start():m.end()])))

    for m in short.finditer(text) if not law else ():
        add(m, "preamble" if m.group(1).startswith("p") else "operative", int(m.group(2)))
    for m in numbered.finditer(text):
        kind = _kind(m.group(1) or m.group(3))
        if kind or not law:
            add(m, kind or "operative", int(m.group(2)))
    for m in ordinal.finditer(text):
        kind = _kind(m.group(2) or m.group(3))
        if kind:
            add(m, kind, ordinals[m.group(1)])
    for m in bare.finditer(text):
        add(m, "preamble", ordinals[m.group(1)])
    return [a for _, a in sorted(found, key=lambda x: x[0])]


def find_articles(question: str) -> list[Address]:
    """Articles of a declaration the question names ("Article 19", "el artículo 19", "статья 19",
    "article premier"), not "Article 41 of the Charter". Kept apart from `find`: in a code of
    law "paragraph 3 of Article 5" is the article's own paragraph, and such a document has no
    article clauses (an article there is a whole document)."""
    text = fold(question)
    return [Address("article", int(m.group(2)) if m.group(2).isdigit() else 1, question[m.start():m.end()])
            for m in _ARTICLE.finditer(text) if not _CHARTER.match(text, m.end())]
