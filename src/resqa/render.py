"""Answer -> text, Markdown and HTML. Pure functions: the page and the CLI only call these.

Document text is untrusted: in Markdown every character Markdown or HTML could act on is
escaped, and in HTML everything goes through html.escape, so a clause holding `<script>` or
`[link](javascript:…)` shows as the characters it is."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlencode

from resqa import data
from resqa.model import Answer, Citation, Clause
from resqa.verify import elided

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")
def page_text(key: str, lang: str = "en", **fields: str) -> str:
    """A label of the page around an answer (data/templates.toml), in the answer's language,
    English where that language has none: a citation's kind, its link, the feedback buttons."""
    tables = data.toml("templates.toml")
    text = tables.get(lang, {}).get(key) or tables["en"].get(key, key)
    return text.format(**fields) if fields else text


def kind_name(kind: str, lang: str = "en") -> str:
    """"Operative — what it decides or calls for", "Dispositif — ce qui est décidé ou demandé"."""
    return page_text(f"kind_{kind}", lang) if f"kind_{kind}" in data.toml("templates.toml")["en"] else kind.capitalize()


def md_escape(text: str) -> str:
    """Escape text so Markdown renders it literally (and raw HTML stays inert)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def citation_heading(c: Citation | Clause, lang: str = "en", with_kind: bool = True) -> str:
    """"Operative — what it decides or calls for · Calls upon · S/RES/27 (1947)/op-1" (the kind
    left out where a badge already shows it)."""
    clause = c.clause if isinstance(c, Citation) else c
    parts = [kind_name(clause.kind, lang) if with_kind else "", clause.label, clause.clause_id]
    return " · ".join(p for p in parts if p)


def answer_to_text(answer: Answer) -> str:
    """Plain text for the terminal."""
    lines = [answer.text, ""]
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.clause.clause_id} ({c.clause.kind}, {c.clause.label or '-'})")
        lines.append(f"    «{elided(c.quote, c.clause.text)}»")
    for c in answer.related:
        lines.append(f"related: {c.clause.clause_id} ({c.clause.kind}) — {c.clause.text[:120]}…")
    if answer.also:
        lines.append(answer.also_heading)
    for c in answer.also:
        lines.append(f"    {c.clause.clause_id} ({c.clause.kind}, {c.clause.label or '-'})")
        lines.append(f"    «{elided(c.quote, c.clause.text)}»")
    return "\n".join(lines).rstrip()


def doc_href(doc_id: str, clause_id: str | None = None, quote: str | None = None, base_url: str = "") -> str:
    """The link that opens a document (and scrolls to a clause, highlighting the quote) in the
    Library page: `<base>/library?doc=<id>&clause=<clause id>&q=<quote>`, every value URL-encoded
    (ids hold "/" and spaces)."""
    params = {"doc": doc_id}
    if clause_id:
        params["clause"] = clause_id
    if quote:
        params["q"] = quote[:300]
    return f"{base_url.rstrip('/')}/library?{urlencode(params)}"


def _quote_block(c: Citation, with_number: bool = True, base_url: str | None = None, lang: str = "en",
                 with_kind: bool = True) -> str:
    head = f"**[{c.n}]** " if with_number else ""
    heading = md_escape(citation_heading(c, lang, with_kind))
    if base_url is not None:
        heading = f"[{heading}]({doc_href(c.clause.doc_id, c.clause.clause_id, c.quote, base_url)})"
    return f"{head}{heading} — *{md_escape(c.clause.doc_title)}*\n\n> {md_escape(elided(c.quote, c.clause.text))}"


def answer_body_markdown(answer: Answer, isolate: bool = True) -> str:
    """The composed answer text, escaped, keeping its [n] markers and paragraphs, each quote set
    apart as its own direction run (isolate_quotes) unless `isolate` is false."""
    paras = [re.sub(r"\\\[(\d+)\\\]", r"[\1]", md_escape(p)) for p in answer.text.split("\n\n")]
    body = "\n\n".join(paras)
    return isolate_quotes(body, rtl=answer.language in RTL_LANGUAGES) if isolate else body


# Unicode's directional isolates (UAX #9): first-strong, right-to-left, and their end; and the
# right-to-left mark.
FSI, RLI, PDI, RLM = "\u2068", "\u2067", "\u2069", "\u200f"


def isolate_quotes(text: str, rtl: bool = False) -> str:
    """Each «…» quote of an answer wrapped in FSI…PDI, inside its guillemets, so the browser lays
    it out in its own direction: an English clause quoted in an Arabic sentence keeps its "1." and
    full stop where the clause has them, and its guillemets stay around it. Guillemets a quote
    itself holds (French texts quote with them) stay inside the outer isolate. In a right-to-left
    answer (`rtl`) a mark after each quote keeps the "[1]" that follows on the sentence's side."""
    out, depth = [], 0
    for ch in text:
        if ch == "»" and depth:
            depth -= 1
            if not depth:
                out += [PDI, ch] + ([RLM] if rtl else [])
                continue
        out.append(ch)
        if ch == "«":
            depth += 1
            if depth == 1:
                out.append(FSI)
    if depth:  # an unclosed quote (a cut stream): close the isolate, or it runs on
        out.append(PDI)
    return "".join(out)


