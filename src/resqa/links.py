"""Links between resolutions: which documents a clause recalls, and which recall a document.

A reference is found in a clause's text in one of two forms:
- a number and year, as the UN writes them: "its resolution 660 (1990)", "resolutions 508 (1982) and
  509 (1982)", "S/RES/242 (1967)". Only clauses that say "resolution" (in en/fr/es) are read, so
  "Article 25 (1945)"-like numbers elsewhere are not taken for resolutions;
- an identifier in INTERPOL's style: "AG-2005-RES-09", "GA-2021-89-RES-09".

Each is resolved against the library's ids and symbols in either spelling ("S/RES/660 (1990)" or the
slug "S-RES-660-1990"), so the graph does not depend on how ids are written. Pure: no index, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from resqa.model import Clause

_RESOLUTION_WORD = re.compile(r"r[ée]solu(?:tion|ci[óo]n)", re.IGNORECASE)
_NUMBER_YEAR = re.compile(r"(?<![\w/-])(?:[A-Z]{1,3}/RES/)?(\d{1,4})\s*\(\s*((?:19|20)\d\d)\s*\)")
_IDENTIFIER = re.compile(r"\b[A-Z]{2,5}-(?:19|20)\d\d(?:-\d{1,3})?-RES-\d{1,3}\b")
# an id or symbol that carries its own number and year: "S/RES/660 (1990)", "S-RES-660-1990"
_OWN_NUMBER_YEAR = re.compile(r"RES\W*(\d{1,4})\W*\(?\s*((?:19|20)\d\d)\)?$", re.IGNORECASE)


def key(identifier: str) -> str:
    """An identifier however punctuated: letters and digits, upper case."""
    return re.sub(r"[^0-9A-Z]", "", identifier.upper())


@dataclass(frozen=True)
class Link:
    source: str  # the citing document
    clause: str  # the clause that cites
    target: str  # the cited document (an id the library holds)
    text: str  # the words that cite it, as written ("660 (1990)")


@dataclass(frozen=True)
class Graph:
    recalls: dict[str, tuple[Link, ...]] = field(default_factory=dict)  # source doc -> its links
    recalled_by: dict[str, tuple[Link, ...]] = field(default_factory=dict)  # target doc -> links to it

    def of(self, doc_id: str) -> dict[str, Any]:
        """One document's links as JSON: what it recalls and what recalls it."""
        def rows(links: Iterable[Link], other: str) -> list[dict[str, str]]:
            return [{"document": getattr(ln, other), "clause": ln.clause, "text": ln.text} for ln in links]

        return {"document": doc_id, "recalls": rows(self.recalls.get(doc_id, ()), "target"),
                "recalled_by": rows(self.recalled_by.get(doc_id, ()), "source")}

    def to_json(self) -> dict[str, list[dict[str, str]]]:
        return {d: [{"document": ln.target, "clause": ln.clause, "text": ln.text} for ln in links]
                for d, links in sorted(self.recalls.items())}


class Library:
    """The documents a reference may resolve to, looked up by number+year and by identifier key."""

    def __init__(self, documents: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        self.by_number: dict[tuple[int, int], list[str]] = {}
        self.by_key: dict[str, str] = {}
        self.body: dict[str, str] = {}
        for doc_id, meta in documents:
            self.body[doc_id] = str(meta.get("body") or meta.get("organisation") or "")
            for name in {doc_id, str(meta.get("symbol") or "")} - {""}:
                self.by_key.setdefault(key(name), doc_id)
                m = _OWN_NUMBER_YEAR.search(name.strip())
                if m:
                    ids = self.by_number.setdefault((int(m.group(1)), int(m.group(2))), [])
                    if doc_id not in ids:
                        ids.append(doc_id)

    def resolve_number(self, number: int, year: int, citing: str) -> str | None:
        """The document numbered so; of several (two bodies), the citing document's own body first."""
        ids = [d for d in self.by_number.get((number, year), []) if d != citing]
        if not ids:
            return None
        same = [d for d in ids if self.body.get(d) == self.body.get(citing)]
        return (same or ids)[0]

    def resolve_identifier(self, identifier: str, citing: str) -> str | None:
        found = self.by_key.get(key(identifier))
        return found if found and found != citing else None


def references_in(clause: Clause, library: Library) -> list[Link]:
    """The library documents this clause cites, in the order the text names them, each once."""
    out: dict[str, Link] = {}
    text = clause.text
    if _RESOLUTION_WORD.search(text):
        for m in _NUMBER_YEAR.finditer(text):
            target = library.resolve_number(int(m.group(1)), int(m.group(2)), clause.doc_id)
            if target and target not in out:
                out[target] = Link(clause.doc_id, clause.clause_id, target, m.group(0).strip())
    for m in _IDENTIFIER.finditer(text):
        target = library.resolve_identifier(m.group(0), clause.doc_id)
        if target and target not in out:
            out[target] = Link(clause.doc_id, clause.clause_id, target, m.group(0))
    return list(out.values())


def build_graph(documents: Iterable[tuple[str, Mapping[str, Any]]], clauses: Iterable[Clause]) -> Graph:
    """Every link the clauses make to documents of the library; a document's own header is skipped
    (it names the document itself)."""
    library = Library(documents)
    recalls: dict[str, list[Link]] = {}
    recalled_by: dict[str, list[Link]] = {}
    for c in clauses:
        if c.kind == "header":
            continue
        for ln in references_in(c, library):
            recalls.setdefault(ln.source, []).append(ln)
            recalled_by.setdefault(ln.target, []).append(ln)
    return Graph({d: tuple(v) for d, v in recalls.items()}, {d: tuple(v) for d, v in recalled_by.items()})
