"""The words that open a resolution's clauses, and the bodies that speak in them (data/lexicon.toml).

A clause opens with a keyword ("DEMANDE INSTAMMENT", "Urges", "Recalling"), preambular or
operative, in one of several languages; its meanings in the other languages are what lets a
question in English find a French clause. The lexicon also names the bodies ("Security Council")
and how an answer in each language calls them. The splitting of a text (boundaries.py) and the
answer's wording (answer.py, retrieve.py) read the words from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from resqa import data, language
from resqa.clean import fold

CLAUSE_KINDS = ("preamble", "operative")


@dataclass(frozen=True)
class Keyword:
    text: str
    kind: str
    lang: str
    meanings: dict[str, str]


@cache
def lexicon() -> dict:
    return data.toml("lexicon.toml")


@cache
def keywords() -> tuple[Keyword, ...]:
    lex = lexicon()
    out = [Keyword(text, kind, lang, dict(meanings))
           for kind in CLAUSE_KINDS for lang, entries in lex[kind].items()
           for text, meanings in entries.items()]
    return tuple(sorted(out, key=lambda k: -len(k.text)))


@cache
def _keyword_regex(sentence_case: bool = False) -> re.Pattern[str]:
    texts = [k.text[0] + k.text[1:].lower() if sentence_case else k.text for k in keywords()]
    alts = "|".join(re.escape(t) for t in texts)
    ends = "(?:es|e|s)?" if sentence_case else "(?:ES|E|S)?"
    # Gender/number endings tolerated; then a word boundary.
    return re.compile(rf"(?:{alts}){ends}(?![^\W\d_])")


def match_keyword(text: str) -> tuple[Keyword, str] | None:
    """The keyword that opens `text`, in capitals ("DEMANDE INSTAMMENT", INTERPOL's style) or in
    sentence case ("Urges", "Profondément préoccupée": the UN's, italic in print), with the label
    as written in the source."""
    m = _keyword_regex().match(text) or _keyword_regex(sentence_case=True).match(text)
    if not m:
        # "Strongly condemns", "3. Urgently calls upon": an adverb, then the keyword.
        mod = _modifier_regex().match(text)
        rest = text[mod.end():] if mod else ""
        hit = match_keyword(rest[:1].upper() + rest[1:]) if rest else None
        return (hit[0], text[:mod.end() + len(hit[1])]) if hit else None
    written = m.group(0)
    for kw in keywords():
        if written.upper().startswith(kw.text) and len(written) - len(kw.text) <= 2:
            return kw, written
    return None


@cache
def families() -> tuple[frozenset[str], ...]:
    """The verb families of [families] (lexicon.toml), each as the folded words it holds."""
    return tuple(family(name) for name in lexicon().get("families", {}))


@cache
def family(name: str) -> frozenset[str]:
    """One family of [families] by its name ("request", "decision"), folded."""
    return frozenset(fold(w) for w in lexicon().get("families", {}).get(name, ()))


@cache
def closing_phrases() -> tuple[str, ...]:
    """The closing formulas of lexicon.toml [closing] ("remain seized"), folded."""
    return tuple(fold(p) for p in lexicon().get("closing", {}).get("phrases", ()))


@cache
def proceedings() -> frozenset[str]:
    """The preambular labels that record the body's proceedings (lexicon.toml [proceedings]), folded."""
    return frozenset(fold(w) for w in lexicon().get("proceedings", {}).get("labels", ()))


@cache
def decided_families() -> tuple[frozenset[str], ...]:
    """The families of [decided] (lexicon.toml): what a deciding paragraph decides to do."""
    return tuple(frozenset(fold(w) for w in words) for words in lexicon().get("decided", {}).values())


@cache
def _modifier_regex() -> re.Pattern[str]:
    mods = sorted(lexicon()["structure"]["modifiers"], key=len, reverse=True)
    alts = "|".join(re.escape(m) for m in mods)
    return re.compile(rf"(?:(?:{alts})\s+)+", re.IGNORECASE)


def kind_description(kind: str, lang: str) -> str:
    return lexicon()["kinds"].get(kind, {}).get(lang, kind)


def body_name(body: str | None, lang: str) -> str | None:
    """How an answer in `lang` calls the body ("le Conseil de sécurité"); None if unknown."""
    names = lexicon()["bodies"].get(body or "", {}).get("names", {})
    return names.get(lang) or names.get("en")


@cache
def _kinds_asked() -> dict[str, frozenset[str]]:
    """[asked] of lexicon.toml: a kind of body ("council") -> the folded words that name it."""
    return {kind.lower(): frozenset(fold(n) for n in names) for kind, names in lexicon()["asked"].items()}


def bodies_asked(question: str, bodies: Iterable[str]) -> set[str] | None:
    """The bodies among `bodies` that the question names by their kind ("the Council", "el
    Consejo de Seguridad", "совет"); None when it names none. A kind the question names that
    no body of `bodies` is of says nothing (None), so a library without such bodies is unscoped.
    `bodies` is only read when the question names a kind."""
    words = set(language.words(question))
    kinds = [kind for kind, names in _kinds_asked().items() if words & names]
    if not kinds:
        return None
    named = {b for b in bodies if any(kind in b.lower().split() for kind in kinds)}
    return named or None


@cache
def body_words() -> frozenset[str]:
    """The folded words of every body's names, in every language ("security", "council", "conseil",
    "securite", "asamblea"…): a question writes them for the speaker, never for whom it addresses."""
    out = {n for names in _kinds_asked().values() for n in names}
    for body, d in lexicon().get("bodies", {}).items():
        for name in [body, *d.get("names", {}).values()]:
            out.update(w for w in language.words(fold(name)) if len(w) > 2)
    return frozenset(out)


@cache
def frame_words() -> frozenset[str]:
    """The folded verbs of [families] and [decided] ("decide", "قرر", "establish"): the act a
    question asks about ("What did the Council decide about…?"), which every resolution of a
    library records, so matching it shows nothing of what the question is about
    (abstain.nothing_matched). A body's name is no such word: "Where was the General Assembly's
    meeting held?" is about the Assembly."""
    return frozenset(w for f in (*families(), *decided_families()) for w in f if " " not in w)


# ---------------------------------------------------------------- places (data/places.tsv)
# The names translated through a table, not through e5's word vectors: countries and regions
# (the Unicode CLDR's), the United Nations' organs and offices ("Secrétaire général"), and its
# peace operations, commissions and tribunals ("Force intérimaire des Nations Unies au Liban",
# "FINUL": "United Nations Interim Force in Lebanon", "UNIFIL").
# (table, whether a name counts only written in full: "Secrétaire général", not "général";
#  whether its names are told apart by their own words only: an operation named after a place is
#  not named by the place, "en el Líbano", and its common words, "Naciones Unidas", "Force",
#  translate nothing)
NAME_TABLES = (("places.tsv", False, False), ("organs.tsv", True, False), ("operations.tsv", False, True))
PLACE_WORD_SHARE = 2  # a word of at most this many places' names in a language tells them apart
# ("corée": North and South Korea); one of more ("south", "république", "islands") does not


@cache
def _name_rows(table: str) -> tuple[tuple[str, str, str], ...]:
    """(code, language, name) of each row of a name table in data/, folded (codes too: they are
    keys only)."""
    from importlib import resources

    text = fold(resources.files(data).joinpath(table).read_text(encoding="utf-8"))
    return tuple(tuple(line.split("\t")) for line in text.splitlines() if line and not line.startswith("#"))  # type: ignore[misc]


def _name_words(name: str) -> frozenset[str]:
    """A folded name's content words (three letters or more, function words out)."""
    stop = language.all_stopwords()
    return frozenset(w for w in re.findall(r"[^\W\d_]{3,}", name) if w not in stop)


# Russian declines names: "Ангола" is "Анголу", "Анголой", "Анголы" in a question ("осудили
# использование Южной Африкой территории Анголы"). A Cyrillic word of a name table and of a
# question is looked up by its stem: the word less one case ending, keeping three letters or more.
_RU_ENDINGS = tuple(sorted({fold(e) for e in ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ий",
                                               "ый", "ая", "яя", "ое", "ее", "ую", "юю", "ом", "ем", "ах", "ях", "ам",
                                               "ям", "ов", "ев", "ых", "их", "а", "я", "у", "ю", "ы", "и", "е", "о", "ь")},
                           key=len, reverse=True))  # folded, as the words are ("й" is "и")
_CYRILLIC = re.compile(r"[а-я]")


def name_key(word: str) -> str:
    """The key a folded word of a name is looked up by: a Cyrillic word's stem, any other as is."""
    if not _CYRILLIC.match(word):
        return word
    for e in _RU_ENDINGS:
        if word.endswith(e) and len(word) - len(e) >= 3:
            return word[:-len(e)]
    return word


@dataclass(frozen=True)
class _Name:
    place: str
    lang: str
    words: frozenset[str]  # its content words, folded
    needed: frozenset[str]  # the keys (name_key) of those a question must write to name it: its telling words, or all


@cache
def _places() -> tuple[dict[str, tuple[_Name, ...]], dict[str, dict[str, frozenset[str]]]]:
    """({folded word: the names it is needed for}, {place: {language: the words that name it in
    that language: each name's telling words, or all its words when none tells; "": its one-word
    names, acronyms among them, in any language}}) from the name tables (NAME_TABLES): the
    Unicode CLDR's country and region names (data/places.tsv, resqa.tools.places), the United
    Nations' organs and its operations. A word tells a name apart within its own table."""
    names: list[tuple[str, str, str, frozenset[str]]] = []
    share: dict[tuple[str, str, str], set[str]] = {}
    whole: set[str] = set()  # names written in full to be named: the organs'
    own_words = {table for table, _in_full, own in NAME_TABLES if own}
    for table, in_full, _own in NAME_TABLES:
        for code, lang, name in _name_rows(table):
            words = _name_words(name)
            names.append((table, code, lang, words))
            if in_full:
                whole.add(code)
            for w in words:
                share.setdefault((table, lang, w), set()).add(code)
    place_words = {w for table, _code, _lang, words in names if table == "places.tsv" for w in words}
    by_word: dict[str, list[_Name]] = {}
    words_of: dict[str, dict[str, set[str]]] = {}
    for table, code, lang, words in names:
        if not words:
            continue
        telling = frozenset() if code in whole else \
            frozenset(w for w in words if len(share[(table, lang, w)]) <= PLACE_WORD_SHARE
                      and not (table in own_words and w in place_words))
        n = _Name(code, lang, words, frozenset(name_key(w) for w in telling or words))
        for w in n.needed:
            by_word.setdefault(w, []).append(n)
        of = words_of.setdefault(code, {})
        of.setdefault(lang, set()).update(telling or (() if table in own_words else words))
        if len(words) == 1:
            of.setdefault("", set()).update(words)
    return ({w: tuple(ns) for w, ns in by_word.items()},
            {c: {la: frozenset(ws) for la, ws in of.items()} for c, of in words_of.items()})


def places_named(words: Iterable[str]) -> dict[str, frozenset[str]]:
    """{question word: the words naming the same country, region or United Nations body in the
    other languages} for the places the question's words name: every telling word of one of the
    place's names ("Sudáfrica"; "Corée", of "Corée du Sud" and "Corée du Nord"; "Estados" and
    "Unidos" together, not "Estados Miembros"), or all its words when none tells ("Afrique du
    Sud"); a name within a longer one named too ("Afrique" in "Afrique du Sud") does not count.
    What is added is a translation: the names in the languages other than the one the question
    wrote, and the one-word names, acronyms among them ("FINUL" and "Force intérimaire des
    Nations Unies au Liban" -> "interim", "lebanon", "unifil"), not more words of the same
    language's names. e5's word vectors align place names poorly ("corée" -> "korea" at a
    margin of 0.016, "sudáfrica" -> "sudan"); these tables translate them."""
    by_word, words_of = _places()
    folded = {name_key(fold(w)): w for w in words}
    found = [n for w in folded for n in by_word.get(w, ()) if n.needed <= folded.keys()]
    found = [n for n in found if not any(n.words < m.words for m in found)]
    # of two names one word tells ("intérimaire": the Force in Lebanon, the Mission in Kosovo),
    # the one more of whose words the question writes
    covered = {n: len({name_key(w) for w in n.words} & folded.keys()) for n in found}
    found = [n for n in found if not any(n.needed & m.needed and covered[m] > covered[n] for m in found)]
    out: dict[str, set[str]] = {}
    for n in found:
        of = words_of[n.place]
        added = {x for la, ws in of.items() if la != n.lang for x in ws}
        for w in n.needed:
            out.setdefault(folded[w], set()).update(x for x in added if name_key(x) not in folded)
    return {w: frozenset(ns) for w, ns in out.items()}


@cache
def _organs() -> tuple[frozenset[str], ...]:
    """The keys (name_key) of the folded content words of each name in data/organs.tsv."""
    names = (_name_words(name) for _code, _lang, name in _name_rows("organs.tsv"))
    return tuple(frozenset(name_key(w) for w in ws) for ws in names if ws)


def organs_named(words: Iterable[str]) -> set[str]:
    """The question words that name one of the United Nations' organs or offices, written in full
    ("Consejo de Seguridad", "مجلس الأمن", "Secrétaire général"): they say who speaks or is
    asked, not what about (retrieve reads them for whom a question says was asked only)."""
    folded = {name_key(fold(w)): w for w in words}
    return {folded[w] for name in _organs() if name <= folded.keys() for w in name}


@cache
def _place_names_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern over every CLDR country and region name (data/places.tsv, folded, all
    languages), longest first, and {folded name: its place code}."""
    codes: dict[str, str] = {}
    for code, _lang, name in _name_rows("places.tsv"):
        if len(name) >= 4:
            codes.setdefault(name, code)
    alts = "|".join(re.escape(n) for n in sorted(codes, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)"), codes


def places_in(folded_text: str) -> set[str]:
    """The codes of the countries and regions a (folded) text names ("Greece, Turkey and the
    United Kingdom" -> {"GR", "TR", "GB"}, as folded codes)."""
    pattern, codes = _place_names_regex()
    return {codes[m.group(0)] for m in pattern.finditer(folded_text)}
