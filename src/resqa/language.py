"""Guess a text's language from its function words; the word lists live in data/language.toml."""

from __future__ import annotations

import re
from functools import cache

from resqa import data
from resqa.clean import fold

SUPPORTED = ("fr", "en", "es", "de")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@cache
def _data() -> dict:
    return data.toml("language.toml")


@cache
def stopwords(lang: str) -> frozenset[str]:
    words = _data()["stopwords"].get(lang, "")
    return frozenset(fold(w) for w in words.split())


@cache
def all_stopwords() -> frozenset[str]:
    """Every language's function words: those the language guesser weighs and the others."""
    return frozenset().union(*(stopwords(lang) for lang in _data()["stopwords"]))


@cache
def frame_words() -> frozenset[str]:
    return frozenset(fold(w) for w in _data()["frame"]["words"].split())


@cache
def months() -> dict[str, int]:
    """Every language's month names, folded -> the month's number (1 for January)."""
    out: dict[str, int] = {}
    for names in _data()["months"].values():
        for number, forms in enumerate(names, start=1):
            out.update((fold(f), number) for f in forms.split("|"))
    return out


@cache
def followup_cues(lang: str) -> tuple[str, ...]:
    """The language's follow-up cues, folded as the question they are looked for in is
    ("también", "ça", "её", "وأين")."""
    return tuple(fold(c) for c in _data()["followup"].get(lang, ()))


def titled(title: str, lang: str) -> str:
    """A title as a frame of `lang` names a document by it, with the article its head noun takes
    (data/language.toml [titles]): "the Universal Declaration of Human Rights", "la Déclaration
    universelle des droits de l'homme", "el documento “Universal Declaration of Human Rights”"
    (a head noun not listed, here an English title in a Spanish frame). A language without an
    entry gets the title as it is."""
    rules = _data().get("titles", {}).get(lang)
    if not rules:
        return title
    if "any" in rules:
        return rules["any"] + title
    head = next(iter(words(title)), "")
    for gender in ("feminine", "masculine"):
        if head in rules.get(f"{gender}_nouns", "").split():
            elided = "vowel" in rules and head[:1] in tuple("aeiou")
            return (rules["vowel"] if elided else rules[gender]) + title
    opening, closing = rules.get("quotes", ("“", "”"))
    return f"{rules['other']}{opening}{title}{closing}"


def contracted(text: str, lang: str) -> str:
    """`text` with the contractions of `lang`'s [titles] made ("de le document" -> "du document")."""
    for a, b in _data().get("titles", {}).get(lang, {}).get("contractions", ()):
        text = text.replace(a, b)
    return text


def words(text: str) -> list[str]:
    """Folded word tokens; elided articles ("l'exploitation") are split off."""
    out: list[str] = []
    for w in _WORD.findall(fold(text)):
        out.extend(p for p in w.split("'") if p)
    return out


_SCRIPTS = (("ru", re.compile(r"[\u0400-\u04ff]")), ("ar", re.compile(r"[\u0600-\u06ff]")))


def detect(text: str, default: str = "en") -> str:
    """The supported language whose function words cover most of the text's words; Russian and
    Arabic by their script. "¿", "¡" and "ñ" settle a tie between Spanish and French ("la")."""
    letters = re.findall(r"[^\W\d_]", text)
    for lang, script in _SCRIPTS:
        if letters and len(script.findall(text)) > len(letters) / 2:
            return lang
    toks = words(text)
    if not toks:
        return default
    best, best_score = default, 0.0
    spanish = 0.5 / len(toks) if re.search(r"[¿¡ñ]", text) else 0.0
    for lang in SUPPORTED:
        sw = stopwords(lang)
        score = sum(1 for t in toks if t in sw) / len(toks) + (spanish if lang == "es" else 0.0)
        if score > best_score:
            best, best_score = lang, score
    # Accented letters and typographic hints settle short, function-word-poor questions.
    if best_score == 0.0:
        if re.search(r"[éèêàçùœ]", text.lower()):
            return "fr"
        if re.search(r"[ñ¿¡]", text.lower()):
            return "es"
        if re.search(r"[äöüß]", text.lower()):
            return "de"
    return best
