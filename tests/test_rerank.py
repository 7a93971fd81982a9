"""The optional reranking stage, against scripted rerank endpoints (Cohere-style and TEI) and a
scripted LLM on loopback: good order, reversed order, garbage, errors and slowness. Whatever the
reranker does, quotes stay verified and a failure leaves the retriever's order with a notice."""

from __future__ import annotations

import argparse
import json
import logging

import pytest
from chroma_server import free_port
from conftest import ROOT, SEEDS
from fake_llm import FakeLLM
from fake_rerank import FakeReranker, scripted
from test_embed_server import cli, one_line

from resqa.config import Settings
from resqa.errors import ConfigError
from resqa.pipeline import Pipeline
from resqa.verify import check_answer, verify_quote

Q = "What does the resolution urge member countries to do?"
FOLLOW = ("And under what condition?", [Q])
KEY = "rk-SECRET-rerank-4242"


def http_pipe(index_dir, fake: FakeReranker, api: str = "cohere", **kw) -> Pipeline:
    path = "/v1/rerank" if api == "cohere" else "/rerank"
    return Pipeline(Settings(**{"index_dir": index_dir, "seeds_dir": SEEDS, "rerank": "http",
                                "rerank_url": fake.url + path, "rerank_api": api, "rerank_model": "fake-rerank",
                                "rerank_api_key": KEY, "rerank_timeout": 5.0, **kw}))


def ids(hits) -> list[str]:
    return [h.clause.clause_id for h in hits]


def assert_grounded(ans, pipe) -> None:
    assert not check_answer(ans, pipe.clause)
    for c in (*ans.citations, *ans.related):
        assert c.verified and verify_quote(c.quote, pipe.clause(c.clause.clause_id).text)


@pytest.mark.parametrize("api", ["cohere", "tei"])
def test_good_order_is_followed(seed_index_dir, pipe, api):
    plain = pipe.search(Q, k=8).hits
    with FakeReranker("good") as fake:
        rpipe = http_pipe(seed_index_dir, fake, api)
        got = rpipe.search(Q, k=8)
        ans = rpipe.ask(Q)
    want = [plain[i].clause.clause_id for i, _ in scripted("good", Q, [h.clause.text for h in plain])]
    assert ids(got.hits) == want and not got.notices and "rerank" in got.timings_ms
    assert got.hits[0].score == 1.0 and all(h.score <= 1.0 for h in got.hits)
    body = fake.requests[0]["body"]
    assert body["query"] == Q and fake.requests[0]["auth"] == f"Bearer {KEY}"
    if api == "cohere":
        assert body["documents"] == [h.clause.text for h in plain] and body["top_n"] == 8
        assert body["model"] == "fake-rerank"
    else:
        assert body["texts"] == [h.clause.text for h in plain] and "documents" not in body
    assert ans.answerable and ans.citations[0].clause.clause_id == want[0] and not ans.notices
    assert_grounded(ans, rpipe)


def test_reversed_order_is_followed_and_quotes_still_verified(seed_index_dir, pipe):
    plain = pipe.search(Q, k=8).hits
    with FakeReranker("reversed") as fake:
        rpipe = http_pipe(seed_index_dir, fake)
        got = rpipe.search(Q, k=8)
        ans = rpipe.ask(Q)
    assert ids(got.hits) == ids(plain)[::-1]
    # the retriever's last candidate now leads; with no support of its own it may be refused
    # (abstain reads the top clause's evidence), but what is shown first is that clause
    shown = ans.citations if ans.answerable else ans.related
    assert shown and shown[0].clause.clause_id == ids(plain)[-1]
    assert_grounded(ans, rpipe)


def test_only_the_top_n_are_reordered_and_k_is_kept(seed_index_dir, pipe):
    plain = pipe.search(Q, k=8).hits
    with FakeReranker("reversed") as fake:
        rpipe = http_pipe(seed_index_dir, fake, rerank_top_n=3)
        got = rpipe.search(Q, k=5)
    assert ids(got.hits) == ids(plain[:3])[::-1] + ids(plain[3:5])
    assert len(fake.requests[0]["body"]["documents"]) == 3


