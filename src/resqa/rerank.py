"""An optional reranking stage: the best clauses of a search, put in the order a reranker gives.

`RESQA_RERANK=http` asks a rerank endpoint: the Cohere-style `/v1/rerank` (Cohere, vLLM, Jina,
LiteLLM: query + documents -> results[index, relevance_score]) or text-embeddings-inference's
`/rerank` (query + texts -> [index, score]). `RESQA_RERANK=llm` asks the configured LLM through
llama-index's LLMRerank, with its prompt in `data/prompts.toml`.

Only the first RESQA_RERANK_TOP_N hits are reordered; the rest follow in the retriever's order.
A reranked hit's score becomes its relevance over the best relevance, so the answerer's "cite a
second clause nearly as good as the first" rule reads the reranker's scale. Anything that goes
wrong (an error, a timeout, a reply that is not a ranking of the candidates) leaves the
retriever's order and adds a notice saying why. Quotes are verified downstream exactly as before:
a reranker only changes which clauses come first. Keys go in a header and are never shown.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlparse

from resqa.config import Settings
from resqa.errors import ConfigError
from resqa.model import Hit
from resqa.query import Query
from resqa.retrieve import SearchResult

Ranking = list[tuple[int, float]]  # (candidate index, relevance), best first


class RerankError(Exception):
    """The reranker's answer cannot be used; the message says why, in a few words."""


class Reranker(Protocol):
    name: str

    def rank(self, query: str, texts: list[str]) -> Ranking: ...


def checked(pairs: list[tuple[Any, Any]], n: int) -> Ranking:
    """Valid (index, relevance) pairs, best first; a reply with none is garbage."""
    out: dict[int, float] = {}
    for i, s in pairs:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n:
            raise RerankError(f"named candidate {i!r} of {n}")
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s):
            raise RerankError(f"gave score {s!r}")
        if i in out:
            raise RerankError(f"ranked candidate {i} twice")
        out[i] = float(s)
    if not out:
        raise RerankError("ranked nothing")
    return sorted(out.items(), key=lambda kv: -kv[1])