# Every paragraph, list item, heading and quote of the page takes its direction from its own first
# letter (as dir="auto" would): an Arabic answer or question reads right to left and starts at the
# right, the English clause it quotes below it stays left to right. Only stylesheet rules, so
# st.html puts them in the page's head and they take no room.
PAGE_STYLE = """<style>
[data-testid="stMarkdownContainer"] :is(p, li, blockquote, h1, h2, h3, h4),
[data-testid="stChatInputTextArea"] { unicode-bidi: plaintext; text-align: start; }
</style>"""


def page_label(text: str, lang: str) -> str:
    """A label of the page (a button, a link) in the answer's language, as a right-to-left isolate
    when that language is written right to left: a link label "فتح S/RES/673 (1990)/op-1 في
    وثيقته" then reads in its own order inside Streamlit's left-to-right widgets."""
    return f"{RLI}{text}{PDI}" if lang in RTL_LANGUAGES else text


def citation_markdown(c: Citation, with_number: bool = True, base_url: str | None = None, lang: str = "en",
                      with_kind: bool = True) -> str:
    """One citation: heading (kind, label, clause id, document; in the answer's language `lang`)
    and the verbatim quote; with a base URL ("" = this server) the heading links to the clause
    in its document."""
    return _quote_block(c, with_number, base_url, lang, with_kind) if c.verified else ""


def answer_to_markdown(answer: Answer, base_url: str | None = None) -> str:
    """The answer body with its quotes as block quotes; only verified citations are quoted. A file
    is read in editors too, where the direction isolates are stray characters: only a right-to-left
    answer keeps them."""
    parts = [answer_body_markdown(answer, isolate=answer.language in RTL_LANGUAGES)]
    lang = answer.language
    for c in answer.citations:
        if c.verified:
            parts.append(_quote_block(c, base_url=base_url, lang=lang))
    if not answer.answerable:
        for c in answer.related:
            if c.verified:
                parts.append(_quote_block(c, with_number=False, base_url=base_url, lang=lang))
    if answer.also:
        parts.append(f"*{md_escape(answer.also_heading)}*")
        parts += [_quote_block(c, with_number=False, base_url=base_url, lang=lang) for c in answer.also if c.verified]
    return "\n\n".join(parts)


def clause_html(clause: Clause, highlight: str | None = None) -> str:
    """A clause as escaped HTML, with the quoted span (if found verbatim) in <mark>."""
    text = clause.text
    if highlight:
        i = text.find(highlight)
        if i >= 0:
            j = i + len(highlight)
            return (f"{html.escape(text[:i])}<mark>{html.escape(text[i:j])}</mark>{html.escape(text[j:])}")
    return html.escape(text)


def conversation_to_markdown(turns: Iterable[tuple[str, Answer]], base_url: str | None = None) -> str:
    """A transcript for export: each question, its answer and its verbatim citations (linked to
    their clauses under `base_url` when given)."""
    out = ["# resqa conversation", ""]
    for q, a in turns:
        out += [f"## Q: {md_escape(q)}", "", answer_to_markdown(a, base_url), ""]
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------ the document view
RTL_LANGUAGES = {"ar", "arb", "he", "fa", "ur", "ps", "yi"}
_MD_HEADING = re.compile(r"#{1,6}[ \t]+")
_SUB_ITEM = re.compile(r"(?<=[\s:;,])\((?:[a-z]|[ivx]{1,5})\)\s")  # "(a) ", "(iv) " inside a clause


def text_direction(language: str, text: str = "") -> str:
    """"rtl" for Arabic, Hebrew, Persian… (by language code, else by the letters of `text`), else "ltr"."""
    if language.lower() in RTL_LANGUAGES:
        return "rtl"
    letters = [ch for ch in text[:20_000] if ch.isalpha()]
    rtl = sum(unicodedata.bidirectional(ch) in ("R", "AL") for ch in letters)
    return "rtl" if letters and rtl > len(letters) / 2 else "ltr"


