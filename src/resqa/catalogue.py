"""The clause catalogue: a frozen snapshot of what readers see in one generation of the index.

A generation is the registry's content (each document's id and content hash, and the parser
version). Its catalogue holds the visible clauses, the document registry, the BM25 lexical index,
the visible records' vectors and the vocabulary's (vectors.py: dense search and term alignment),
and, built on first use, the reference keys (references.Haystack) and the document stage
(documents.DocumentIndex). It is a cache derived from the store, kept on local disk under
`<cache root>/<generation>`; every client rebuilds its own from the shared store. A refresh
(index.ClauseIndex.refresh) builds a new Catalogue and swaps it in; a catalogue is never changed,
so a search that took one keeps a consistent view while another thread refreshes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from resqa import clauses as clause_parser
from resqa import references
from resqa.config import DERIVED_VERSION, PARSER_VERSION
from resqa.documents import DocumentIndex
from resqa.errors import IndexDamagedError
from resqa.lexical import LexicalIndex, context_token, tokens_for_clause
from resqa.model import Clause, DocInfo, clause_from_dict
from resqa.query import written_as_names
from resqa.vectors import VectorTable, WordTable


@dataclass(frozen=True, eq=False)
class Catalogue:
    """One generation's clauses and documents (never mutated: a refresh makes a new one)."""

    generation: str | None = None
    docs: dict[str, DocInfo] = field(default_factory=dict, repr=False)
    clauses: dict[str, Clause] = field(default_factory=dict, repr=False)
    lexical: LexicalIndex | None = field(default=None, repr=False)
    by_doc: dict[str, list[str]] = field(default_factory=dict, repr=False)  # clause ids of each document, in order
    vectors: VectorTable | None = field(default=None, repr=False)
    words: WordTable | None = field(default=None, repr=False)
    query_words: WordTable | None = field(default=None, repr=False)
    cache: Path | None = field(default=None, repr=False)  # the generation's cache folder (load, _cached)
    _built: dict[str, Any] = field(default_factory=dict, repr=False)  # derived on first use (_derived)
    _lock: Any = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, generation: str, docs: dict[str, DocInfo], clauses: list[Clause],
           lexical: LexicalIndex, vectors: VectorTable, words: tuple[WordTable, WordTable],
           cache: Path | None = None) -> Catalogue:
        by_doc: dict[str, list[str]] = {}
        for c in sorted(clauses, key=lambda c: (c.doc_id, c.position)):
            by_doc.setdefault(c.doc_id, []).append(c.clause_id)
        return cls(generation, docs, {c.clause_id: c for c in clauses}, lexical, by_doc, vectors, *words, cache)

    # ------------------------------------------------------------------ queries
    def select(self, doc_ids: set[str] | None = None, where: dict[str, list[str]] | None = None) -> set[str] | None:
        """The documents a question may draw on: ids and metadata filters combined (None = all)."""
        from resqa.filters import matches

        if not where:
            return doc_ids
        chosen = {d for d, info in self.docs.items() if matches(info.language, info.metadata, where)}
        return chosen if doc_ids is None else chosen & doc_ids

    @cached_property
    def by_body(self) -> dict[str, set[str]]:
        """Document ids by the body they speak for ("" when unknown); once per catalogue."""
        out: dict[str, set[str]] = {}
        for d, info in self.docs.items():
            out.setdefault(str(info.metadata.get("body") or ""), set()).add(d)
        return out

    @cached_property
    def ids_folded(self) -> dict[str, str]:
        """Document ids written as one word with a mark no plain word has ("udhr-ar",
        "S-RES-660-1990"), by their casefolded form: how a question names a document by the id the
        page shows; once per catalogue. A file's id that is a plain word ("notes", "report") is
        left out: "… asked the Secretary-General to report" does not name it."""
        return {d.casefold(): d for d in self.docs
                if d and not any(ch.isspace() for ch in d) and not d.isalpha()}

    @cached_property
    def years(self) -> dict[str, int]:
        """The year of each document that tells it: its metadata's "year", else the one year its
        id and title write ("S/RES/660 (1990)", "AG-2019-RES-03"); once per catalogue."""
        out: dict[str, int] = {}
        for d, info in self.docs.items():
            year = info.metadata.get("year")
            if isinstance(year, int) or (isinstance(year, str) and year.strip().isdigit()):
                out[d] = int(year)
                continue
            written = references.years(f"{d} {info.title}")
            if len(written) == 1:
                out[d] = written.pop()
        return out

    @cached_property
    def months(self) -> dict[str, tuple[int, int]]:
        """The (year, month) of each document whose header dates it ("Resolution 612 (1988) of
        9 May 1988"); once per catalogue."""
        out: dict[str, tuple[int, int]] = {}
        for d in self.docs:
            header = " ".join(c.text for c in self.clauses_of(d) if c.kind == "header")
            written = references.months(header) if header else set()
            if len(written) == 1:
                out[d] = written.pop()
        return out

    def clause_ids_of(self, doc_ids: set[str]) -> set[str]:
        return {c for d in doc_ids for c in self.by_doc.get(d, [])}

    def clauses_of(self, doc_id: str) -> list[Clause]:
        return [self.clauses[c] for c in self.by_doc.get(doc_id, [])]

    def kind_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.clauses.values():
            counts[c.kind] = counts.get(c.kind, 0) + 1
        return counts

    # ------------------------------------------------------------------ derived on first use
    def _derived(self, name: str, build, kind) -> Any:
        """Build once per catalogue, by one thread; searches on other catalogues go on meanwhile.
        Kept in the generation's cache folder (`kind.load` / `.save`), so that a fresh process
        loads it instead of building it: 0.5 s of a cold ask on the 878 resolutions (issue 19)."""
        got = self._built.get(name)
        if got is None:
            with self._lock:
                got = self._built.get(name)
                if got is None:
                    got = self._built[name] = self._cached(name, build, kind)
        return got

    def _cached(self, name: str, build, kind) -> Any:
        folder = self.cache / name if self.cache is not None else None
        if folder is not None and (folder / "done").exists():
            try:
                return kind.load(folder)
            except (OSError, ValueError, TypeError, KeyError):
                pass
        got = build()
        if folder is not None and folder.parent.is_dir():
            tmp = folder.with_name(f"{name}.tmp{os.getpid()}-{threading.get_ident()}")
            try:
                shutil.rmtree(tmp, ignore_errors=True)
                got.save(tmp)
                (tmp / "done").touch()
                shutil.rmtree(folder, ignore_errors=True)
                tmp.rename(folder)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)  # read-only or dropped: built again next time
        return got

    def _references(self) -> references.Haystack:
        """The reference keys of this catalogue: one pass over the clause texts (milliseconds for
        the seeds, seconds at 50,000 clauses)."""
        def build() -> references.Haystack:
            items: list[tuple[object, str]] = [(("clause", c.clause_id), c.text) for c in self.clauses.values()]
            items += [(("doc", d.doc_id), f"{d.doc_id} {d.title}") for d in self.docs.values()]
            return references.Haystack(items)

        return self._derived("references", build, references.Haystack)

    def mentions(self, reference: str) -> bool:
        """Does any indexed document contain this identifier ("IDCC 1486", "AG-2005-RES-09") in its
        text, id or title, however it is punctuated (references.key)? The first call for each
        catalogue makes one pass over the clause texts."""
        return self._references().mentions(reference)

    def naming(self, reference: str) -> tuple[set[str], set[str]]:
        """(documents, clauses) that contain this identifier (references.key): documents by their
        id or title, clauses by their text. A document's own header repeats its id."""
        docs: set[str] = set()
        clauses: set[str] = set()
        for what, ident in self._references().holding(references.key(reference)):  # type: ignore[misc]
            (docs if what == "doc" else clauses).add(ident)
        return docs, clauses

    def documents(self) -> DocumentIndex:
        """The document stage over this catalogue's structured documents (documents.py)."""
        return self._derived("documents", lambda: DocumentIndex(
            self.clauses, {d: i.title for d, i in self.docs.items()},
            {d: str(i.metadata.get("body", "")) for d, i in self.docs.items()}), DocumentIndex)