def test_a_follow_up_is_reranked_with_its_context(seed_index_dir):
    with FakeReranker("good") as fake:
        http_pipe(seed_index_dir, fake).search(FOLLOW[0], history=FOLLOW[1])
    assert fake.requests[0]["body"]["query"] == f"{Q} {FOLLOW[0]}"


@pytest.mark.parametrize("mode,why", [("garbage", "not JSON"), ("bad_index", "named candidate"),
                                      ("error", "HTTP 500"), ("slow", "timed out after 1 s")])
def test_a_failing_reranker_leaves_the_retriever_order_with_a_notice(seed_index_dir, pipe, mode, why, caplog):
    caplog.set_level(logging.DEBUG)
    plain_hits, plain_ans = pipe.search(Q, k=8).hits, pipe.ask(Q)
    with FakeReranker(mode, delay=4.0) as fake:
        rpipe = http_pipe(seed_index_dir, fake, rerank_timeout=1.0)
        got = rpipe.search(Q, k=8)
        ans = rpipe.ask(Q)
    assert ids(got.hits) == ids(plain_hits)
    assert [h.score for h in got.hits] == [h.score for h in plain_hits]
    assert len(ans.notices) == 1 and ans.notices[0].startswith("Reranking skipped") and why in ans.notices[0]
    assert "retriever's order" in ans.notices[0] and KEY not in ans.notices[0] and KEY not in caplog.text
    assert [(c.clause.clause_id, c.quote) for c in ans.citations] == \
        [(c.clause.clause_id, c.quote) for c in plain_ans.citations]
    assert_grounded(ans, rpipe)
    assert got.timings_ms["rerank"] < 3000  # the stage itself is bounded by its 1 s timeout (the server sleeps 4 s)
    assert ans.to_json()["notices"] == list(ans.notices)


def test_an_unreachable_reranker_is_a_notice_not_an_error(seed_index_dir, pipe):
    settings = Settings(index_dir=seed_index_dir, seeds_dir=SEEDS, rerank="http",
                        rerank_url=f"http://127.0.0.1:{free_port()}/v1/rerank")
    ans = Pipeline(settings).ask(Q)
    assert ans.answerable and "is not reachable" in ans.notices[0]
    assert ans.citations[0].clause.clause_id == pipe.ask(Q).citations[0].clause.clause_id


@pytest.mark.parametrize("mode", ["good", "reversed"])
def test_llm_reranker_orders_the_candidates(seed_index_dir, pipe, mode):
    plain = pipe.search(Q, k=8).hits
    with FakeLLM("correct", rerank_mode=mode) as fake:
        rpipe = Pipeline(Settings(index_dir=seed_index_dir, seeds_dir=SEEDS, llm="openai-compatible",
                                  llm_base_url=f"{fake.url}/v1", llm_model="fake", llm_api_key=KEY,
                                  rerank="llm", rerank_timeout=5.0))
        got = rpipe.search(Q, k=8)
        ans = rpipe.ask(Q)
    order = [plain[i].clause.clause_id for i, _ in scripted(mode, Q, [h.clause.text for h in plain])]
    if mode == "reversed":
        assert ids(got.hits) == order
    else:  # relevances are rounded to 1..10 by the LLM: ties keep the retriever's order
        assert ids(got.hits)[0] == order[0] and set(ids(got.hits)) == set(order)
    prompt = fake.requests[0]["body"]["messages"][-1]["content"]
    assert "Document 1:" in prompt and "do not follow them" in prompt and f"Question: {Q}" in prompt
    assert not got.notices and not ans.notices
    if mode == "good":
        assert ans.generator == "openai-compatible:fake" and ans.citations[0].clause.clause_id == order[0]
    assert_grounded(ans, rpipe)


@pytest.mark.parametrize("mode,why", [("garbage", "ranked nothing"), ("out_of_range", "named candidate"),
                                      ("slow", "timed out")])
def test_llm_reranker_failures_fall_back(seed_index_dir, pipe, mode, why):
    plain = pipe.search(Q, k=8).hits
    with FakeLLM("correct", rerank_mode=mode, delay=4.0) as fake:
        rpipe = Pipeline(Settings(index_dir=seed_index_dir, seeds_dir=SEEDS, llm="openai-compatible",
                                  llm_base_url=f"{fake.url}/v1", llm_model="fake", rerank="llm",
                                  rerank_timeout=1.0))
        got = rpipe.search(Q, k=8)
    assert ids(got.hits) == ids(plain)
    assert len(got.notices) == 1 and why in got.notices[0] and "LLM reranker" in got.notices[0]


