"""Wires the stages together for the CLI, the page and the eval: settings -> embedder -> index
-> retriever -> answerer. Heavy imports happen here, on first use, not at import time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resqa.config import Settings
from resqa.errors import IndexMissingError, InputError
from resqa.model import Answer, Clause, IngestReport

if TYPE_CHECKING:
    from resqa.answer import Answerer


class Pipeline:
    def __init__(self, settings: Settings, *, create: bool = False) -> None:
        from resqa.answer import ExtractiveAnswerer
        from resqa.embed import get_embedder
        from resqa.index import ClauseIndex
        from resqa.retrieve import HybridRetriever
        from resqa.vectors import one_blas_thread

        one_blas_thread()
        self.settings = settings
        self.embedder = get_embedder(settings.embedder, settings)
        _ = self.embedder.dim  # a server embedder is asked here: an absent one is exit 5, not a damaged index
        self.index = ClauseIndex(settings, self.embedder, create=create)
        self.retriever: Any = HybridRetriever(self.index, self.embedder)
        if settings.rerank:  # optional: the best clauses reordered by a rerank endpoint or the LLM
            from resqa.rerank import RerankingRetriever, make_reranker

            self.retriever = RerankingRetriever(self.retriever, make_reranker(settings), settings.rerank_top_n)
        self.extractive = ExtractiveAnswerer(self.index, self.retriever, settings.top_k)
        self.answerer: Answerer = self.extractive
        if settings.llm:  # optional: generated answers, policed, with the extractive one as fallback
            from resqa.generate import LLMAnswerer, make_llm

            self.answerer = LLMAnswerer(self.extractive, self.retriever, make_llm(settings),
                                        f"{settings.llm}:{settings.llm_model}")

    @classmethod
    def open_or_build(cls, settings: Settings, progress=None) -> Pipeline:
        """Open the index, building it from the seeds folder on first start."""
        try:
            return cls(settings)
        except IndexMissingError:
            pipe = cls(settings, create=True)
            pipe.ingest([settings.seeds_dir], progress=progress)
            return pipe

    def ingest(self, paths: Iterable[Path], progress=None, *, locked: bool = False) -> IngestReport:
        """`locked`: the caller holds the index's ingest_lock already (`ingest --rebuild`)."""
        from dataclasses import replace

        from resqa.load import load_paths

        paths = [Path(p) for p in paths]
        loaded = load_paths(paths)
        report = self.index.ingest(loaded.documents, prune_sources=[p for p in paths if p.is_dir()],
                                   progress=progress, locked=locked)
        return replace(report, skipped=loaded.failures)

    def scope(self, doc_ids: set[str] | None, where: dict[str, list[str]] | None) -> set[str] | None:
        if doc_ids is not None:
            self.index.refresh()
            unknown = sorted(set(doc_ids) - set(self.index.catalogue.docs))
            if unknown:
                raise InputError(f"no document in the index has the id {', '.join(unknown)} — "
                                 "`resqa info` lists the ids")
        if where:
            self.index.refresh()
        chosen = self.index.catalogue.select(doc_ids, where)
        if where and not chosen:
            shown = "; ".join(f"{k}={','.join(v)}" for k, v in where.items())
            raise InputError(f"no document in the index matches {shown}")
        return chosen

    def ask(self, question: str, history: list[str] | tuple[str, ...] = (),
            doc_ids: set[str] | None = None, where: dict[str, list[str]] | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer with quoted clauses; `on_token` receives generated text as it streams (LLM only).
        The question is analysed once (query.Query) and handed to the answerer."""
        from resqa.answer import validate_history, validate_question
        from resqa.query import Query

        history = validate_history(history)
        scope = self.scope(doc_ids, where)
        return self.answerer.answer(Query.of(validate_question(question), history), doc_ids=scope, on_token=on_token)

    def search(self, question: str, k: int = 8, history: list[str] | tuple[str, ...] = (),
               doc_ids: set[str] | None = None, where: dict[str, list[str]] | None = None):
        from resqa.answer import validate_history, validate_question
        from resqa.query import Query

        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"k must be a whole number of hits, 1 or more (got {k!r})")
        question, history = validate_question(question), validate_history(history)
        return self.retriever.search(Query.of(question, history), k=k, doc_ids=self.scope(doc_ids, where))

    def clause(self, clause_id: str) -> Clause | None:
        return self.index.catalogue.clauses.get(clause_id)
