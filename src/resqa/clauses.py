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
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from resqa import language
from resqa.clean import Cleaned, clean
from resqa.model import Clause, Document

CLAUSE_KINDS = ("preamble", "operative")
_KIND_PREFIX = {"header": "head", "subject": "subject", "opening": "open", "preamble": "pre",
                "operative": "op", "adoption": "adopt", "chunk": "chunk"}
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
    with resources.files("resqa.data").joinpath("lexicon.toml").open("rb") as fh:
        return tomllib.load(fh)


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
        return None
    written = m.group(0)
    for kw in keywords():
        if written.upper().startswith(kw.text) and len(written) - len(kw.text) <= 2:
            return kw, written
    return None


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


def _prev_char(raw: str, pos: int) -> str:
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


def _clause_starts(raw: str, lines: list[_Line], floor: int) -> list[_Start]:
    starts: list[_Start] = []
    for ln in lines:
        if ln.start < floor:
            continue
        body = ln.text.lstrip(" \t\f\u00a0")
        lead = len(ln.text) - len(body)
        num = _NUMBERING.match(body)
        offset = lead + (num.end() if num else 0)
        candidates = [offset]
        # Two clauses run together on one line: a capital keyword right after "," or ";".
        candidates += [m.end() for m in re.finditer(r"[,;]\s+(?=[A-ZÀ-Ý]{4})", ln.text)]
        for off in candidates:
            hit = match_keyword(ln.text[off:])
            if not hit:
                continue
            pos = ln.start + off
            if _prev_char(raw, pos) not in _ENDS_CLAUSE and pos != floor:
                continue
            kw, written = hit
            rest = ln.text[off + len(written):off + len(written) + 3]
            if rest.strip() and rest.strip()[:1].isupper() and rest.strip()[:2].isupper():
                continue  # an all-capitals heading, not a clause opening
            if not written.isupper() and not _sentence_case_start(kw, raw, pos, bool(num), off == offset):
                continue
            # A paragraph number belongs to its clause ("2. Urges …"), not to the end of the last one.
            starts.append(_Start(ln.start + lead if num and off == offset else pos, kw.kind, written, kw))
            break
    return starts


def _sentence_case_start(kw: Keyword, raw: str, pos: int, numbered: bool, line_start: bool) -> bool:
    """A keyword in sentence case ("Recalling", "Urges") opens a clause only where the UN's layout
    puts one, since ordinary prose starts sentences with such words too: a preambular keyword at
    the start of a line after a comma (preambular clauses end with one), an operative keyword
    after its paragraph number ("2. Urges")."""
    if not line_start:
        return False
    if kw.kind == "operative":
        return numbered
    return _prev_char(raw, pos) == ","


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
    suffix = _KIND_PREFIX[kind] + ("" if kind in ("header", "subject", "opening", "adoption") else f"-{ordinal}")
    return Clause(clause_id=f"{doc.doc_id}/{suffix}", doc_id=doc.doc_id, doc_title=doc.title,
                  kind=kind, ordinal=ordinal, label=label, language=lang, text=text, start=start,
                  end=end, position=position, label_meaning=meaning, segments=segments(text))


def parse_resolution(doc: Document) -> list[Clause] | None:
    """Clauses of a resolution, or None when the text does not have a resolution's structure."""
    raw, lines = doc.text, _lines(doc.text)
    lex = lexicon()["structure"]
    lang = language.detect(raw)
    subject = _find_line(lines, lex["subject"], need_colon=True, before=len(raw) // 2 + 1)
    floor = subject.end if subject else 0
    starts = _clause_starts(raw, lines, floor)
    if len(starts) < 2 or not any(s.kind == "operative" for s in starts):
        return None
    adoption = (_find_line(lines, lex["adoption"], after=starts[-1].pos + 1)
                or _find_pattern(lines, lex["adoption_patterns"], after=starts[-1].pos + 1))
    stop = adoption.start if adoption else len(raw)
    # An adoption word must stand alone on a short line at the end, not open a sentence.
    if adoption and (len(adoption.text.strip()) > 120 or _prev_char(raw, adoption.start) not in ".;"):
        adoption, stop = None, len(raw)

    out: list[Clause] = []

    def add(kind: str, label: str, a: int, b: int, kw: Keyword | None = None) -> None:
        span = clean(raw, a, b)
        if span.text:
            ordinal = 1 + sum(1 for c in out if c.kind == kind)
            out.append(_make(doc, lang, kind, ordinal, len(out), label, span, kw))

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
    else:
        add("opening", "", 0, first)
    for s, nxt in zip(starts, [*(t.pos for t in starts[1:]), stop]):
        add(s.kind, s.label, s.pos, nxt, s.keyword)
    if adoption:
        first_line = adoption.text.strip()
        label = first_line.split()[0] if any(first_line.startswith(w) for w in lex["adoption"]) else first_line
        add("adoption", label, adoption.start, len(raw))
    return out


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
    return parse_resolution(doc) or chunk_generic(doc)
