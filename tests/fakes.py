"""Stand-ins for the slow or remote parts, so retrieval, refusal and answering can be unit-tested
in a fraction of a second, with no model and no socket.

- the embedder: `Settings(embedder="hash")` selects src's `HashEmbedder` (bag of folded words
  hashed into 64 buckets: deterministic, instant, blind to meaning). `fake_settings` is that
  choice, spelled once; tests using it check plumbing and rules, never retrieval quality.
- the LLM: `FunctionLLM(reply)` is a llama-index-shaped chat model (`chat`, `stream_chat`) whose
  answer is a plain function of the question and the numbered clauses in the prompt. It needs no
  change in src: `LLMAnswerer` only ever calls those two methods. `with_llm` puts one behind a
  Pipeline. `fake_llm.FakeLLM` (an HTTP server) remains for tests of the backends themselves.
- the store: none. Chroma on a tmp_path folder with the hash embedder builds a few resolutions in
  well under a second, so an in-memory store would test less and save nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from resqa.config import Settings

FAKE_EMBEDDER = "hash"

# question, {clause number in the prompt: clause text} -> the model's reply
Reply = Callable[[str, dict[int, str]], str]

_CLAUSE = re.compile(r"^\[(\d+)\] .*?\n<<<\n(.*?)\n>>>", re.M | re.S)  # data/prompts.toml [answer] clause
_QUESTION = re.compile(r"Question: (.*)")
_CONDENSE = "<Standalone question>"  # llama-index's condense-question prompt


def fake_settings(index_dir: Path, **overrides: Any) -> Settings:
    """Settings for an index under `index_dir` embedded by the fake (hash) embedder."""
    return Settings(index_dir=Path(index_dir), embedder=FAKE_EMBEDDER, **overrides)


def opening_words(text: str, n: int = 8) -> str:
    """The first `n` words of a clause, verbatim (what a faithful model would quote)."""
    return " ".join(text.split()[:n]).rstrip(",;:")


def quote_first(question: str, clauses: dict[int, str]) -> str:
    """A faithful model: quotes the first clause's opening words, cited [1]."""
    return f"The text says: «{opening_words(clauses[min(clauses)])}» [1]." if clauses else "No clause."


class FunctionLLM:
    """A chat model whose reply is `reply(question, clauses)`; it records every prompt it saw.

    A condense prompt (a follow-up made standalone) is answered by `condense(history_text,
    question)`, by default the follow-up appended to the last earlier question."""

    def __init__(self, reply: Reply, condense: Callable[[str, str], str] | None = None) -> None:
        self.reply = reply
        self.condense = condense or (lambda history, q: f"{history.splitlines()[-1].split(':', 1)[-1].strip()} {q}")
        self.prompts: list[str] = []

    def _text(self, messages: list[Any]) -> str:
        prompt = "\n".join(str(m.content or "") for m in messages)
        self.prompts.append(prompt)
        if _CONDENSE in prompt:
            hist = re.search(r"<Chat History>\n(.*?)\n\n<Follow Up Message>\n(.*?)\n", prompt, re.S)
            return self.condense(hist.group(1).strip(), hist.group(2).strip()) if hist else ""
        q = _QUESTION.search(prompt)
        return self.reply(q.group(1).strip() if q else "", {int(n): t for n, t in _CLAUSE.findall(prompt)})

    def chat(self, messages: list[Any], **_: Any) -> Any:
        from llama_index.core.llms import ChatMessage, ChatResponse

        return ChatResponse(message=ChatMessage(role="assistant", content=self._text(messages)))

    def stream_chat(self, messages: list[Any], **_: Any) -> Iterator[Any]:
        from llama_index.core.llms import ChatMessage, ChatResponse

        text, sofar = self._text(messages), ""
        for piece in re.findall(r"\S+\s*|\s+", text):
            sofar += piece
            yield ChatResponse(message=ChatMessage(role="assistant", content=sofar), delta=piece)


def with_llm(pipe: Any, llm: FunctionLLM, name: str = "fake:function") -> Any:
    """`pipe` answering through `llm`, as Pipeline wires RESQA_LLM (extractive answer as fallback)."""
    from resqa.generate import LLMAnswerer

    pipe.answerer = LLMAnswerer(pipe.extractive, pipe.retriever, llm, name)
    return pipe