def generation_of(docs: dict[str, DocInfo]) -> str:
    key = "\n".join(f"{d}:{i.content_hash}" for d, i in sorted(docs.items()))
    return hashlib.sha1(f"{PARSER_VERSION}/{DERIVED_VERSION}\n{key}".encode()).hexdigest()[:16]


def cached(docs: dict[str, DocInfo], cache_root: Path, dim: int) -> Catalogue | None:
    """The catalogue of the registry `docs` from the disk cache; None when it is absent or torn."""
    gen = generation_of(docs)
    cache = cache_root / gen
    if (cache / "clauses.json").exists() and (cache / "lexical" / "ids.json").exists():
        try:
            clauses = [clause_from_dict(c) for c in json.loads((cache / "clauses.json").read_text(encoding="utf-8"))]
            by_id = {c.clause_id: c for c in clauses}
            vectors = VectorTable.load(cache, by_id, dim)
            words = WordTable.load(cache, dim), WordTable.load(cache, dim, "query_words")
            if vectors is not None and None not in words:
                return Catalogue.of(gen, docs, clauses, LexicalIndex.load(cache / "lexical"), vectors, words, cache)
        except (OSError, ValueError, TypeError, KeyError):
            pass
    return None


def load(store, docs: dict[str, DocInfo], cache_root: Path, dim: int) -> Catalogue:
    """The catalogue of the registry `docs`: from the disk cache, or rebuilt from the store."""
    found = cached(docs, cache_root, dim)
    if found is not None:
        return found
    gen = generation_of(docs)
    cache = cache_root / gen
    clauses = _visible_clauses(store, docs)
    lexical = LexicalIndex.build([c.clause_id for c in clauses], _clause_tokens(clauses), [c.language for c in clauses])
    vectors = VectorTable.from_store(store, {c.clause_id: c for c in clauses}, docs, dim)
    words = WordTable.from_store(store, dim), WordTable.from_store(store, dim, "query")
    _save(cache, clauses, lexical, vectors, words)
    return Catalogue.of(gen, docs, clauses, lexical, vectors, words, cache)


