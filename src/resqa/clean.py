"""Undo PDF-extraction noise while keeping, for every cleaned character, its offset in the source.

Cleaning joins lines broken inside sentences, folds runs of spaces, tabs, form feeds and
no-break spaces into one space, drops soft hyphens and zero-width characters, and rejoins words
hyphenated at a line end ("proté-\\ngé" -> "protégé"). Nothing else changes: letters, accents,
apostrophes and punctuation stay exactly as in the source, so a cleaned span is the source span
with only its whitespace made regular.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DROP = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"'})
_WS = re.compile(r"\s+")


def _is_space(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) == "Zs"


@dataclass(frozen=True)
class Cleaned:
    text: str
    offsets: tuple[int, ...]  # offsets[i] = source index of text[i]

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets covering cleaned text[start:end]."""
        if start >= end or not self.offsets:
            return (0, 0)
        return (self.offsets[start], self.offsets[end - 1] + 1)


def clean(raw: str, start: int = 0, end: int | None = None) -> Cleaned:
    """Clean raw[start:end]; the offsets returned index into `raw`."""
    end = len(raw) if end is None else end
    out: list[str] = []
    offs: list[int] = []
    pending_space = -1  # source index of the first whitespace char of a pending run
    i = start
    while i < end:
        ch = raw[i]
        if ch in _DROP:
            i += 1
            continue
        if _is_space(ch):
            if pending_space < 0:
                pending_space = i
            i += 1
            continue
        if ch == "-" and out and out[-1].isalpha() and pending_space < 0:
            j = i + 1
            saw_newline = False
            while j < end and _is_space(raw[j]):
                saw_newline |= raw[j] in "\n\f\r"
                j += 1
            if saw_newline and j < end and raw[j].islower():
                i = j  # line-end hyphenation: rejoin the word
                continue
        if pending_space >= 0 and out:
            out.append(" ")
            offs.append(pending_space)
        pending_space = -1
        out.append(ch)
        offs.append(i)
        i += 1
    return Cleaned("".join(out), tuple(offs))


def normalize_for_match(text: str) -> str:
    """Fold what may legitimately differ between a quote and its clause: whitespace, apostrophes,
    quotation marks, soft hyphens and Unicode composition. Letters and words never change."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch not in _DROP)
    text = text.translate(_APOSTROPHES).translate(_QUOTES)
    return _WS.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lowercase and strip accents: for lexical matching only, never for display."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in nfkd if not unicodedata.combining(ch)).translate(_APOSTROPHES)
