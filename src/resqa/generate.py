"""The optional LLM answerer: fluent answers whose every quote is checked, the extractive answer
as the safety net.

Flow: retrieve once (the question with its history: the retriever's contextual query) -> the
extractive path's abstention check on that search (an LLM never answers what resqa would refuse)
-> the numbered clauses of that same search go into the prompt from `data/prompts.toml`, with a
follow-up condensed into a standalone question by the LLM (llama-index's condense-question
prompt; the follow-up itself if that fails) -> the LLM (temperature 0, streamed)
-> `police()` checks the output: quotes that are not verbatim spans of the clause they cite are
removed, citation numbers that do not exist are removed, sentences without a citation are marked
unsupported -> if nothing verifiable is left, or the LLM fails (timeout, HTTP error, garbage), the
extractive answer is shown with a notice saying why.

Everything the LLM writes is data: what is shown as a quote is decided here, against the clause
text held by the index, never by the model or by text inside a document.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from resqa import data
from resqa.answer import ExtractiveAnswerer, OnToken, to_query
from resqa.config import Settings
from resqa.errors import BackendError, ResqaError
from resqa.model import Answer, Citation, Clause, Hit
from resqa.query import Query
from resqa.retrieve import HybridRetriever, SearchResult
from resqa.verify import unelided, verify_quote

CONTEXT_CLAUSES = 5
UNSUPPORTED = "⚠ *unsupported*"
REMOVED = "[quotation removed: not found in the cited clause]"

_QUOTE = re.compile(r"«\s?([^«»]*?)\s?»")
_MARK = re.compile(r"\[(\d+)\]")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@cache
def prompts() -> dict[str, Any]:
    return data.toml("prompts.toml")


def make_llm(settings: Settings) -> Any:
    """A llama-index LLM for the configured backend (extras: `pip install resqa[llm]`)."""
    kind = (settings.llm or "").lower()
    if not settings.llm_model:
        raise ResqaError("RESQA_LLM is set but RESQA_LLM_MODEL is not: name the model to use")
    try:
        if kind in ("openai-compatible", "openai", "vllm"):
            from llama_index.llms.openai_like import OpenAILike

            if not settings.llm_base_url:
                raise ResqaError("RESQA_LLM=openai-compatible needs RESQA_LLM_BASE_URL (e.g. http://host:8000/v1)")
            return OpenAILike(model=settings.llm_model, api_base=settings.llm_base_url,
                              api_key=settings.llm_api_key or "none", temperature=0.0, is_chat_model=True,
                              is_function_calling_model=False, timeout=settings.llm_timeout, max_retries=0,
                              context_window=8192, max_tokens=800)
        if kind == "ollama":
            from llama_index.llms.ollama import Ollama

            return Ollama(model=settings.llm_model, base_url=settings.llm_base_url or "http://localhost:11434",
                          temperature=0.0, request_timeout=settings.llm_timeout, context_window=8192)
    except ImportError as exc:
        raise ResqaError(f"the {kind} backend needs its llama-index integration: pip install 'resqa[llm]' "
                         f"({exc.name} is missing)") from None
    raise ResqaError(f"unknown RESQA_LLM {settings.llm!r}: use 'openai-compatible' or 'ollama'")


@dataclass(frozen=True)
class Policed:
    text: str
    citations: tuple[Citation, ...]
    notices: tuple[str, ...]
    verifiable: bool


@dataclass
class _Tally:
    """What policing found, sentence by sentence (police)."""

    renumber: dict[int, int] = field(default_factory=dict)  # cited number -> number shown
    quoted: dict[int, str] = field(default_factory=dict)  # cited number -> its first verified quote
    removed_quotes: int = 0
    bad_numbers: int = 0
    unsupported: int = 0
    verified_sentences: int = 0


def _police_sentence(sent: str, quotes: list[str], context: list[Clause], tally: _Tally) -> str:
    """One sentence, checked: citation numbers outside the context dropped, each quote (a
    placeholder into `quotes`) kept only if verbatim in the clause it cites, and the sentence
    marked unsupported when it cites nothing."""
    valid = [int(n) for n in _MARK.findall(sent) if 1 <= int(n) <= len(context)]
    bad = [int(n) for n in _MARK.findall(sent) if not 1 <= int(n) <= len(context)]
    tally.bad_numbers += len(bad)
    sent = _MARK.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= len(context) else "", sent)
    sent = re.sub(r"\s+([.,;:])", r"\1", sent).strip()  # tidy where a marker was cut (quotes are placeholders here)
    kept_quote = False

    def check(m: re.Match, sent: str = sent) -> str:
        nonlocal kept_quote
        q = quotes[int(m.group(1))]
        after = [int(n) for n in _MARK.findall(sent[m.end():]) if int(n) in valid]
        before = [int(n) for n in _MARK.findall(sent[:m.start()]) if int(n) in valid]
        n = after[0] if after else (before[-1] if before else None)
        if n is not None and verify_quote(q, context[n - 1].text):
            tally.quoted.setdefault(n, unelided(q))
            kept_quote = True
            return f"«{q}»"
        tally.removed_quotes += 1
        return REMOVED

    sent = _PLACEHOLDER.sub(check, sent)
    had_removed = REMOVED in sent
    for n in valid:
        tally.renumber.setdefault(n, len(tally.renumber) + 1)
    if not valid:
        tally.unsupported += 1
        sent = f"{sent.rstrip()} {UNSUPPORTED}"
    elif kept_quote or not had_removed:
        tally.verified_sentences += 1
    return sent


def police(raw: str, context: list[Clause], best_quote: Callable[[Clause], str]) -> Policed:
    """Check generated text against the clauses it was given; keep only what holds.

    Citation numbers are renumbered 1..m in order of first use; a citation whose sentence quotes
    nothing gets the extractive best quote of its clause, so every citation shown has a verified
    verbatim quote."""
    quotes: list[str] = []

    def protect(m: re.Match) -> str:
        quotes.append(m.group(1))
        return f"\x00{len(quotes) - 1}\x00"

    body = _QUOTE.sub(protect, raw.replace("\x00", "")).strip()
    tally = _Tally()
    out_sentences = [_police_sentence(s, quotes, context, tally) for s in _SENTENCE_END.split(body) if s.strip()]
    renumber = tally.renumber
    text = _MARK.sub(lambda m: f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else "",
                     " ".join(out_sentences))
    citations = tuple(Citation(n=new, clause=context[old - 1],
                               quote=tally.quoted.get(old) or best_quote(context[old - 1]), verified=True)
                      for old, new in sorted(renumber.items(), key=lambda kv: kv[1]))
    citations = tuple(c for c in citations if verify_quote(c.quote, c.clause.text))
    notices = []
    if tally.removed_quotes:
        notices.append(f"{tally.removed_quotes} quotation(s) did not match the clause they cite and were removed.")
    if tally.bad_numbers:
        notices.append(f"{tally.bad_numbers} citation(s) to clauses that were not provided were removed.")
    if tally.unsupported:
        notices.append(f"{tally.unsupported} sentence(s) cite no clause and are marked unsupported.")
    return Policed(text=text, citations=citations, notices=tuple(notices),
                   verifiable=tally.verified_sentences > 0 and bool(citations))


class LLMAnswerer:
    """Generated answers, policed; the extractive answerer is the fallback for every failure.
    Implements answer.Answerer."""

    def __init__(self, extractive: ExtractiveAnswerer, retriever: HybridRetriever, llm: Any, name: str) -> None:
        self.extractive = extractive
        self.retriever = retriever
        self.llm = llm
        self.name = name

    def _chat(self, messages: list[Any], on_token: OnToken | None) -> str:
        if on_token is None:
            return str(self.llm.chat(messages).message.content or "")
        parts = []
        for chunk in self.llm.stream_chat(messages):
            delta = chunk.delta or ""
            parts.append(delta)
            if delta:
                on_token(delta)
        return "".join(parts)

    def condense(self, question: str, history: list[str]) -> str | None:
        """A standalone question from a follow-up, or None to let the retriever use history."""
        from llama_index.core.chat_engine.condense_question import DEFAULT_PROMPT
        from llama_index.core.llms import ChatMessage

        chat_history = "\n".join(f"Human: {h}" for h in history[-3:])
        prompt = DEFAULT_PROMPT.format(chat_history=chat_history, question=question)
        try:
            text = self._chat([ChatMessage(role="user", content=prompt)], None).strip()
        except Exception:  # any backend failure: the retriever's contextual query takes over
            return None
        text = text.splitlines()[0].strip() if text else ""
        return text if 3 <= len(text) <= 1000 else None

    def answer(self, query: Query | str, history: list[str] | tuple[str, ...] = (),
               doc_ids: set[str] | None = None, *, result: SearchResult | None = None,
               on_token: OnToken | None = None) -> Answer:
        """One search, of the question with its history: the extractive answer reads it (the
        refusal check and the fallback) and its clauses are what the model is given, so the model
        answers only from clauses the refusal check has vouched for. A follow-up is put to the
        model as the standalone question the LLM condenses it into."""
        from llama_index.core.llms import ChatMessage
        from llama_index.core.prompts import PromptTemplate

        t0 = time.perf_counter()
        query = to_query(query, history)
        res = result or self.retriever.search(query, k=self.extractive.k, doc_ids=doc_ids)
        fallback = self.extractive.answer(query, doc_ids=doc_ids, result=res)
        if not fallback.answerable:
            return fallback  # the LLM never answers what the text does not settle
        hits: list[Hit] = res.hits[:CONTEXT_CLAUSES]
        context = [h.clause for h in hits]
        p = prompts()["answer"]
        blocks = "\n\n".join(PromptTemplate(p["clause"]).format(
            n=i + 1, doc=c.doc_id, kind=c.kind, label=c.label or c.kind, text=c.text) for i, c in enumerate(context))
        messages = [ChatMessage(role="system", content=PromptTemplate(p["system"]).format(language=query.language)),
                    ChatMessage(role="user", content=PromptTemplate(p["user"]).format(context=blocks,
                                                                                      question=self._asked(query)))]
        try:
            raw = self._chat(messages, on_token)
        except Exception as exc:  # timeouts, HTTP errors, unparsable bodies: say so, answer extractively
            return self._fallback(fallback, f"The language model did not answer ({_describe(exc)}); "
                                            "showing the extractive answer.", t0)
        named = list(res.query.references)
        policed = police(raw, context, lambda c: self.extractive.best_quote(c, res.query_vector, res.query.text, named))
        if not policed.verifiable:
            why = " ".join(policed.notices) or "It gave no verifiable citation."
            return self._fallback(fallback, f"The generated answer could not be verified. {why} "
                                            "Showing the extractive answer instead.", t0)
        total = (time.perf_counter() - t0) * 1e3
        return Answer(question=query.text, language=query.language, answerable=True, text=policed.text,
                      citations=policed.citations, reason=f"generated by {self.name}, quotes verified",
                      timings_ms={**res.timings_ms, "total": total}, generator=self.name,
                      notices=(*res.notices, *policed.notices))

    def _asked(self, query: Query) -> str:
        """The question put to the model: a follow-up condensed by the LLM into a standalone
        question (the prompt holds no history), else the question itself."""
        standalone = self.condense(query.text, list(query.history)) if query.followup else None
        return standalone or query.text

    @staticmethod
    def _fallback(ans: Answer, notice: str, t0: float) -> Answer:
        return replace(ans, notices=(*ans.notices, notice),
                       timings_ms={**ans.timings_ms, "total": (time.perf_counter() - t0) * 1e3})


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc)
    if "timeout" in (name + text).lower() or "timed out" in text.lower():
        return "timed out"
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if status:
        return f"server error {status}"
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError)) or "json" in text.lower():
        return "unreadable reply"
    if isinstance(exc, BackendError):
        return str(exc)
    return name
