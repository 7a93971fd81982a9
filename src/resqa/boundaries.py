"""A resolution's text -> where each of its clauses starts (the document around them is clauses.py).

A resolution clause starts where a known opening keyword (lexicon.py) stands in capitals at the
start of a line (or after a comma or semicolon on the same line, where PDF extraction ran two
clauses together) and the text before it ends a clause (",", ";", ":" or "."). The UN writes the
keywords in sentence case (italic in print): "Recalling …," after a comma, "2. Urges …;" after a
paragraph number; those count only in that layout (_sentence_case_start). Blank lines are not
boundaries: PDF extraction puts them in mid-sentence and leaves them out between clauses. A
keyword inside a sentence ("… et FAISANT OBSERVER que …") is not a boundary. OCR'd UN texts
keep footnote marks after a clause's end and read "1." as "1,"; both are looked through here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from resqa.lexicon import Keyword, lexicon, match_keyword

NUMBERING = re.compile(r"(?:\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
_ENDS_CLAUSE = (",", ";", ":", ".")


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


def lines_of(raw: str) -> list[Line]:
    """The lines of `raw` with their source offsets, line ends left out."""
    out, pos = [], 0
    for piece in raw.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        out.append(Line(pos, pos + len(body), body))
        pos += len(piece)
    return out


# Inline footnote marks after a clause's last punctuation ("… the United Nations, 11",
# "… Congo, 21 22", "… Force,**", "… 1/"), and "; and" between old "Whereas" clauses.
_MARKED_END = re.compile(r"([,;:.])(?:\s*(?:\d{1,3}/?|\*+)){1,3}\s*$|([;,])\s+and\s*$")


def prev_char(raw: str, pos: int) -> str:
    """The last visible character before `pos`, looking through footnote marks (_MARKED_END),
    since OCR'd UN texts keep them in the line."""
    m = _MARKED_END.search(raw[max(0, pos - 40):pos])
    if m:
        return m.group(1) or m.group(2)
    i = pos - 1
    while i >= 0 and (raw[i].isspace() or raw[i] in "\f\u00a0"):
        i -= 1
    return raw[i] if i >= 0 else ""


@dataclass(frozen=True)
class Start:
    """Where a clause starts, its kind, and its label as written ("Urges", "DEMANDE INSTAMMENT")."""

    pos: int
    kind: str
    label: str
    keyword: Keyword | None = None


_ARABIC_NUMBER = re.compile(r"(\d{1,3})[.,]\s+")
# "Deploring", "Convinced"; "Having" with its participle ("Having studied", "Having also
# considered", "Having been apprised", "Having taken note", "Having in mind").
_PARTICIPLE = re.compile(r"Having(?:\s+(?:also|further|duly))?\s+(?:in\s+mind|(?:been|taken)\s+[a-z]+|[a-z]+)"
                         r"|[A-Z][a-z]+(?:ing|ed)\b")


@dataclass(frozen=True)
class Layout:
    """Where a UN resolution's clauses may start beyond the keyword rule: after its opening line
    ("The Security Council,"), at each numbered paragraph in sequence, and at a sentence-case
    keyword opening a paragraph, numbered or not (old resolutions: "… Resolves that …")."""

    opening: Line
    english: bool


def opening_line(lines: list[Line], before: int) -> Line | None:
    """The line naming the body that speaks ("The Security Council,"), alone on its line."""
    pats = [re.compile(p) for p in lexicon()["structure"]["opening_patterns"]]
    for ln in lines:
        if ln.start >= before:
            return None
        body = ln.text.strip()
        for pat in pats:
            m = pat.match(body)
            if m and re.fullmatch(r"\s*[,:]?\s*", body[m.end():]):
                return ln
    return None


def _after_opening(raw: str, pos: int, layout: Layout | None) -> bool:
    return layout is not None and pos >= layout.opening.end and not raw[layout.opening.end:pos].strip()


def _label_of(body: str) -> tuple[str, Keyword | None]:
    """The label of a numbered paragraph whose opening is not a keyword: its verb as written
    ("Extends"), skipping the body's name in old texts ("1. The Security Council requests …")."""
    for p in lexicon()["structure"]["opening_patterns"]:
        m = re.match(p + r"[,\s]*", body)
        if m:
            body = body[m.end():]
            break
    hit = match_keyword(body[:1].upper() + body[1:])
    if hit:
        return body[:len(hit[1])], hit[0]
    first = re.match(r"[^\W\d_]+(?:-[^\W\d_]+)?", body)
    return (first.group(0) if first else ""), None


def clause_starts(raw: str, lines: list[Line], floor: int, layout: Layout | None = None) -> list[Start]:
    """Where each clause in `lines` starts, from `floor` on, in order."""
    starts: list[Start] = []
    number = 0  # the last operative paragraph number seen (UN layout)
    governing: Start | None = None  # an operative keyword ending in ":" that governs numbered items
    for ln in lines:
        if ln.start < floor:
            continue
        body = ln.text.lstrip(" \t\f\u00a0")
        lead = len(ln.text) - len(body)
        num = NUMBERING.match(body)
        arabic = _ARABIC_NUMBER.match(body) if layout else None
        if arabic and int(arabic.group(1)) != number + 1:
            arabic = None
        if arabic and not num:  # "1, That …": OCR read the full stop as a comma
            num = arabic
        offset = lead + (num.end() if num else 0)
        found = (_keyword_start(raw, ln, lead, offset, floor, num, arabic, layout, first=not starts)
                 or _unmarked_start(raw, ln, lead, offset, num, arabic, number, governing, layout))
        if found is not None:
            if found.kind == "operative" and found.keyword is not None and found.label != (governing or found).label:
                governing = None
            if _governs(raw, found):
                governing = found  # "Resolves:", "Decides:": the numbered items that follow are its own
            if num and num.group(0).strip("(). ,").isdigit() and found.pos == ln.start + lead:
                number = int(num.group(0).strip("(). ,"))
            starts.append(found)
    return starts


