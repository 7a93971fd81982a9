"""Answer -> text, Markdown and HTML. Pure functions: the page and the CLI only call these.

Document text is untrusted: in Markdown every character Markdown or HTML could act on is
escaped, and in HTML everything goes through html.escape, so a clause holding `<script>` or
`[link](javascript:…)` shows as the characters it is."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from resqa.model import Answer, Citation, Clause

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:])")
KIND_NAMES = {"preamble": "Preamble — context the Assembly recalls",
              "operative": "Operative — what the Assembly calls for",
              "opening": "Opening", "subject": "Subject", "header": "Header", "adoption": "Adoption",
              "chunk": "Passage"}


def md_escape(text: str) -> str:
    """Escape text so Markdown renders it literally (and raw HTML stays inert)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def citation_heading(c: Citation | Clause) -> str:
    clause = c.clause if isinstance(c, Citation) else c
    parts = [KIND_NAMES.get(clause.kind, clause.kind), clause.label, clause.clause_id]
    return " · ".join(p for p in parts if p)


def answer_to_text(answer: Answer) -> str:
    """Plain text for the terminal."""
    lines = [answer.text, ""]
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.clause.clause_id} ({c.clause.kind}, {c.clause.label or '-'})")
        lines.append(f"    «{c.quote}»")
    for c in answer.related:
        lines.append(f"related: {c.clause.clause_id} ({c.clause.kind}) — {c.clause.text[:120]}…")
    return "\n".join(lines).rstrip()


def _quote_block(c: Citation, with_number: bool = True) -> str:
    head = f"**[{c.n}]** " if with_number else ""
    return (f"{head}{md_escape(citation_heading(c))} — *{md_escape(c.clause.doc_title)}*\n\n"
            f"> {md_escape(c.quote)}")


def answer_body_markdown(answer: Answer) -> str:
    """The composed answer text, escaped, keeping its [n] markers and paragraphs."""
    paras = [re.sub(r"\\\[(\d+)\\\]", r"[\1]", md_escape(p)) for p in answer.text.split("\n\n")]
    return "\n\n".join(paras)


def citation_markdown(c: Citation, with_number: bool = True) -> str:
    """One citation: heading (kind, label, clause id, document) and the verbatim quote."""
    return _quote_block(c, with_number) if c.verified else ""


def answer_to_markdown(answer: Answer) -> str:
    """The answer body with its quotes as block quotes; only verified citations are quoted."""
    parts = [answer_body_markdown(answer)]
    for c in answer.citations:
        if c.verified:
            parts.append(_quote_block(c))
    if not answer.answerable:
        for c in answer.related:
            if c.verified:
                parts.append(_quote_block(c, with_number=False))
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


def conversation_to_markdown(turns: Iterable[tuple[str, Answer]]) -> str:
    """A transcript for export: each question, its answer and its verbatim citations."""
    out = ["# resqa conversation", ""]
    for q, a in turns:
        out += [f"## Q: {md_escape(q)}", "", answer_to_markdown(a), ""]
    return "\n".join(out).rstrip() + "\n"
