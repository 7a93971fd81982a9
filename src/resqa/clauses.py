"""Document -> Clause list: the structure of a resolution or a declaration, or a generic chunking fallback.

A resolution is read in parts: a header (the reference, the date), the subject line or the
opening line naming the body that speaks ("The Security Council,"), its clauses (where each
starts is boundaries.py's work), the adoption line, the UN's footnotes, and any annex, cut into
pieces. A declaration in Markdown (the Universal Declaration) is a preamble and articles under
headings. Any other text is chunked at headings and paragraphs. Every clause keeps the source
offsets of its text (clean.py) and its quotable segments.
"""

from __future__ import annotations

import re

from resqa import language
from resqa.boundaries import NUMBERING, Layout, Line, clause_starts, lines_of, opening_line, prev_char
from resqa.clean import Cleaned, clean
from resqa.lexicon import CLAUSE_KINDS, Keyword, kind_description, lexicon, match_keyword
from resqa.model import Clause, Document

_KIND_PREFIX = {"header": "head", "subject": "subject", "opening": "open", "preamble": "pre",
                "operative": "op", "adoption": "adopt", "notes": "notes", "annex": "annex",
                "article": "art", "chunk": "chunk"}
MIN_SEGMENT_WORDS = 6
CHUNK_TOKENS = 320


# The languages whose keyword meanings are indexed beside each clause (gloss). The Russian and
# Arabic meanings of lexicon.toml frame answers and meet questions through the clause's label
# (retrieve._label_stems) but are not indexed: adding them would change every clause's text.
GLOSS_LANGUAGES = ("en", "fr", "es", "de")


def gloss(clause: Clause) -> str:
    """What is indexed beside a clause: its kind and the meaning of its keyword, in several languages."""
    if clause.kind not in CLAUSE_KINDS:
        return lexicon()["gloss"].get(clause.kind, "")
    kw = match_keyword(clause.label)
    meanings = "; ".join(v for lang, v in kw[0].meanings.items() if lang in GLOSS_LANGUAGES) if kw else ""
    kinds = " / ".join(kind_description(clause.kind, lang) for lang in GLOSS_LANGUAGES)
    return f"{clause.label} ({meanings}) — {kinds}"


def body_of(text: str) -> str | None:
    """The body a resolution speaks for ("Security Council", "INTERPOL General Assembly"), read
    from its opening line ("The Security Council,"), else from the first lines that name one
    (lexicon `bodies`); None when the text names none."""
    bodies = lexicon()["bodies"]
    head = text[:8000]
    opening = opening_line(lines_of(head), len(head))
    for where in ([opening.text] if opening else []) + [head[:3000]]:
        for name, spec in bodies.items():
            if any(re.search(p, where) for p in spec["patterns"]):
                return name
    return None


# ------------------------------------------------------------------ finding lines
def _find_pattern(lines: list[Line], patterns: list[str], after: int = 0) -> Line | None:
    """The first line from `after` on that one of the regular expressions matches at its start."""
    for ln in lines:
        if ln.start >= after and any(re.match(p, ln.text.strip()) for p in patterns):
            return ln
    return None


def _find_line(lines: list[Line], words: list[str], after: int = 0, before: int | None = None,
               need_colon: bool = False) -> Line | None:
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


def _paragraphs(raw: str, lines: list[Line], a: int, b: int) -> list[tuple[int, int]]:
    """Blank-line separated paragraphs of raw[a:b], as source spans."""
    out: list[tuple[int, int]] = []
    cur: list[Line] = []
    for ln in [*(x for x in lines if a <= x.start < b), Line(b, b, "")]:
        if ln.text.strip() and ln.start < b:
            cur.append(ln)
        elif cur:
            out.append((cur[0].start, min(cur[-1].end, b)))
            cur = []
    return out


def _notes_start(raw: str, lines: list[Line], after: int, stop: int) -> int | None:
    """Where the footnotes at the foot of a UN text begin ("46 Ibid., Supplement …"): a line
    after a blank one, starting with a number and a word, after a finished sentence."""
    prev_blank = False
    for ln in lines:
        if ln.start <= after or ln.start >= stop:
            prev_blank = not ln.text.strip()
            continue
        if prev_blank and _FOOTNOTE.match(ln.text) and not NUMBERING.match(ln.text.strip()) \
                and prev_char(raw, ln.start) in ".;)":
            return ln.start
        prev_blank = not ln.text.strip()
    return None


