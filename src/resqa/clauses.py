"""Document -> Clause list: the structure of a resolution, or a generic chunking fallback.

A resolution clause starts where a known opening keyword (data/lexicon.toml) stands in capitals
at the start of a line (or after a comma or semicolon on the same line, where PDF extraction
ran two clauses together) and the text before it ends a clause (",", ";", ":" or "."). The UN
writes the keywords in sentence case (italic in print): "Recalling …," after a comma, "2. Urges
…;" after a paragraph number; those count only in that layout (_sentence_case_start). Blank
lines are not boundaries: PDF extraction puts them in mid-sentence and leaves them out between
clauses. A keyword inside a sentence ("… et FAISANT OBSERVER que …") is not a boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from resqa import data, language
from resqa.clean import Cleaned, clean
from resqa.model import Clause, Document

CLAUSE_KINDS = ("preamble", "operative")
_KIND_PREFIX = {"header": "head", "subject": "subject", "opening": "open", "preamble": "pre",
                "operative": "op", "adoption": "adopt", "notes": "notes", "annex": "annex",
                "article": "art", "chunk": "chunk"}
_NUMBERING = re.compile(r"(?:\(?\d{1,3}[.)]|\(?[a-z][.)])\s+")
_ENDS_CLAUSE = (",", ";", ":", ".")
MIN_SEGMENT_WORDS = 6
CHUNK_TOKENS = 320


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
def _modifier_regex() -> re.Pattern[str]:
    mods = sorted(lexicon()["structure"]["modifiers"], key=len, reverse=True)
    alts = "|".join(re.escape(m) for m in mods)
    return re.compile(rf"(?:(?:{alts})\s+)+", re.IGNORECASE)


def kind_description(kind: str, lang: str) -> str:
    return lexicon()["kinds"].get(kind, {}).get(lang, kind)


def gloss(clause: Clause) -> str:
    """What is indexed beside a clause: its kind and the meaning of its keyword, in several languages."""
    if clause.kind not in CLAUSE_KINDS:
        return lexicon()["gloss"].get(clause.kind, "")
    kw = match_keyword(clause.label)
    meanings = "; ".join(kw[0].meanings.values()) if kw else ""
    kinds = " / ".join(kind_description(clause.kind, lang) for lang in ("en", "fr", "es", "de"))
    return f"{clause.label} ({meanings}) — {kinds}"


# ------------------------------------------------------------------ lines and boundaries
@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(raw: str) -> list[_Line]:
    out, pos = [], 0
    for piece in raw.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        out.append(_Line(pos, pos + len(body), body))
        pos += len(piece)
    return out


# Inline footnote marks after a clause's last punctuation ("… the United Nations, 11",
# "… Congo, 21 22", "… Force,**", "… 1/"), and "; and" between old "Whereas" clauses.
_MARKED_END = re.compile(r"([,;:.])(?:\s*(?:\d{1,3}/?|\*+)){1,3}\s*$|([;,])\s+and\s*$")


def _prev_char(raw: str, pos: int) -> str:
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
class _Start:
    pos: int
    kind: str
    label: str
    keyword: Keyword | None = None


_ARABIC_NUMBER = re.compile(r"(\d{1,3})[.,]\s+")
_PARTICIPLE = re.compile(r"(?:Having\s+)?[A-Z][a-z]+(?:ing|ed)\b")


@dataclass(frozen=True)
class _Layout:
    """Where a UN resolution's clauses may start beyond the keyword rule: after its opening line
    ("The Security Council,"), at each numbered paragraph in sequence, and at a sentence-case
    keyword opening a paragraph, numbered or not (old resolutions: "… Resolves that …")."""

    opening: _Line
    english: bool


def _opening_line(lines: list[_Line], before: int) -> _Line | None:
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


def _after_opening(raw: str, pos: int, layout: _Layout | None) -> bool:
    return layout is not None and pos >= layout.opening.end and not raw[layout.opening.end:pos].strip()


def body_of(text: str) -> str | None:
    """The body a resolution speaks for ("Security Council", "INTERPOL General Assembly"), read
    from its opening line ("The Security Council,"), else from the first lines that name one
    (lexicon `bodies`); None when the text names none."""
    bodies = lexicon()["bodies"]
    head = text[:8000]
    opening = _opening_line(_lines(head), len(head))
    for where in ([opening.text] if opening else []) + [head[:3000]]:
        for name, spec in bodies.items():
            if any(re.search(p, where) for p in spec["patterns"]):
                return name
    return None


def body_name(body: str | None, lang: str) -> str | None:
    """How an answer in `lang` calls the body ("le Conseil de sécurité"); None if unknown."""
    names = lexicon()["bodies"].get(body or "", {}).get("names", {})
    return names.get(lang) or names.get("en")


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


def _clause_starts(raw: str, lines: list[_Line], floor: int, layout: _Layout | None = None) -> list[_Start]:
    starts: list[_Start] = []
    number = 0  # the last operative paragraph number seen (UN layout)
    governing: _Start | None = None  # an operative keyword ending in ":" that governs numbered items
    for ln in lines:
        if ln.start < floor:
            continue
        body = ln.text.lstrip(" \t\f\u00a0")
        lead = len(ln.text) - len(body)
        num = _NUMBERING.match(body)
        arabic = _ARABIC_NUMBER.match(body) if layout else None
        if arabic and int(arabic.group(1)) != number + 1:
            arabic = None
        if arabic and not num:  # "1, That …": OCR read the full stop as a comma
            num = arabic
        offset = lead + (num.end() if num else 0)
        candidates = [offset]
        # Two clauses run together on one line: a capital keyword right after "," or ";".
        candidates += [m.end() for m in re.finditer(r"[,;]\s+(?=[A-ZÀ-Ý]{4})", ln.text)]
        found = None
        for off in candidates:
            hit = match_keyword(ln.text[off:])
            if not hit:
                continue
            pos = ln.start + off
            after_opening = _after_opening(raw, pos, layout)
            if _prev_char(raw, pos) not in _ENDS_CLAUSE and pos != floor and not after_opening:
                continue
            kw, written = hit
            rest = ln.text[off + len(written):off + len(written) + 3]
            if rest.strip() and rest.strip()[:1].isupper() and rest.strip()[:2].isupper():
                continue  # an all-capitals heading, not a clause opening
            if not written.isupper() and not _sentence_case_start(kw, raw, pos, bool(num), off == offset, layout):
                continue
            # A paragraph number belongs to its clause ("2. Urges …"), not to the end of the last one.
            found = _Start(ln.start + lead if num and off == offset else pos, kw.kind, written, kw)
            if arabic and off == offset and kw.kind == "preamble":
                found = _Start(found.pos, "operative", written, kw)  # numbered: a decision
            break
        pos = ln.start + offset
        if found is None and arabic and (_prev_char(raw, ln.start + lead) in _ENDS_CLAUSE or number == 0):
            # A numbered paragraph in sequence is an operative clause whatever its verb, so
            # that two paragraphs are never merged into one.
            label, kw = _label_of(ln.text[offset:])
            if kw is None and governing is not None:
                label, kw = governing.label, governing.keyword  # "Resolves: 1. That …; 2. That …"
            found = _Start(ln.start + lead, "operative", label, kw)
        elif (found is None and layout is not None and layout.english and not num
              and (_prev_char(raw, pos) == "," or _after_opening(raw, pos, layout))):
            m = _PARTICIPLE.match(ln.text[offset:])
            if m and (m.group(0).startswith("Having") or m.group(0).endswith("ing")):
                found = _Start(pos, "preamble", m.group(0))  # "Deploring …,", "Having heard …,"
        if found is not None:
            if found.kind == "operative" and found.keyword is not None and found.label != (governing or found).label:
                governing = None
            if found.kind == "operative" and found.keyword is not None \
                    and re.match(r"[^\n]{0,40}?:\s*$", raw[found.pos:found.pos + len(found.label) + 45].split("\n")[0] + "\n"):
                governing = found  # "Resolves:", "Decides:": the numbered items that follow are its own
            if num and num.group(0).strip("(). ,").isdigit() and found.pos == ln.start + lead:
                number = int(num.group(0).strip("(). ,"))
            starts.append(found)
    return starts


def _sentence_case_start(kw: Keyword, raw: str, pos: int, numbered: bool, line_start: bool,
                         layout: _Layout | None = None) -> bool:
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
        return layout is not None and _prev_char(raw, pos) in ends
    return _prev_char(raw, pos) == "," or after_opening


def _find_pattern(lines: list[_Line], patterns: list[str], after: int = 0) -> _Line | None:
    """The first line from `after` on that one of the regular expressions matches at its start."""
    for ln in lines:
        if ln.start >= after and any(re.match(p, ln.text.strip()) for p in patterns):
            return ln
    return None


def _find_line(lines: list[_Line], words: list[str], after: int = 0, before: int | None = None,
               need_colon: bool = False) -> _Line | None:
    for ln in lines:
        if ln.start < after or (before is not None and ln.start >= before):
            continue
        body = ln.text.strip()
        for w in words:
            if body.startswith(w) and (not need_colon or body[len(w):].lstrip().startswith(":")):
                return ln
    return None


# ------------------------------------------------------------------ segments
_SEG_BREAK = re.compile(r"(?<=[.;:!?])\s+|(?<=,)\s+")


def segments(text: str) -> tuple[str, ...]:
    """Quotable pieces of a clause: split at sentence ends, semicolons and commas, merging
    pieces shorter than MIN_SEGMENT_WORDS into their neighbour. Each is a verbatim substring."""
    pieces, pos = [], 0
    for m in _SEG_BREAK.finditer(text):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, len(text)))
    merged: list[list[int]] = []
    for a, b in pieces:
        if merged and len(text[merged[-1][0]:merged[-1][1]].split()) < MIN_SEGMENT_WORDS:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    if len(merged) > 1 and len(text[merged[-1][0]:merged[-1][1]].split()) < MIN_SEGMENT_WORDS:
        last = merged.pop()
        merged[-1][1] = last[1]
    return tuple(text[a:b] for a, b in merged if text[a:b].strip())


# ------------------------------------------------------------------ building clauses
def _make(doc: Document, lang: str, kind: str, ordinal: int, position: int, label: str,
          span: Cleaned, keyword: Keyword | None = None) -> Clause:
    text = span.text
    start, end = span.source_span(0, len(text))
    meaning = ""
    if keyword is not None:
        meaning = keyword.meanings.get("en") or keyword.meanings.get("fr", "")
    suffix = _KIND_PREFIX[kind] + ("" if kind in ("header", "subject", "opening", "adoption", "notes") else f"-{ordinal}")
    return Clause(clause_id=f"{doc.doc_id}/{suffix}", doc_id=doc.doc_id, doc_title=doc.title,
                  kind=kind, ordinal=ordinal, label=label, language=lang, text=text, start=start,
                  end=end, position=position, label_meaning=meaning, segments=segments(text))


_ANNEX = re.compile(r"(?:ANNEX|Annex|ANNEXE|Annexe|ANEXO|Anexo)(?:\s+[IVX\dA-Z]{1,5})?\s*")
_FOOTNOTE = re.compile(r"\s*\d{1,3}\s+\S")
class _Clauses(list):
    """A document's clauses as they are read: `add` cleans the span [a, b) of the text, skips it
    when nothing is left, and numbers it within its kind (the third preamble is pre-3)."""

    def __init__(self, doc: Document, lang: str) -> None:
        super().__init__()
        self.doc, self.lang = doc, lang
        self.per_kind: dict[str, int] = {}

    def add(self, kind: str, label: str, a: int, b: int, kw: Keyword | None = None) -> None:
        span = clean(self.doc.text, a, b)
        if span.text:
            self.per_kind[kind] = ordinal = self.per_kind.get(kind, 0) + 1
            self.append(_make(self.doc, self.lang, kind, ordinal, len(self), label, span, kw))


ANNEX_CHARS = 1500  # an annex is cut into pieces of about this size, at paragraph ends


def _paragraphs(raw: str, lines: list[_Line], a: int, b: int) -> list[tuple[int, int]]:
    """Blank-line separated paragraphs of raw[a:b], as source spans."""
    out: list[tuple[int, int]] = []
    cur: list[_Line] = []
    for ln in [*(x for x in lines if a <= x.start < b), _Line(b, b, "")]:
        if ln.text.strip() and ln.start < b:
            cur.append(ln)
        elif cur:
            out.append((cur[0].start, min(cur[-1].end, b)))
            cur = []
    return out


def _notes_start(raw: str, lines: list[_Line], after: int, stop: int) -> int | None:
    """Where the footnotes at the foot of a UN text begin ("46 Ibid., Supplement …"): a line
    after a blank one, starting with a number and a word, after a finished sentence."""
    prev_blank = False
    for ln in lines:
        if ln.start <= after or ln.start >= stop:
            prev_blank = not ln.text.strip()
            continue
        if prev_blank and _FOOTNOTE.match(ln.text) and not _NUMBERING.match(ln.text.strip()) \
                and _prev_char(raw, ln.start) in ".;)":
            return ln.start
        prev_blank = not ln.text.strip()
    return None


def parse_resolution(doc: Document) -> list[Clause] | None:
    """Clauses of a resolution, or None when the text does not have a resolution's structure."""
    raw, lines = doc.text, _lines(doc.text)
    lex = lexicon()["structure"]
    lang = language.detect(raw)
    subject = _find_line(lines, lex["subject"], need_colon=True, before=len(raw) // 2 + 1)
    floor = subject.end if subject else 0
    opening = None if subject else _opening_line(lines, len(raw) // 2 + 1)
    if opening is None and not subject:  # "1. The Security Council requests …" (1946)
        pats = "|".join(lex["opening_patterns"])
        first = next((ln for ln in lines if re.match(rf"\s*1\.\s+(?:{pats})\s+[a-z]", ln.text)), None)
        opening = _Line(first.start, first.start, "") if first else None
    layout = _Layout(opening, lang == "en") if opening else None
    annex = None
    if layout:
        annex = next((ln.start for ln in lines if ln.start > opening.end and _ANNEX.fullmatch(ln.text.strip())), None)
        lines_in = [ln for ln in lines if annex is None or ln.start < annex]
    else:
        lines_in = lines
    starts = _clause_starts(raw, lines_in, floor, layout)
    if not any(s.kind == "operative" for s in starts) or (len(starts) < 2 and layout is None):
        return None
    end = annex if annex is not None else len(raw)
    adoption = (_find_line(lines_in, lex["adoption"], after=starts[-1].pos + 1)
                or _find_pattern(lines_in, lex["adoption_patterns"], after=starts[-1].pos + 1))
    stop = adoption.start if adoption else end
    # An adoption word must stand alone on a short line at the end, not open a sentence.
    if adoption and (len(adoption.text.strip()) > 120 or _prev_char(raw, adoption.start) not in ".;"):
        adoption, stop = None, end
    notes = None
    if layout:  # the UN's footnotes follow the adoption line, or the last clause
        if adoption:
            para = _paragraphs(raw, lines, adoption.start, end)
            notes = para[1][0] if len(para) > 1 else None
        else:
            notes = _notes_start(raw, lines, starts[-1].pos, end)
            stop = notes if notes is not None else stop

    out = _Clauses(doc, lang)
    add = out.add

    first = starts[0].pos
    if subject:
        add("header", "", 0, subject.start)
        # The subject may wrap: it runs to the first blank line.
        sub_end = subject.end
        for ln in lines:
            if ln.start > subject.start and ln.start < first:
                if not ln.text.strip():
                    break
                sub_end = ln.end
        add("subject", subject.text.split(":", 1)[0].strip(), subject.start, sub_end)
        add("opening", "", sub_end, first)
    elif opening and opening.start < first:
        add("header", "", 0, opening.start)
        add("opening", "", opening.start, first)
    elif opening:  # "Whereas …" before "The Security Council": the header runs to the first clause
        add("header", "", 0, first)
    else:
        add("opening", "", 0, first)
    for s, nxt in zip(starts, [*(t.pos for t in starts[1:]), stop]):
        add(s.kind, s.label, s.pos, nxt, s.keyword)
    if adoption:
        first_line = adoption.text.strip()
        label = first_line.split()[0] if any(first_line.startswith(w) for w in lex["adoption"]) else first_line
        add("adoption", label, adoption.start, notes if notes is not None else end)
    if notes is not None:
        add("notes", "", notes, end)
    if annex is not None:
        _add_annex(raw, lines, annex, add)
    return list(out)


def _add_annex(raw: str, lines: list[_Line], annex: int, add) -> None:
    """An annex (a list of goods, a report) in pieces of about ANNEX_CHARS, cut at paragraph ends;
    each piece is labelled with the annex heading that governs it ("Annex B")."""
    label, a, b = "", None, annex
    for pa, pb in _paragraphs(raw, lines, annex, len(raw)):
        text = raw[pa:pb].strip().split("\n")[0].strip()
        if _ANNEX.fullmatch(text):
            if a is not None:
                add("annex", label, a, b)
            label, a = text, pa
        elif a is None:
            a = pa
        elif pb - a > ANNEX_CHARS:
            add("annex", label, a, b)
            a = pa
        b = pb
    if a is not None:
        add("annex", label, a, b)


_MD_HEADING = re.compile(r"(#{1,6})\s+(.+?)\s*")
_ARTICLE_HEADING = re.compile(r"\S+\s+(?:\d{1,3}|premier|primero|first)", re.IGNORECASE)


def parse_declaration(doc: Document) -> list[Clause] | None:
    """A declaration in Markdown (the Universal Declaration): a title, a preamble of clauses
    ("Whereas …", "Considérant que …"), the body's proclamation, then articles under headings
    ("## Article 19"), each its own clause labelled by its heading. None for other texts."""
    raw, lines = doc.text, _lines(doc.text)
    heads = [(ln, m) for ln in lines if (m := _MD_HEADING.fullmatch(ln.text.strip()))]
    articles = [(ln, m.group(2)) for ln, m in heads
                if len(m.group(1)) >= 2 and _ARTICLE_HEADING.fullmatch(m.group(2))]
    if len(articles) < 3:
        return None
    lang = language.detect(raw)
    out = _Clauses(doc, lang)
    add = out.add

    title = next((ln for ln, m in heads if len(m.group(1)) == 1), None)
    sections = [ln for ln, m in heads if len(m.group(1)) == 2]
    first_article = articles[0][0].start
    if title is not None:
        add("header", "", title.start, sections[0].start if sections else first_article)
    pre_head = sections[0] if sections and sections[0].start < first_article else None
    paras = _paragraphs(raw, lines, pre_head.end if pre_head else first_article, first_article)
    opening = _opening_line([_Line(a, b, raw[a:b]) for a, b in paras], first_article)
    cut = next((i for i, (a, _) in enumerate(paras) if opening and a == opening.start), len(paras))
    lead_in = cut - 1 if 0 < cut < len(paras) and len(raw[paras[cut - 1][0]:paras[cut - 1][1]].split()) <= 4 else cut
    for a, b in paras[:lead_in]:
        words = raw[a:b].split()
        label = " ".join(words[:2]) if lang == "" or raw[a:b][:1] in "لو" else words[0].rstrip(",")
        head = raw[a:b].split(",")[0].split()
        label = " ".join(head) if len(head) <= 3 else label
        add("preamble", label, a, b)
    if cut < len(paras):
        add("opening", "", paras[lead_in][0], paras[cut][1])
        rest = paras[cut + 1:]
        if rest:
            procl = re.compile("|".join(lexicon()["structure"]["proclamation"]), re.IGNORECASE)
            verb = procl.search(raw[paras[lead_in][0]:rest[0][1]])
            hit = match_keyword(verb.group(0).capitalize()) if verb else None
            add("operative", verb.group(0) if verb else "", rest[0][0], rest[-1][1], hit[0] if hit else None)
    for (ln, label), nxt in zip(articles, [*(x[0].start for x in articles[1:]), len(raw)]):
        add("article", label, ln.end, nxt)
    return list(out)


def _tokenizer():
    from resqa.config import tiktoken_cache_dir

    tiktoken_cache_dir()
    from llama_index.core.utils import get_tokenizer

    return get_tokenizer()


_HEADING = re.compile(r"^(?:#{1,6}\s+\S|(?:Article|ARTICLE|Art\.|Chapitre|CHAPITRE|Chapter|CHAPTER|"
                      r"Section|SECTION|Titre|TITRE|Title|TITLE|Annexe|ANNEX|Annex)\b)")


def chunk_generic(doc: Document) -> list[Clause]:
    """Structure-aware fallback: a heading (markdown, Article, Chapitre…) opens a chunk; paragraphs
    are packed up to CHUNK_TOKENS tokens; longer paragraphs go through llama-index's SentenceSplitter."""
    from llama_index.core.node_parser import SentenceSplitter

    tok = _tokenizer()
    raw, lang = doc.text, language.detect(doc.text)
    paras: list[tuple[int, int, str]] = []  # source start, end, first line
    cur: list[_Line] = []
    for ln in [*_lines(raw), _Line(len(raw), len(raw), "")]:
        if not ln.text.strip() or (_HEADING.match(ln.text.strip()) and cur):
            if cur:
                paras.append((cur[0].start, cur[-1].end, cur[0].text.strip()))
                cur = []
            if ln.text.strip():
                cur = [ln]
            continue
        cur.append(ln)
    groups: list[tuple[int, int, str]] = []
    budget = 0
    for a, b, first in paras:
        n = len(tok(raw[a:b]))
        heading = bool(_HEADING.match(first))
        if groups and not heading and budget + n <= CHUNK_TOKENS:
            ga, _, label = groups[-1]
            groups[-1] = (ga, b, label)
            budget += n
        else:
            label = first[:80] if heading else ""
            groups.append((a, b, label))
            budget = n
    splitter = SentenceSplitter(chunk_size=CHUNK_TOKENS * 2, chunk_overlap=0, tokenizer=tok)
    out: list[Clause] = []
    for a, b, label in groups:
        span = clean(raw, a, b)
        pieces = [span.text] if len(tok(span.text)) <= CHUNK_TOKENS * 2 else splitter.split_text(span.text)
        pos = 0
        for piece in pieces:
            at = span.text.find(piece, pos)
            if at < 0:  # the splitter changed the text; keep the unsplit span rather than lose it
                piece, at = span.text[pos:], pos
            sub = Cleaned(piece, span.offsets[at:at + len(piece)])
            pos = at + len(piece)
            if piece.strip():
                out.append(_make(doc, lang, "chunk", len(out) + 1, len(out), label, sub))
    return out


def parse(doc: Document) -> list[Clause]:
    return parse_declaration(doc) or parse_resolution(doc) or chunk_generic(doc)