def clause_anchor(clause_id: str) -> str:
    """An HTML id for a clause: its id with every character outside [A-Za-z0-9-] as `_`."""
    return "c-" + re.sub(r"[^A-Za-z0-9-]", "_", clause_id)


def _marked(text: str, lo: int, hi: int, mark: tuple[int, int] | None) -> str:
    """text[lo:hi] escaped, with its overlap with `mark` (offsets into text) in <mark>."""
    if not mark or mark[1] <= lo or mark[0] >= hi:
        return html.escape(text[lo:hi])
    a, b = max(lo, mark[0]), min(hi, mark[1])
    return f"{html.escape(text[lo:a])}<mark>{html.escape(text[a:b])}</mark>{html.escape(text[b:hi])}"


def _clause_body(clause: Clause, highlight: str | None) -> str:
    """The clause text escaped, its sub-items "(a) … (b) …" as a list, the quote (if verbatim) marked."""
    text = clause.text
    mark = None
    if highlight and (i := text.find(highlight)) >= 0:
        mark = (i, i + len(highlight))
    if clause.kind == "header" and (heading := _MD_HEADING.match(text)):
        # a Markdown file's "# Universal Declaration of Human Rights": the words, not the marker
        return _marked(text, heading.end(), len(text), mark)
    cuts = [m.start() for m in _SUB_ITEM.finditer(text)]
    if len(cuts) < 2:
        return _marked(text, 0, len(text), mark)
    bounds = [0, *cuts, len(text)]
    items = "".join(f"<li>{_marked(text, a, b, mark)}</li>" for a, b in zip(bounds[1:-1], bounds[2:]))
    return f"{_marked(text, 0, cuts[0], mark)}<ul class='sub-items'>{items}</ul>"


SECTION_NAMES = {"preamble": "Preamble", "operative": "Operative paragraphs", "article": "Articles"}
ADDRESS = {"preamble": "PP", "operative": "OP", "article": "Art."}


def document_html(title: str, clauses: Sequence[Clause], *, focus: str | None = None, quote: str | None = None,
                  links: Mapping[str, Sequence[tuple[str, str]]] | None = None, language: str = "") -> str:
    """A document laid out by its structure: header, subject and opening, then numbered preambular
    and operative paragraphs (sub-items as lists), then the adoption line. Each clause is an element
    with an id (clause_anchor) and a data-clause attribute; `focus` is outlined and its `quote`
    marked; `links` maps a clause id to (label, href) pairs shown after it (resolutions it cites).
    Right-to-left documents get dir="rtl". All document text is escaped."""
    links = links or {}
    sample = " ".join(c.text for c in clauses[:40])
    direction = text_direction(language or (clauses[0].language if clauses else ""), sample)
    out = [f"<article class='resqa-doc' dir='{direction}' lang='{html.escape(language or '')}'>",
           f"<h2>{html.escape(title)}</h2>"]
    section = None
    for c in clauses:
        kind_section = SECTION_NAMES.get(c.kind)
        if kind_section != section:
            if section:
                out.append("</ol>")
            if kind_section:
                out.append(f"<h4>{kind_section}</h4><ol class='{c.kind}' style='list-style:none;padding-left:0'>")
            section = kind_section
        focused = c.clause_id == focus
        style = " style='outline:2px solid #f0b400;padding:.2em;'" if focused else ""
        body = _clause_body(c, quote if focused else None)
        refs = "".join(f" <a class='recalls' href='{html.escape(href, quote=True)}' target='_self'>"
                       f"{html.escape(label)}</a>" for label, href in links.get(c.clause_id, ()))
        refs = f"<div class='refs'>→{refs}</div>" if refs else ""
        attrs = (f"id='{clause_anchor(c.clause_id)}' data-clause='{html.escape(c.clause_id, quote=True)}' "
                 f"class='clause {c.kind}{' focus' if focused else ''}'{style}")
        tag = "li" if kind_section else "p"
        # the clause's own address (PP 3, OP 2), linking to itself: the text keeps its own numbering
        # (an article's is its heading as written: "Article 19", "المادة 19")
        address = html.escape(c.label) if c.kind == "article" and c.label else f"{ADDRESS.get(c.kind, '')} {c.ordinal}"
        # its own direction run: "المادة 14" before "1. لكل فرد…" would read "المادة 141 ."
        number = (f"<a class='address' href='#{clause_anchor(c.clause_id)}' style='font-size:.75em;color:#888;"
                  f"margin-inline-end:.5em;text-decoration:none;unicode-bidi:isolate'>{address}</a>"
                  if kind_section else "")
        out.append(f"<{tag} {attrs}>{number}{body}{refs}</{tag}>")
    if section:
        out.append("</ol>")
    out.append("</article>")
    return "".join(out)