class RegistryCopy:
    """The document registry as last read in full, on local disk beside the catalogues, under the
    stamp it was read at (index.ClauseIndex._registry). Any fault reading it means no copy."""

    PREFIX = "registry-"

    def __init__(self, cache_root: Path, collection: str) -> None:
        self.path = cache_root / f"{self.PREFIX}{collection}.json"

    def read(self, stamp: str) -> dict[str, DocInfo] | None:
        if not stamp:
            return None  # an index no writer has stamped yet
        try:
            got = json.loads(self.path.read_text(encoding="utf-8"))
            if got.get("stamp") != stamp or got.get("derived") != f"{PARSER_VERSION}/{DERIVED_VERSION}":
                return None
            return {d["doc_id"]: DocInfo(**d) for d in got["docs"]}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def write(self, stamp: str, docs: dict[str, DocInfo]) -> None:
        if not stamp:
            return
        # a read-only cache folder: every start reads the registry in full
        _write_json(self.path, {"stamp": stamp, "derived": f"{PARSER_VERSION}/{DERIVED_VERSION}",
                                "docs": [asdict(d) for d in docs.values()]})

    def seal(self, state: tuple[str, str], stored: int) -> None:
        """Record that this copy's registry is the store's and was found whole in it (`stored`
        clause records) while the store's file showed `state` (store.peek: its stamp and the
        position of its record log; index.ClauseIndex._seal)."""
        _write_json(self.path.with_name(self.path.name + ".seal"), {"state": list(state), "stored": stored})

    @classmethod
    def unseal_all(cls, cache_root: Path) -> None:
        """Drop every collection's seal under `cache_root`: the next reader opens the store in
        full (and seals it again). For measuring that full open (tools.bench)."""
        for seal in cache_root.glob(f"{cls.PREFIX}*.json.seal"):
            seal.unlink(missing_ok=True)

    def sealed(self, state: tuple[str, str]) -> int | None:
        """The record count a full open saw, if the store's file still shows the `state` it
        saw then: no record and no registry entry has been written since."""
        try:
            got = json.loads(self.path.with_name(self.path.name + ".seal").read_text(encoding="utf-8"))
            return int(got["stored"]) if tuple(got["state"]) == state else None
        except (OSError, ValueError, TypeError, KeyError):
            return None


