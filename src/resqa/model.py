"""The plain records that flow between pipeline stages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from resqa.config import PARSER_VERSION


@dataclass(frozen=True)
class Document:
    """A loaded source file. `text` is the raw text exactly as read."""

    doc_id: str
    title: str
    text: str
    source: str  # file path or jsonl line reference
    content_hash: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Clause:
    """One retrievable unit: a resolution clause, or a generic chunk.

    `text` is the cleaned clause text (line breaks joined, spacing normalised);
    `start`/`end` are offsets into the owning Document's raw text.
    """

    clause_id: str  # e.g. "GA-2021-89-RES-09/op-2"
    doc_id: str
    doc_title: str
    kind: str  # header | subject | opening | preamble | operative | adoption | chunk
    ordinal: int  # 1-based within its kind
    label: str  # the opening keyword ("DEMANDE INSTAMMENT"), or "" for chunks
    language: str
    text: str
    start: int
    end: int
    position: int  # 0-based order in the document
    label_meaning: str = ""  # e.g. "urges" (English gloss of the label)
    segments: tuple[str, ...] = ()  # quotable sub-spans of `text`, each verbatim


def clause_from_dict(d: dict[str, Any]) -> Clause:
    return Clause(**{**d, "segments": tuple(d.get("segments", ()))})


@dataclass(frozen=True)
class DocInfo:
    """A document as the index's registry holds it: its current version and what it produced."""

    doc_id: str
    title: str
    content_hash: str
    source: str
    language: str
    counts: dict[str, int] = field(default_factory=dict)  # clauses by kind
    metadata: dict[str, Any] = field(default_factory=dict)
    records: int = 0  # clause + segment records written for this version


@dataclass(frozen=True)
class Hit:
    """A clause returned by retrieval, with fused and per-retriever scores."""

    clause: Clause
    score: float
    dense: float = 0.0  # best cosine of the clause or one of its segments
    lexical: float = 0.0  # BM25 score
    rank_dense: int | None = None
    rank_lexical: int | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    clause: Clause
    quote: str
    verified: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "document": self.clause.doc_id,
            "document_title": self.clause.doc_title,
            "clause": self.clause.clause_id,
            "kind": self.clause.kind,
            "label": self.clause.label,
            "quote": self.quote,
            "text": self.clause.text,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    answerable: bool
    text: str  # markdown with [n] markers
    citations: tuple[Citation, ...] = ()
    related: tuple[Citation, ...] = ()
    also: tuple[Citation, ...] = ()  # an answer's runner-up: a clause scored close to those cited
    also_heading: str = ""  # what the answer calls it, in the question's language ("May also answer:")
    reason: str = ""  # why it refused, or what it rests on
    timings_ms: dict[str, float] = field(default_factory=dict)
    generator: str = "extractive"  # or the LLM that wrote the text ("openai-compatible:model")
    notices: tuple[str, ...] = ()  # what the verifier removed or why a fallback was shown

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "language": self.language,
            "answerable": self.answerable,
            "answer": self.text,
            # The document the answer rests on, by the id it was ingested with ("S/RES/660 (1990)").
            "document": self.citations[0].clause.doc_id if self.citations else None,
            "document_title": self.citations[0].clause.doc_title if self.citations else None,
            "citations": [c.to_json() for c in self.citations],
            "related": [c.to_json() for c in self.related],
            "also": [c.to_json() for c in self.also],
            "reason": self.reason,
            "generator": self.generator,
            "notices": list(self.notices),
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class IngestReport:
    documents: int = 0
    clauses: int = 0
    embedded: int = 0
    reused: int = 0
    removed: int = 0
    skipped: tuple[tuple[str, str], ...] = ()  # (source, reason)
    notes: tuple[str, ...] = ()  # what the user should know: an id given to avoid a clash, a replaced file


def registry_row(doc: Document, clauses: list[Clause], records: int) -> dict[str, Any]:
    """A document's record in the index's registry (store.py): flat metadata Chroma can filter on."""
    counts: dict[str, int] = {}
    for c in clauses:
        counts[c.kind] = counts.get(c.kind, 0) + 1
    flat = {f"m_{k}": v for k, v in doc.metadata.items() if isinstance(v, (str, int, float, bool))}
    return {"title": doc.title, "hash": doc.content_hash, "source": doc.source,
            "language": clauses[0].language if clauses else "", "counts": json.dumps(counts),
            "records": records, "metadata": json.dumps(doc.metadata, ensure_ascii=False),
            "parser_version": PARSER_VERSION, **flat}


def doc_info(rid: str, meta: dict[str, Any]) -> DocInfo:
    """A registry record read back."""
    return DocInfo(doc_id=rid, title=str(meta.get("title", rid)), content_hash=str(meta.get("hash", "")),
                   source=str(meta.get("source", "")), language=str(meta.get("language", "")),
                   counts=json.loads(str(meta.get("counts", "{}"))),
                   metadata=json.loads(str(meta.get("metadata", "{}"))), records=int(meta.get("records", 0) or 0))
