"""Client-server mode: a real `chroma run` server on loopback, the seeds ingested through it.

Answers must equal those from the embedded store, and a server that goes away must give a clear
error, then work again when it returns, without restarting resqa."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from chroma_server import ChromaServer
from conftest import ROOT, SEEDS

from resqa.config import Settings
from resqa.errors import BackendError
from resqa.pipeline import Pipeline


def _cases() -> list[dict]:
    return [json.loads(line) for line in (ROOT / "eval" / "cases.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _comparable(ans) -> dict:
    out = ans.to_json()
    out.pop("timings_ms")
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def remote(server, tmp_path_factory) -> Pipeline:
    settings = Settings(index_dir=tmp_path_factory.mktemp("client") / "index", chroma_url=server.url,
                        seeds_dir=SEEDS)
    pipe = Pipeline(settings, create=True)
    report = pipe.ingest([SEEDS])
    assert report.documents == 1 and report.clauses == 14
    return pipe


def test_answers_through_the_server_equal_the_embedded_store(remote, pipe):
    cases = _cases()
    assert len(cases) >= 80
    for case in cases:
        got = remote.ask(case["question"], case.get("history", []))
        want = pipe.ask(case["question"], case.get("history", []))
        assert _comparable(got) == _comparable(want), case["id"]


def test_a_second_client_with_its_own_cache_sees_the_same_index(remote, server, tmp_path):
    """Nothing needed for answering lives only on the first client's disk."""
    other = Pipeline(Settings(index_dir=tmp_path / "elsewhere", chroma_url=server.url, seeds_dir=SEEDS))
    q = "Which earlier resolutions does the Assembly recall?"
    assert _comparable(other.ask(q)) == _comparable(remote.ask(q))
    assert other.index.info()["documents"] == remote.index.info()["documents"]


def test_reingest_through_the_server_embeds_nothing(remote):
    report = remote.ingest([SEEDS])
    assert report.embedded == 0 and report.reused == 0 and report.documents == 1


def test_server_going_away_is_reported_and_recovered_without_restart(remote, server):
    q = "What does the resolution urge member countries to do?"
    before = _comparable(remote.ask(q))
    server.stop()
    try:
        with pytest.raises(BackendError, match="Chroma server is not answering"):
            remote.ask(q)
    finally:
        server.start()
    assert _comparable(remote.ask(q)) == before


def test_cli_against_the_server(remote, server, tmp_path):
    env = {"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin", "RESQA_INDEX": str(tmp_path / "idx"),
           "HOME": str(tmp_path)}
    run = [sys.executable, "-m", "resqa.cli"]
    out = subprocess.run([*run, "info", "--json", "--chroma-url", server.url], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["documents"][0]["id"] == "GA-2021-89-RES-09"
    server.stop()
    try:
        out = subprocess.run([*run, "ask", "What does the resolution urge?", "--chroma-url", server.url],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        assert out.returncode == BackendError.exit_code
        assert "Chroma server is not answering" in out.stderr and "Traceback" not in out.stderr
    finally:
        server.start()


def test_page_shows_a_banner_while_the_server_is_away_and_recovers(remote, server, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("RESQA_CHROMA_URL", server.url)
    monkeypatch.setenv("RESQA_INDEX", str(remote.settings.index_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    q = "What does the resolution urge member countries to do?"
    at.chat_input[0].set_value(q).run()
    assert any("DEMANDE INSTAMMENT" in m.value for m in at.markdown)
    server.stop()
    try:
        at.chat_input[0].set_value(q).run()
        assert not at.exception
        assert any("Chroma server is not answering" in e.value for e in at.error)
        assert "Traceback" not in "".join(e.value for e in at.error)
    finally:
        server.start()
    at.chat_input[0].set_value(q).run()
    assert not at.exception and not at.error
    assert sum("DEMANDE INSTAMMENT à tous" in m.value for m in at.markdown) >= 2
