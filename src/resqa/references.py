"""Identifiers that questions and documents name: "IDCC 1486", "AG-2005-RES-09", "L1221-19",
and brands written in camel case ("WhatsApp").

A resolution cites other texts by reference number, and staff ask about them by number. Two uses:
- abstention: a question naming a reference that no indexed document contains asks about a
  text resqa does not hold (abstain.py);
- retrieval: a clause that contains a reference the question names is pulled up (retrieve.py).
References are matched by `key`, which ignores how they are punctuated or zero-padded.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import unicodedata
from pathlib import Path

from resqa import language
from resqa.clean import fold

# An identifier: letters and digits, joined by - / . (with a capital letter and a digit
# somewhere: "L1221-19", "GA-2021-89-RES-09", "COVID-19", but not "21h", "89ème" or "2.2"), or
# an acronym followed by a number ("IDCC 1486", "ISO 27001", "IDCC n° 44").
_TOKEN = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)*")
_ACRONYM_NUMBER = re.compile(r"(?<![^\W_])([A-Z]{2,})\s+(?:n[°º]\s*|No\.?\s*|Nr\.?\s*)?(\d+(?:[-/.]\d+)*)(?![^\W_])")
# A brand written in camel case ("WhatsApp", "TikTok", "YouTube", "eBay"): such names are not
# translated, so a question naming one that no document contains is about something else.
_CAMEL = re.compile(r"(?<![^\W_])[^\W\d_]*[a-z][A-Z][^\W\d_]*(?![^\W_])")
_NOT_NAMES = {"EUR", "USD", "CHF", "GBP", "JPY", "CAD", "AUD", "CNY", "RUB", "INR"}  # amounts, not names


# A resolution named by its number, however written: "resolution 242", "resolution 242 (1967)",
# "la résolution 242", "la resolución 242", "резолюция 242", "القرار 242", "S/RES/242 (1967)",
# "resolution 80/2", "res. 242", "rés. 242"; a list names several ("resolutions 660 (1990) and 661 (1990)").
# The abbreviation only as a word of its own before a number and a space: "measures. 2", "MRE/RES.1/91" are none.
_RES_WORD = r"(?:(?<![^\W_]|/)(?:r[eé]s|рез)\.(?=\s+\d)|resolutions?|résolutions?|resoluci[oó]n(?:es)?|resoluç(?:ão|ões)|резолюци[яиюей]\w*|(?:ال)?قرار(?:ين|ات)?)"
_RES_NUMBER = r"\d{1,4}(?:/\d{1,4})?(?:\s*\((?:\d{4}|[IVXLCDM]+)\))?(?![^\W_])"
_COUNCIL = r"(?:(?:of the |du |del )?(?:Security Council|Conseil de sécurité|Consejo de Seguridad|Совета Безопасности|مجلس الأمن)\s+)?"
# Russian writes a year after its number, in the genitive ("резолюции Совета Безопасности 1978 и
# 1980 годов": the resolutions of 1978 and 1980): numbers followed by a year word are years.
_YEAR_AFTER = r"(?!\s*(?:год|г\.))"
_RESOLUTION = re.compile(rf"(?<![^\W_])(?:S/RES/|{_RES_WORD}\s+{_COUNCIL}(?:(?:n[°ºo]|No|Nr)\.?\s*)?)({_RES_NUMBER})"
                         rf"((?:\s*(?:,|and|et|y|e|und|и|و)\s*{_RES_NUMBER})*+){_YEAR_AFTER}", re.IGNORECASE)
_LISTED = re.compile(_RES_NUMBER)
_RES_WORD_ANY = re.compile(_RES_WORD, re.IGNORECASE)
_COUNCIL_NUMBER = re.compile(rf"resolution\s+{_COUNCIL}(?=\d)", re.IGNORECASE)  # "… du Conseil de sécurité 242"


def resolutions(question: str) -> list[str]:
    """The resolutions a question names by number, as written ("resolution 242 (1967)", "la
    resolución 242", "S/RES/242"; in a list, each further number as written: "661 (1990)").
    `key` reads them all alike, so they match a document titled "… resolution 242 (1967)"."""
    out: list[str] = []
    for m in _RESOLUTION.finditer(question):
        out.append(m.group(0)[:m.end(1) - m.start(0)])
        out.extend(x.group(0) for x in _LISTED.finditer(m.group(2)))
    return list(dict.fromkeys(out))


# A year as a question or a document's id or title writes it ("in 1990", "en mayo de 1988",
# "S/RES/660 (1990)", "AG-2019-RES-03"): four digits from 1900 to 2099, not inside a longer number.
_YEAR = re.compile(r"(?<![\d.,/])(19\d\d|20\d\d)(?![\d.,]\d)")


def years(text: str) -> set[int]:
    """The years a text writes, a resolution's number not counted ("resolution 1990 (2011)"
    writes 2011)."""
    numbers = []  # (start, end) of each resolution number named, the year after it left out
    for m in _RESOLUTION.finditer(text):
        named = [(m.start(1), m.group(1))] + [(m.start(2) + x.start(), x.group(0)) for x in _LISTED.finditer(m.group(2))]
        for start, written in named:
            numbers.append((start, start + len(written) - len(written.lstrip("0123456789"))))
    return {int(m.group(1)) for m in _YEAR.finditer(text)
            if not any(a <= m.start() < b for a, b in numbers)}


@functools.cache
def _month_year() -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, language.months()), key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])({names})\s+(?:(?:de|del|of)\s+)?(19\d\d|20\d\d)(?!\d)")


def months(text: str) -> set[tuple[int, int]]:
    """The (year, month) pairs a text writes: "16 April 1993", "en mayo de 1988", "в мае 1988 года"."""
    return {(int(m.group(2)), language.months()[m.group(1)]) for m in _month_year().finditer(fold(text))}


def find(question: str) -> list[str]:
    """The identifiers a question names, as written (see _RESOLUTION, _CAMEL, _TOKEN and
    _ACRONYM_NUMBER); a clause address ("OP2", "PP 3": addresses.py) is not one."""
    from resqa import addresses

    spans = [a.text for a in addresses.find(question)]
    out: list[str] = resolutions(question)
    out += [m.group(0) for m in _CAMEL.finditer(question)]
    for m in _ACRONYM_NUMBER.finditer(question):
        if m.group(1) not in _NOT_NAMES:
            out.append(m.group(0))
    for m in _TOKEN.finditer(question):
        tok = m.group(0)
        if (any(c.isdigit() for c in tok) and any(c.isupper() for c in tok)
                and not any(tok in ref for ref in out) and not any(tok in a for a in spans)):
            out.append(tok)
    return list(dict.fromkeys(out))


_RUN = re.compile(r"[a-z]+|[0-9]+|\x1f")  # \x1f separates texts inside a Haystack
_NUMBER_SIGN = re.compile(r"(?<![a-z0-9])(?:n|no|nr|num)\s*\.?\s*(?=[0-9])")  # "IDCC n° 1486", "Nr. 9"
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _runs(text: str) -> str:
    # Only ASCII letters and digits make up a key, so folding is NFKD and dropping the rest;
    # everything here runs in C, so a whole corpus is keyed in one pass. "Resolution" is one
    # word in every language ("la resolución 242" is " resolution 242 ").
    text = _COUNCIL_NUMBER.sub("resolution ", _RES_WORD_ANY.sub("resolution", text))
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode("ascii")
    folded = _LEADING_ZEROS.sub("", _NUMBER_SIGN.sub(" ", folded))
    return " ".join(_RUN.findall(folded))


def key(text: str) -> str:
    """A form of an identifier that survives the ways it is written: "AG-2005-RES-09",
    "ag 2005 res 9" and "AG/2005/RES/9" all give " ag 2005 res 9 ", and "IDCC n° 1486" gives
    " idcc 1486 ". Letter and digit runs (folded, leading zeros and a number sign dropped),
    joined by single spaces, with a space at each end so that `key in text` matches whole runs."""
    return " " + _runs(text.replace("\x1f", " ")) + " "


class Haystack:
    """The reference keys of many texts, searchable for any key (`key in` one long string, so
    no list of known identifiers is needed). Built once per catalogue generation."""

    def __init__(self, items: list[tuple[object, str]]) -> None:
        """`items`: (label, text); `holding` returns the labels whose text contains a key."""
        self._labels = [label for label, _ in items]
        body = _runs("\x1f".join(text.replace("\x1f", " ") for _, text in items))
        self._text = " " + body + " "
        # Text i starts after the i-th separator; a key never spans one (it holds no \x1f).
        self._starts = [0] + [m.end() for m in re.finditer("\x1f", self._text)]

    def __contains__(self, k: str) -> bool:
        return bool(k.strip()) and k in self._text

    def mentions(self, reference: str) -> bool:
        """Does some text name this reference (as `find` returns it)? An acronym and a number
        ("IDCC 44") is a reference only where the texts number things by that acronym: with
        "INTERPOL 2021" the texts' INTERPOL, never followed by a number, is a name and 2021 a
        year, so it counts as mentioned. And a number of several parts ("EU 2016/679") found
        under another acronym ("(UE) 2016/679", in French) is the same text."""
        k = key(reference)
        if not k.strip() or k in self:
            return True
        m = _ACRONYM_NUMBER.fullmatch(reference)
        if not m:
            return False
        acronym, number = key(m.group(1)), key(m.group(2))
        if len(number.split()) > 1 and number in self:
            return True
        numbered = re.search(re.escape(acronym) + r"[0-9]", self._text)
        return acronym in self and numbered is None

    def holding(self, k: str) -> list[object]:
        out: list[object] = []
        if not k.strip():
            return out
        i = self._text.find(k)
        while i >= 0:
            out.append(self._labels[bisect.bisect_right(self._starts, i) - 1])
            i = self._text.find(k, i + 1)
        return list(dict.fromkeys(out))

    def save(self, path: Path) -> None:
        """Labels (tuples of strings) and the keyed text, for catalogue.py's disk cache."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "labels.json").write_text(json.dumps(self._labels, ensure_ascii=False), encoding="utf-8")
        (path / "text.txt").write_text(self._text, encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Haystack:
        labels = [tuple(x) if isinstance(x, list) else x
                  for x in json.loads((path / "labels.json").read_text(encoding="utf-8"))]
        text = (path / "text.txt").read_text(encoding="utf-8")
        hay = cls.__new__(cls)
        hay._labels, hay._text = labels, text
        hay._starts = [0] + [m.end() for m in re.finditer("\x1f", text)]
        if len(hay._starts) != max(len(labels), 1):
            raise ValueError(f"{path}: {len(labels)} labels for {len(hay._starts)} texts")
        return hay