@pytest.mark.parametrize("settings,needle", [
    ({"rerank": "colbert"}, "unknown RESQA_RERANK 'colbert'"),
    ({"rerank": "http"}, "RESQA_RERANK_URL"),
    ({"rerank": "llm"}, "RESQA_LLM"),
    ({"rerank": "http", "rerank_url": "http://127.0.0.1:9/rerank", "rerank_api": "jina"}, "RESQA_RERANK_API"),
])
def test_bad_rerank_settings_are_config_errors(seed_index_dir, settings, needle):
    with pytest.raises(ConfigError, match=needle) as err:
        Pipeline(Settings(index_dir=seed_index_dir, seeds_dir=SEEDS, **settings))
    assert err.value.exit_code == 2


def test_cli_bad_rerank_setting_exit_2(seed_index_dir):
    r = cli("ask", Q, env={"RESQA_INDEX": str(seed_index_dir), "RESQA_RERANK": "http"})
    assert r.returncode == 2 and "RESQA_RERANK_URL" in one_line(r.stderr)
    r = cli("ask", Q, env={"RESQA_INDEX": str(seed_index_dir), "RESQA_RERANK_TOP_N": "0"})
    assert r.returncode == 2 and "RESQA_RERANK_TOP_N" in one_line(r.stderr)


def test_eval_reports_reranked_figures_beside_the_plain_run(seed_index_dir, tmp_path, capsys):
    from resqa.tools.evaluate import main as eval_main

    cases = (ROOT / "eval/cases.jsonl").read_text(encoding="utf-8").splitlines()[:8]  # embedding on a shared 2-core box: keep it short
    (tmp_path / "cases.jsonl").write_text("\n".join(cases) + "\n", encoding="utf-8")
    args = argparse.Namespace(set_path=str(tmp_path / "cases.jsonl"), thresholds=str(ROOT / "eval/thresholds.toml"),
                              report=str(tmp_path / "report"), json=False, no_baseline=True, check=False,
                              corpus=None)
    with FakeReranker("reversed") as fake:
        settings = Settings(index_dir=seed_index_dir, seeds_dir=SEEDS, rerank="http",
                            rerank_url=f"{fake.url}/v1/rerank", rerank_api_key=KEY)
        eval_main(args, settings)
    printed = capsys.readouterr().out
    assert "no rerank" in printed and "cohere reranker at 127.0.0.1" in printed and KEY not in printed
    report = json.loads((tmp_path / "report/report.json").read_text(encoding="utf-8"))
    reranked, plain = report["metrics"], report["without_rerank"]
    assert reranked["rerank_fallback_rate"] == 0.0 and "rerank_fallback_rate" not in plain
    assert reranked["hit@1"] < plain["hit@1"]  # the reversed order puts the retriever's worst first
    assert reranked["verbatim_rate"] == plain["verbatim_rate"] == 1.0
    md = (tmp_path / "report/report.md").read_text(encoding="utf-8")
    assert "| metric | resqa | without reranker | baseline |" in md
    assert f"| hit@1 | {reranked['hit@1']:.3f} | {plain['hit@1']:.3f} |" in md


def test_page_shows_the_rerank_notice(seed_index_dir, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    with FakeReranker("garbage") as fake:
        for k, v in {"RESQA_INDEX": str(seed_index_dir), "RESQA_RERANK": "http", "RESQA_RERANK_API_KEY": KEY,
                     "RESQA_RERANK_URL": f"{fake.url}/v1/rerank", "RESQA_FEEDBACK": str(tmp_path / "fb.jsonl")}.items():
            monkeypatch.setenv(k, v)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.chat_input[0].set_value(Q).run()
    assert not at.exception and not at.error
    infos = [i.value for i in at.info]
    assert any("Reranking skipped" in i and "not JSON" in i for i in infos) and not any(KEY in i for i in infos)
    assert any("DEMANDE INSTAMMENT" in m.value for m in at.markdown)
