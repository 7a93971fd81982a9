"""A scripted rerank endpoint on loopback: Cohere-style `/v1/rerank` and text-embeddings-inference's
`/rerank`, for tests and eval runs.

mode:
- good: relevance = the share of the query's words (4+ letters) that the candidate contains;
- reversed: the candidates' own order, reversed (the last one first);
- garbage: a body that is not JSON; bad_index: a ranking that names a candidate that was not sent;
- error: HTTP 500; slow: answers after `delay` seconds (longer than resqa's timeout).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def overlap_scores(query: str, texts: list[str]) -> list[float]:
    words = {w for w in re.findall(r"\w{4,}", query.lower())}
    return [len(words & set(re.findall(r"\w{4,}", t.lower()))) / (len(words) or 1) for t in texts]


def scripted(mode: str, query: str, texts: list[str]) -> list[tuple[int, float]]:
    """(index, relevance) best first, as the mode dictates."""
    if mode == "reversed":
        return [(i, (i + 1) / len(texts)) for i in reversed(range(len(texts)))]
    scores = overlap_scores(query, texts)
    return sorted(enumerate(scores), key=lambda kv: (-kv[1], kv[0]))


class FakeReranker:
    def __init__(self, mode: str = "good", delay: float = 5.0) -> None:
        self.mode, self.delay = mode, delay
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
                tei = self.path.rstrip("/").endswith("/rerank") and not self.path.startswith("/v1/")
                texts = req.get("texts" if tei else "documents") or []
                fake.requests.append({"path": self.path, "body": req, "auth": self.headers.get("Authorization", "")})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                if fake.mode == "garbage":
                    return self._send(200, b"<html>gateway</html>", "text/html")
                if fake.mode == "error":
                    return self._send(500, b'{"error": "overloaded"}')
                ranking = scripted(fake.mode, str(req.get("query", "")), [str(t) for t in texts])
                if fake.mode == "bad_index":
                    ranking = [(len(texts) + 3, 0.9), *ranking[1:]]
                if tei:
                    return self._send(200, json.dumps([{"index": i, "score": s} for i, s in ranking]).encode())
                self._send(200, json.dumps({"id": "r1", "model": req.get("model"), "results": [
                    {"index": i, "relevance_score": s} for i, s in ranking]}).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeReranker:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
