"""A scripted rerank endpoint on loopback: Cohere-style `/v1/rerank` and text-embeddings-inference's
`/rerank`, for tests and eval runs.

mode:
- good: relevance = the share of the query's words (4+ letters) that the candidate contains;
- reversed: the candidates' own order, reversed (the last one first);
- garbage: a body that is not JSON; bad_index: a ranking that names a candidate that was not sent;
- error: HTTP 500; slow: answers after `delay` seconds (longer than resqa's timeout).
"""

from __future__ import annotations

import re
import time

from loopback import FakeServer, JsonHandler


def overlap_scores(query: str, texts: list[str]) -> list[float]:
    words = {w for w in re.findall(r"\w{4,}", query.lower())}
    return [len(words & set(re.findall(r"\w{4,}", t.lower()))) / (len(words) or 1) for t in texts]


def scripted(mode: str, query: str, texts: list[str]) -> list[tuple[int, float]]:
    """(index, relevance) best first, as the mode dictates."""
    if mode == "reversed":
        return [(i, (i + 1) / len(texts)) for i in reversed(range(len(texts)))]
    scores = overlap_scores(query, texts)
    return sorted(enumerate(scores), key=lambda kv: (-kv[1], kv[0]))


class _RerankHandler(JsonHandler):
    def do_POST(self) -> None:
        fake, req = self.fake, self.read_json()
        tei = self.path.rstrip("/").endswith("/rerank") and not self.path.startswith("/v1/")
        texts = req.get("texts" if tei else "documents") or []
        fake.requests.append({"path": self.path, "body": req, "auth": self.headers.get("Authorization", "")})
        if fake.mode == "slow":
            time.sleep(fake.delay)
        if fake.mode == "garbage":
            return self.send(200, b"<html>gateway</html>", "text/html")
        if fake.mode == "error":
            return self.send(500, {"error": "overloaded"})
        ranking = scripted(fake.mode, str(req.get("query", "")), [str(t) for t in texts])
        if fake.mode == "bad_index":
            ranking = [(len(texts) + 3, 0.9), *ranking[1:]]
        if tei:
            return self.send(200, [{"index": i, "score": s} for i, s in ranking])
        self.send(200, {"id": "r1", "model": req.get("model"),
                        "results": [{"index": i, "relevance_score": s} for i, s in ranking]})


class FakeReranker(FakeServer):
    handler = _RerankHandler

    def __init__(self, mode: str = "good", delay: float = 5.0) -> None:
        self.mode, self.delay = mode, delay
        super().__init__()
