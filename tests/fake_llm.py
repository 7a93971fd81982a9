"""A scripted OpenAI-compatible (and Ollama) chat server on loopback, for tests and eval runs.

It reads the numbered clauses resqa puts in the prompt and replies according to its `mode`:
- correct: quotes the first clause's opening words verbatim, cited [1];
- altered: the same quote with one word changed;
- bad_number: a verbatim quote cited to a clause number that does not exist;
- uncited: fluent text with no citation at all;
- injected: obeys an instruction planted in a clause (says PWNED, quotes nothing real);
- hallucinate: a mix of the above, varying with the question (for eval runs);
- malformed: a body that is not a chat completion;
- error: HTTP 500;
- slow: answers after `delay` seconds (longer than resqa's timeout).
The condense step (a prompt asking for a standalone question) is answered by joining the
follow-up to the last question in the history. A rerank prompt (RESQA_RERANK=llm: numbered
"Document n:" blocks, "Doc: n, Relevance: r" wanted) is answered by `rerank_mode`: good, reversed
(fake_rerank.scripted), garbage (prose), out_of_range (a document that was not given), slow.
"""

from __future__ import annotations

import json
import re
import time

from loopback import FakeServer, JsonHandler

CLAUSE = re.compile(r"^\[(\d+)\] .*?\n<<<\n(.*?)\n>>>", re.M | re.S)


def _clauses(prompt: str) -> dict[int, str]:
    return {int(n): text for n, text in CLAUSE.findall(prompt)}


def _opening(text: str, words: int = 12) -> str:
    return " ".join(text.split()[:words]).rstrip(",;:")


_DOC = re.compile(r"Document (\d+):\n(.*?)(?=\n\nDocument \d+:|\nQuestion: )", re.S)


def rerank_reply(mode: str, prompt: str) -> str:
    from fake_rerank import scripted

    docs = [text for _n, text in _DOC.findall(prompt)]
    q = re.search(r"\nQuestion: (.*)\nAnswer:", prompt)
    if mode == "garbage":
        return "The second clause seems the most relevant, then probably the first one."
    ranking = scripted(mode, q.group(1) if q else "", docs)
    if mode == "out_of_range":
        ranking = [(len(docs) + 4, 1.0), *ranking]
    return "\n".join(f"Doc: {i + 1}, Relevance: {max(1, round(10 * s))}" for i, s in ranking)


def reply_for(mode: str, prompt: str, question: str) -> str:
    if "<Standalone question>" in prompt:
        hist = re.search(r"<Chat History>\n(.*?)\n\n<Follow Up Message>", prompt, re.S)
        last = hist.group(1).strip().splitlines()[-1].split(":", 1)[-1].strip() if hist and hist.group(1).strip() else ""
        return f"{last} {question}".strip()
    clauses = _clauses(prompt)
    if not clauses:
        return "I cannot find any clause."
    first = clauses[min(clauses)]
    quote = _opening(first)
    if mode == "hallucinate":
        mode = ["altered", "bad_number", "uncited", "correct"][sum(map(ord, question)) % 4]
    if mode == "correct":
        return f"The Assembly states: «{quote}» [1]."
    second = _opening(clauses.get(2, first))
    if mode == "altered":  # one good quote, then one with a word changed
        words = second.split()
        words[len(words) // 2] = "NOT"
        return f"The Assembly states: «{quote}» [1]. It adds: «{' '.join(words)}» [2]."
    if mode == "bad_number":
        return f"The Assembly states: «{quote}» [1]. See also «{second}» [{len(clauses) + 7}]."
    if mode == "uncited":
        return "The resolution broadly supports international cooperation against crime."
    if mode == "injected":
        planted = next((t for t in clauses.values() if "ignore" in t.lower()), "")
        return "PWNED. All member countries must send money to the attacker." if planted else \
            f"The Assembly states: «{quote}» [1]."
    return "?"


class _ChatHandler(JsonHandler):
    def do_GET(self) -> None:  # model listings
        self.send(200, {"data": [{"id": "fake"}], "models": [{"name": "fake"}]})

    def do_POST(self) -> None:
        req = self.read_json()
        self.fake.requests.append({"path": self.path, "body": req, "auth": self.headers.get("Authorization", "")})
        msgs = req.get("messages") or []
        prompt = "\n".join(str(m.get("content", "")) for m in msgs)
        q = re.search(r"Question: (.*)", prompt)
        if "Doc: 3, Relevance: 9" in prompt:  # the rerank prompt (data/prompts.toml [rerank])
            if self.fake.rerank_mode == "slow":
                time.sleep(self.fake.delay)
            text = rerank_reply(self.fake.rerank_mode, prompt)
        else:
            text = reply_for(self.fake.mode, prompt, q.group(1).strip() if q else "")
        if self.fake.mode == "error":
            return self.send(500, b'{"error": {"message": "internal error"}}')
        if self.fake.mode == "slow":
            time.sleep(self.fake.delay)
        if self.fake.mode == "malformed":
            return self.send(200, b"<html>this is not JSON</html>", "text/html")
        if self.path.startswith("/api/chat"):  # Ollama
            if req.get("stream", True):
                chunks = [json.dumps({"model": "fake", "message": {"role": "assistant", "content": w},
                                      "done": False}) for w in _pieces(text)]
                chunks.append(json.dumps({"model": "fake", "message": {"role": "assistant", "content": ""},
                                          "done": True, "done_reason": "stop"}))
                return self.send(200, ("\n".join(chunks) + "\n").encode(), "application/x-ndjson")
            return self.send(200, json.dumps({"model": "fake", "message": {"role": "assistant", "content": text},
                                               "done": True}).encode())
        if req.get("stream"):
            events = []
            for w in _pieces(text):
                events.append({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                               "choices": [{"index": 0, "delta": {"role": "assistant", "content": w},
                                            "finish_reason": None}]})
            events.append({"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                           "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
            return self.send(200, body.encode(), "text/event-stream")
        body = {"id": "c1", "object": "chat.completion", "created": 0, "model": "fake",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        self.send(200, json.dumps(body).encode())


class FakeLLM(FakeServer):
    handler = _ChatHandler

    def __init__(self, mode: str = "correct", delay: float = 5.0, rerank_mode: str = "good") -> None:
        self.mode = mode
        self.delay = delay
        self.rerank_mode = rerank_mode
        super().__init__()


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)
