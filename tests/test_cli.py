import json
import subprocess
import sys

from conftest import DOC, ROOT


def run(*args, stdin=None, index=None):
    cmd = [sys.executable, "-m", "resqa.cli", *args]
    if index is not None:
        cmd += ["--index", str(index)]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=180)


def test_ask_json(seed_index_dir):
    r = run("ask", "What does the resolution urge member countries to do?", "--json", index=seed_index_dir)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"question", "answerable", "answer", "citations", "related", "also", "timings_ms"}
    c = out["citations"][0]
    assert set(c) >= {"n", "document", "clause", "kind", "label", "quote", "text", "verified"}
    assert c["clause"] == f"{DOC}/op-2" and c["verified"] and c["quote"] in c["text"]


def test_ask_json_lines_from_stdin(seed_index_dir):
    lines = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"question": "Que demande instamment l’Assemblée aux pays membres ?"},
        {"question": "Et dans quel cadre ?", "history": ["Que demande instamment l’Assemblée aux pays membres ?"]},
        {"question": ""},
    ]) + "\nnot json\n"
    r = run("ask", "--json", "-", stdin=lines, index=seed_index_dir)
    outs = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(outs) == 4
    assert outs[0]["citations"][0]["clause"] == outs[1]["citations"][0]["clause"] == f"{DOC}/op-2"
    assert "empty" in outs[2]["error"] and "error" in outs[3]
    assert r.returncode == 2


def test_search_and_info(seed_index_dir):
    r = run("search", "chiffrement de bout en bout", "--json", "--k", "3", index=seed_index_dir)
    hits = json.loads(r.stdout)["hits"]
    assert len(hits) == 3 and set(hits[0]) >= {"document", "clause", "kind", "label", "score", "text"}
    r = run("info", index=seed_index_dir)
    assert '"preamble": 8' in r.stdout and '"operative": 2' in r.stdout


def test_user_errors_are_one_line_without_traceback(seed_index_dir, tmp_path):
    r = run("ask", "   ", index=seed_index_dir)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stderr.startswith("resqa: ")
    r = run("ask", "x" * 2500, index=seed_index_dir)
    assert r.returncode == 2 and "2000" in r.stderr
    r = run("ask", "hello?", index=tmp_path / "missing")
    assert r.returncode == 3 and "resqa ingest" in r.stderr and "Traceback" not in r.stderr


def test_ingest_reports_bad_files_and_continues(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ok.txt").write_text("Un document correct sur la coopération policière.", encoding="utf-8")
    (docs / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    r = run("ingest", str(docs), index=tmp_path / "idx")
    assert r.returncode == 0, r.stderr
    assert "1 documents" in r.stdout and "1 files skipped" in r.stdout and "bad.txt" in r.stderr