class HttpReranker:
    """A rerank endpoint: Cohere-style (`api="cohere"`) or text-embeddings-inference (`api="tei"`)."""

    def __init__(self, url: str, api: str = "cohere", model: str | None = None, api_key: str | None = None,
                 timeout: float = 10.0) -> None:
        if api not in ("cohere", "tei"):
            raise ConfigError(f"RESQA_RERANK_API={api!r}: use 'cohere' (…/v1/rerank) or 'tei' (…/rerank)")
        self.url, self.api, self.model, self.timeout = url, api, model, timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client: Any = None  # one httpx.Client, kept: a fresh one costs ~40 ms of TLS setup per question
        u = urlparse(url)
        self.name = f"{api} reranker at {u.hostname}:{u.port or (443 if u.scheme == 'https' else 80)}"

    def rank(self, query: str, texts: list[str]) -> Ranking:
        import httpx

        if self.api == "tei":
            body: dict[str, Any] = {"query": query, "texts": texts, "truncate": True}
        else:
            body = {"query": query, "documents": texts, "top_n": len(texts)}
            if self.model:
                body["model"] = self.model
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, headers=self._headers)
        try:
            r = self._client.post(self.url, json=body)
        except httpx.TimeoutException:
            raise RerankError(f"timed out after {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise RerankError(f"is not reachable ({type(exc).__name__})") from None
        if r.status_code != 200:
            raise RerankError(f"answered HTTP {r.status_code}")
        try:
            reply = r.json()
        except ValueError:
            raise RerankError("sent a reply that is not JSON") from None
        items = reply.get("results") if isinstance(reply, dict) else reply
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise RerankError("sent a reply that is not a ranking")
        return checked([(x.get("index"), x.get("relevance_score", x.get("score"))) for x in items], len(texts))


class LLMReranker:
    """The configured LLM orders the candidates (llama-index's LLMRerank, prompt from package data)."""

    def __init__(self, llm: Any, name: str) -> None:
        self.llm = llm
        self.name = f"LLM reranker ({name})"

    def rank(self, query: str, texts: list[str]) -> Ranking:
        from llama_index.core.indices.utils import default_format_node_batch_fn
        from llama_index.core.postprocessor import LLMRerank
        from llama_index.core.prompts import PromptTemplate
        from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

        from resqa.generate import prompts

        class _Rerank(LLMRerank):
            # LLMRerank hands chat models each clause as a separate message without its number;
            # the prompt numbers them in one block, for chat and completion models alike.
            def _get_predict_kwargs(self, nodes_batch: list, query_str: str) -> dict[str, Any]:
                return {"query_str": query_str, "context_str": default_format_node_batch_fn(nodes_batch)}

        seen: list[tuple[int, Any]] = []

        def parse(answer: str, num_choices: int) -> tuple[list[int], list[float]]:
            from llama_index.core.indices.utils import default_parse_choice_select_answer_fn

            named = [int(n) for n in re.findall(r"Doc:\s*(\d+)", answer)]
            if any(not 1 <= n <= num_choices for n in named):  # llama-index would skip these silently
                raise RerankError(f"named candidate {max(named)} of {num_choices}")
            nums, rels = default_parse_choice_select_answer_fn(answer, num_choices)
            if len(rels) != len(nums):
                raise RerankError("sent a reply whose relevances cannot be read")
            seen.extend((n - 1, r) for n, r in zip(nums, rels))
            checked(list(seen), num_choices)  # numbers out of range, twice, or none at all: garbage
            return nums, rels

        nodes = [NodeWithScore(node=TextNode(text=t, id_=str(i)), score=0.0) for i, t in enumerate(texts)]
        reranker = _Rerank(llm=self.llm, choice_select_prompt=PromptTemplate(prompts()["rerank"]["template"]),
                           choice_batch_size=len(texts), top_n=len(texts), parse_choice_select_answer_fn=parse)
        try:
            out = reranker.postprocess_nodes(nodes, QueryBundle(query))
        except RerankError:
            raise
        except Exception as exc:
            from resqa.generate import _describe

            raise RerankError(f"did not answer ({_describe(exc)})") from None
        return checked([(int(n.node.node_id), n.score) for n in out], len(texts))


def make_reranker(settings: Settings) -> Reranker:
    kind = (settings.rerank or "").lower()
    if kind == "http":
        url = settings.rerank_url
        if not url or not url.startswith(("http://", "https://")):
            raise ConfigError("RESQA_RERANK=http needs RESQA_RERANK_URL, the endpoint itself "
                              "(e.g. http://host:8000/v1/rerank, or text-embeddings-inference's http://host:8080/rerank)")
        return HttpReranker(url, settings.rerank_api, settings.rerank_model, settings.rerank_api_key,
                            settings.rerank_timeout)
    if kind == "llm":
        if not settings.llm:
            raise ConfigError("RESQA_RERANK=llm uses the configured LLM: set RESQA_LLM and RESQA_LLM_MODEL")
        from resqa.generate import make_llm

        return LLMReranker(make_llm(replace(settings, llm_timeout=settings.rerank_timeout)),
                           f"{settings.llm}:{settings.llm_model}")
    raise ConfigError(f"unknown RESQA_RERANK {settings.rerank!r}: use 'llm' or 'http'")


def rerank(res: SearchResult, query: str, reranker: Reranker, top_n: int) -> SearchResult:
    """`res` with its first `top_n` hits in the reranker's order, or unchanged with a notice."""
    head, tail = res.hits[:top_n], res.hits[top_n:]
    if len(head) < 2:
        return res
    t0 = time.perf_counter()
    try:
        ranking = reranker.rank(query, [h.clause.text for h in head])
    except RerankError as exc:
        notice = f"Reranking skipped: the {reranker.name} {exc}; the clauses are in the retriever's order."
        return replace(res, notices=(*res.notices, notice),
                       timings_ms={**res.timings_ms, "rerank": (time.perf_counter() - t0) * 1e3})
    best = ranking[0][1]
    if best > 0 and all(s >= 0 for _, s in ranking):
        scores = {i: s / best for i, s in ranking}
    else:  # raw logits: keep the order, spaced evenly
        scores = {i: 1.0 - r / len(ranking) for r, (i, _) in enumerate(ranking)}
    ranked = [replace(head[i], score=scores[i]) for i, _ in ranking]
    unranked = [replace(h, score=0.0) for i, h in enumerate(head) if i not in scores]
    hits: list[Hit] = ranked + unranked + [replace(h, score=0.0) for h in tail]
    return replace(res, hits=hits, timings_ms={**res.timings_ms, "rerank": (time.perf_counter() - t0) * 1e3})


class RerankingRetriever:
    """A retriever whose search results are reranked; everything else is the inner retriever's."""

    def __init__(self, inner: Any, reranker: Reranker, top_n: int) -> None:
        self.inner = inner
        self.reranker = reranker
        self.top_n = top_n

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def search(self, query: Query, k: int = 8, doc_ids: set[str] | None = None) -> SearchResult:
        res = self.inner.search(query, k=max(k, self.top_n), doc_ids=doc_ids)
        # a follow-up is read with its context
        text = query.contextual if query.followup and query.contextual else query.text
        res = rerank(res, text, self.reranker, self.top_n)
        return replace(res, hits=res.hits[:k])
