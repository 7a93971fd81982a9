"""Question -> documents: the document stage before the clause stage.

On a library a clause is often generic ("Requests the Secretary-General to report …") and only
its document says what it is about (the situation in Cyprus, named in the preamble). BM25 over
whole documents (every clause's words, plus the id, title and body) ranks the resolutions for
the question; retrieve.py then searches the best ones' clauses as well as the whole library and
adds DOC_WEIGHT times each document's share of the best document score to its clauses.

The catalogue builds one DocumentIndex per generation (Catalogue.documents).
Only documents with a resolution's structure take part: a code of law's article is one chunk,
already scored whole by the clause stage.
"""

from __future__ import annotations

from pathlib import Path

from resqa.lexical import LexicalIndex, tokens_for_clause, tokens_for_query
from resqa.model import Clause

STRUCTURED = frozenset({"preamble", "operative", "article"})


def is_structured(kinds: set[str]) -> bool:
    return bool(kinds & STRUCTURED)


class DocumentIndex:
    """BM25 over the structured documents of one catalogue generation."""

    def __init__(self, clauses: dict[str, Clause], titles: dict[str, str], bodies: dict[str, str]) -> None:
        by_doc: dict[str, list[Clause]] = {}
        for c in clauses.values():
            by_doc.setdefault(c.doc_id, []).append(c)
        ids, tokens, languages = [], [], []
        for doc, cs in sorted(by_doc.items()):
            if not is_structured({c.kind for c in cs}):
                continue
            toks = tokens_for_query(f"{doc} {titles.get(doc, '')} {bodies.get(doc, '')}")
            for c in cs:
                toks.extend(tokens_for_clause(c.text, c.language))
            ids.append(doc)
            tokens.append(toks)
            languages.append(cs[0].language)
        self.ids = ids
        self._lexical = LexicalIndex.build(ids, tokens, languages)

    def save(self, path: Path) -> None:
        self._lexical.save(path)

    @classmethod
    def load(cls, path: Path) -> DocumentIndex:
        dix = cls.__new__(cls)
        dix._lexical = LexicalIndex.load(path)
        dix.ids = list(dix._lexical.ids)
        return dix

    def scores(self, query_tokens: list[str], extra: dict[str, float],
               allowed: set[str] | None = None) -> dict[str, float]:
        """{document: BM25 score over the best document's (0..1)}, for documents with any match."""
        ranked, scale = self._lexical.search(query_tokens, len(self.ids), allowed, extra_tokens=extra)
        if not ranked or ranked[0][1] <= 0:
            return {}
        hi = max(ranked[0][1], scale)
        return {d: s / hi for d, s in ranked if s > 0}