def parse_resolution(doc: Document) -> list[Clause] | None:
    """Clauses of a resolution, or None when the text does not have a resolution's structure."""
    raw, lines = doc.text, lines_of(doc.text)
    lex = lexicon()["structure"]
    lang = language.detect(raw)
    subject = _find_line(lines, lex["subject"], need_colon=True, before=len(raw) // 2 + 1)
    floor = subject.end if subject else 0
    opening = None if subject else _opening(lines, len(raw), lex["opening_patterns"])
    layout = Layout(opening, lang == "en") if opening else None
    annex = None
    if layout:
        annex = next((ln.start for ln in lines if ln.start > opening.end and _ANNEX.fullmatch(ln.text.strip())), None)
        lines_in = [ln for ln in lines if annex is None or ln.start < annex]
    else:
        lines_in = lines
    starts = clause_starts(raw, lines_in, floor, layout)
    if not any(s.kind == "operative" for s in starts) or (len(starts) < 2 and layout is None):
        return None
    end = annex if annex is not None else len(raw)
    adoption, notes, stop = _ending(raw, lines, lines_in, starts[-1].pos, end, layout is not None)

    out = _Clauses(doc, lang)
    add = out.add
    _add_head(add, lines, subject, opening, starts[0].pos)
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


def _opening(lines: list[Line], n_chars: int, patterns: list[str]) -> Line | None:
    """The opening line ("The Security Council,") in the first half of the text; failing that, an
    empty line at the start of a first paragraph that names the body ("1. The Security Council
    requests …", 1946)."""
    opening = opening_line(lines, n_chars // 2 + 1)
    if opening is None:
        pats = "|".join(patterns)
        first = next((ln for ln in lines if re.match(rf"\s*1\.\s+(?:{pats})\s+[a-z]", ln.text)), None)
        opening = Line(first.start, first.start, "") if first else None
    return opening


def _ending(raw: str, lines: list[Line], lines_in: list[Line], last: int, end: int,
            un_layout: bool) -> tuple[Line | None, int | None, int]:
    """What follows the last clause (which starts at `last`): the adoption line, where the UN's
    footnotes begin, and where the last clause stops."""
    lex = lexicon()["structure"]
    adoption = (_find_line(lines_in, lex["adoption"], after=last + 1)
                or _find_pattern(lines_in, lex["adoption_patterns"], after=last + 1))
    stop = adoption.start if adoption else end
    record = re.compile(rf"\s*(?:{'|'.join(map(re.escape, lex['adoption']))})\b[^.;]{{0,100}}?"
                        rf"\b(?:{'|'.join(map(re.escape, lex['meeting']))})\b")
    # An adoption word must stand alone on a short line at the end, not open a sentence; but a
    # record of the meeting ("Adopted without a vote at\nthe 1776th meeting.") is the adoption line
    # whatever the OCR left at the end of the last paragraph ("…in the United Nations", "…Force,").
    if adoption and (len(adoption.text.strip()) > 120 or (prev_char(raw, adoption.start) not in ".;"
                                                          and not record.match(raw, adoption.start))):
        adoption, stop = None, end
    notes = None
    if un_layout:  # the UN's footnotes follow the adoption line, or the last clause
        if adoption:
            para = _paragraphs(raw, lines, adoption.start, end)
            notes = para[1][0] if len(para) > 1 else None
        else:
            notes = _notes_start(raw, lines, last, end)
            stop = notes if notes is not None else stop
    return adoption, notes, stop


def _add_head(add, lines: list[Line], subject: Line | None, opening: Line | None, first: int) -> None:
    """The header, subject and opening clauses: whatever stands before the first clause at `first`."""
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


def _add_annex(raw: str, lines: list[Line], annex: int, add) -> None:
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
    raw, lines = doc.text, lines_of(doc.text)
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
    opening = opening_line([Line(a, b, raw[a:b]) for a, b in paras], first_article)
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
    cur: list[Line] = []
    for ln in [*lines_of(raw), Line(len(raw), len(raw), "")]:
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