def _keyword_start(raw: str, ln: Line, lead: int, offset: int, floor: int, num: re.Match | None,
                   arabic: re.Match | None, layout: Layout | None, first: bool = False) -> Start | None:
    """The clause a keyword opens on this line: after its paragraph number, or after a "," or ";"
    where two clauses run together on one line; None when no keyword stands where a clause may start.
    `first`: no clause has started yet, so a keyword opening a line right after the header's
    document reference ("30 (1947). Resolution of 25 August 1947\n(S/525, I]\nWhereas …") opens
    the first clause, though no "," or "." ends what stands before it."""
    candidates = [offset]
    # Two clauses run together on one line: a capital keyword right after "," or ";".
    candidates += [m.end() for m in re.finditer(r"[,;]\s+(?=[A-ZÀ-Ý]{4})", ln.text)]
    for off in candidates:
        hit = match_keyword(ln.text[off:])
        if not hit:
            continue
        pos = ln.start + off
        after_reference = first and off == offset == lead and prev_char(raw, pos) in ")]"
        if prev_char(raw, pos) not in _ENDS_CLAUSE and pos != floor and not _after_opening(raw, pos, layout) \
                and not after_reference:
            continue
        kw, written = hit
        rest = ln.text[off + len(written):off + len(written) + 3]
        if rest.strip() and rest.strip()[:1].isupper() and rest.strip()[:2].isupper():
            continue  # an all-capitals heading, not a clause opening
        if not written.isupper() and not after_reference and not _sentence_case_start(kw, raw, pos, bool(num), off == offset, layout):
            continue
        # A paragraph number belongs to its clause ("2. Urges …"), not to the end of the last one.
        found = Start(ln.start + lead if num and off == offset else pos, kw.kind, written, kw)
        if arabic and off == offset and kw.kind == "preamble":
            found = Start(found.pos, "operative", written, kw)  # numbered: a decision
        return found
    return None


def _unmarked_start(raw: str, ln: Line, lead: int, offset: int, num: re.Match | None, arabic: re.Match | None,
                    number: int, governing: Start | None, layout: Layout | None) -> Start | None:
    """A clause that no keyword opens, in the UN's layout: a numbered paragraph in sequence, or an
    English participle opening a preambular paragraph ("Deploring …,")."""
    pos = ln.start + offset
    if arabic and (prev_char(raw, ln.start + lead) in _ENDS_CLAUSE or number == 0):
        # A numbered paragraph in sequence is an operative clause whatever its verb, so
        # that two paragraphs are never merged into one.
        label, kw = _label_of(ln.text[offset:])
        if kw is None and governing is not None:
            label, kw = governing.label, governing.keyword  # "Resolves: 1. That …; 2. That …"
        return Start(ln.start + lead, "operative", label, kw)
    if (layout is not None and layout.english and not num
            and (prev_char(raw, pos) == "," or _after_opening(raw, pos, layout))):
        m = _PARTICIPLE.match(ln.text[offset:])
        if m and (m.group(0).startswith("Having") or m.group(0).endswith("ing")):
            return Start(pos, "preamble", m.group(0))  # "Deploring …,", "Having heard …,"
    return None


def _governs(raw: str, found: Start) -> bool:
    """An operative keyword that ends its line with ":" ("Resolves:") governs the numbered items after it."""
    return (found.kind == "operative" and found.keyword is not None
            and re.match(r"[^\n]{0,40}?:\s*$", raw[found.pos:found.pos + len(found.label) + 45].split("\n")[0] + "\n")
            is not None)


def _sentence_case_start(kw: Keyword, raw: str, pos: int, numbered: bool, line_start: bool,
                         layout: Layout | None = None) -> bool:
    """A keyword in sentence case ("Recalling", "Urges") opens a clause only where the UN's layout
    puts one, since ordinary prose starts sentences with such words too: a preambular keyword at
    the start of a line after a comma (preambular clauses end with one), an operative keyword
    after its paragraph number ("2. Urges"), or, in a text that opens with its body's name
    ("The Security Council,"), at the start of a line after a clause's end or the opening."""
    if not line_start:
        return False
    after_opening = _after_opening(raw, pos, layout)
    if kw.kind == "operative":
        if numbered or after_opening:
            return numbered or layout is not None
        # Old resolutions' operative paragraphs are unnumbered; OCR sometimes ends the last
        # preambular one with a full stop, so "." counts where a blank line stands before.
        ends = ",;:." if layout is not None and re.search(r"\n[ \t]*\n\s*$", raw[max(0, pos - 200):pos]) else ",;:"
        return layout is not None and prev_char(raw, pos) in ends
    return prev_char(raw, pos) == "," or after_opening