def _write_json(path: Path, data: Any) -> None:
    """Write atomically (a temporary file renamed), or not at all in a read-only folder."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}-{threading.get_ident()}")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def _clause_tokens(clauses: list[Clause]) -> list[list[str]]:
    """Each clause's BM25 tokens: its text and gloss; an operative clause's also, as context
    tokens (lexical.context_token), the names its document's preamble writes: "Calls upon the
    parties" is about the Netherlands and Indonesia that the preamble names."""
    names: dict[str, set[str]] = {}
    for c in clauses:
        if c.kind == "preamble":  # its opening keyword ("RAPPELANT", in capitals) is no name
            text = c.text[len(c.label):] if c.label and c.text.startswith(c.label) else c.text
            names.setdefault(c.doc_id, set()).update(written_as_names(text, c.language))
    out = []
    for c in clauses:
        toks = tokens_for_clause(c.text, c.language, clause_parser.gloss(c))
        if c.kind == "operative" and names.get(c.doc_id):
            inherited = tokens_for_clause(" ".join(sorted(names[c.doc_id])), c.language)
            toks += [context_token(t) for t in dict.fromkeys(inherited)]
        out.append(toks)
    return out


def _visible_clauses(store, docs: dict[str, DocInfo]) -> list[Clause]:
    out: list[Clause] = []
    for meta in store.clause_metadatas():
        info = docs.get(str(meta.get("resqa_doc")))
        if info is None or meta.get("doc_hash") != info.content_hash:
            continue  # an old or unfinished version: invisible to readers
        out.append(clause_from_dict(json.loads(str(meta["clause_json"]))))
    out.sort(key=lambda c: (c.doc_id, c.position))
    return out


def _save(cache: Path, clauses: list[Clause], lexical: LexicalIndex, vectors: VectorTable,
          words: tuple[WordTable, WordTable]) -> None:
    """Write one generation's cache (atomically: a temporary folder renamed, replacing an
    incomplete one) and drop the others."""
    try:
        tmp = cache.with_name(cache.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        (tmp / "clauses.json").write_text(json.dumps([asdict(c) for c in clauses], ensure_ascii=False),
                                          encoding="utf-8")
        lexical.save(tmp / "lexical")
        for table in (vectors, *words):
            table.save(tmp)
        if cache.exists():  # one an earlier version wrote without vectors, or a torn one
            aside = cache.with_name(cache.name + f".old{os.getpid()}")
            cache.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
        tmp.rename(cache)
        shutil.rmtree(tmp, ignore_errors=True)
        for old in cache.parent.iterdir():
            if old.name != cache.name and not old.name.startswith((cache.name, RegistryCopy.PREFIX)):
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass  # a read-only cache folder costs a rebuild per start, not an error


def check(catalogue: Catalogue, stored: int, where: str) -> None:
    """At open: the registry's record counts must all be present in the store."""
    expected = sum(i.records for i in catalogue.docs.values())
    damaged = stored < expected or any(len(catalogue.by_doc.get(d, [])) != sum(info.counts.values())
                                       for d, info in catalogue.docs.items())
    if damaged:
        raise IndexDamagedError(f"the index at {where} disagrees with its registry ({stored} records stored, "
                                f"{expected} expected) — rebuild it with `resqa ingest --rebuild`")
