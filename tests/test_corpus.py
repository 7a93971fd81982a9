"""Many documents: metadata filters, answers naming their documents, resumable bulk ingest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DOC, ROOT, SEED_FILE

from resqa.config import Settings
from resqa.errors import InputError
from resqa.filters import matches, parse_where
from resqa.pipeline import Pipeline
from resqa.tools.synth import synthetic_documents

OTHER = "GA-2019-88-RES-03"


@pytest.fixture(scope="module")
def two_docs(tmp_path_factory) -> Pipeline:
    folder = tmp_path_factory.mktemp("two")
    shutil.copy(SEED_FILE, folder)
    shutil.copy(ROOT / "tests" / "data" / "un-style-2019-en.txt", folder)
    pipe = Pipeline(Settings(index_dir=folder.parent / (folder.name + "-index")), create=True)
    assert pipe.ingest([folder]).documents == 2
    return pipe


def test_metadata_is_read_from_the_header(two_docs):
    meta = {d["id"]: d["metadata"] for d in two_docs.index.info()["documents"]}
    assert meta[DOC]["year"] == 2021 and meta[DOC]["session"] == 89 and meta[DOC]["organisation"] == "INTERPOL"
    assert meta[OTHER]["year"] == 2019 and meta[OTHER]["session"] == 88


def test_filters_restrict_answers_and_citations_name_their_document(two_docs):
    q = "What does the Assembly urge member countries to do?"
    only_2019 = two_docs.ask(q, where=parse_where(["year=2019"]))
    assert only_2019.citations and {c.clause.doc_id for c in only_2019.citations} == {OTHER}
    assert OTHER in only_2019.text  # the answer says which document says it
    only_fr = two_docs.ask(q, where=parse_where(["language=fr", "organisation=interpol"]))
    assert {c.clause.doc_id for c in only_fr.citations} == {DOC}
    ranged = two_docs.search(q, where=parse_where(["year=2020..2022"]))
    assert {h.clause.doc_id for h in ranged.hits} == {DOC}
    with pytest.raises(InputError, match="no document in the index matches year=1990"):
        two_docs.ask(q, where=parse_where(["year=1990"]))


def test_answer_drawing_on_both_documents_says_which_says_what(two_docs):
    ans = two_docs.ask("What do the two resolutions urge member countries to do?")
    docs = [c.clause.doc_id for c in ans.citations]
    for c in ans.citations:
        assert c.clause.doc_id in c.clause.clause_id
    for part, cit in zip(ans.text.split("\n\n"), ans.citations):
        assert cit.clause.doc_id in part  # each quoted part names its own document
    assert docs


@pytest.mark.parametrize("item", ["year", "=2", "year=", "year=a..b"])
def test_bad_filters_are_input_errors(item):
    with pytest.raises(InputError):
        matches("fr", {"year": 2021}, parse_where([item]))


def test_cli_where_flag(two_docs):
    env = {"PATH": "/usr/bin:/bin", "RESQA_INDEX": str(two_docs.settings.index_dir), "HOME": "/tmp"}
    out = subprocess.run([sys.executable, "-m", "resqa.cli", "ask", "What does the Assembly urge?", "--json",
                          "--where", "year=2019"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert {c["document"] for c in json.loads(out.stdout)["citations"]} == {OTHER}
    bad = subprocess.run([sys.executable, "-m", "resqa.cli", "ask", "x?", "--where", "year"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert bad.returncode == InputError.exit_code and "key=value" in bad.stderr


def test_bulk_ingest_reports_bad_files_and_resumes_after_interruption(tmp_path: Path):
    folder = tmp_path / "archive"
    folder.mkdir()
    docs = synthetic_documents(2000, ROOT)
    assert len(docs) >= 150
    for d in docs:
        (folder / f"{d.doc_id}.txt").write_text(d.text, encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Résolution".encode("latin-1"))
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<< garbage")
    settings = Settings(index_dir=tmp_path / "index", embedder="hash")
    pipe = Pipeline(settings, create=True)
    seen: list[tuple[int, int]] = []

    def interrupt(done: int, total: int, name: str) -> None:
        seen.append((done, total))
        if done >= 60:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipe.ingest([folder], progress=interrupt)
    assert seen[0] == (0, len(docs))
    reopened = Pipeline(settings)
    by_doc = {d.doc_id: d for d in docs}
    present = reopened.index.catalogue.docs
    assert len(present) == seen[-1][0] and 0 < len(present) < len(docs)
    for doc_id in present:  # every visible document is whole
        assert len(reopened.index.catalogue.clauses_of(doc_id)) == sum(reopened.index.catalogue.docs[doc_id].counts.values())
        assert doc_id in by_doc
    report = reopened.ingest([folder])
    assert report.documents == len(docs) and len(reopened.index.catalogue.docs) == len(docs)
    assert {Path(s).name for s, _ in report.skipped} == {"latin1.txt", "empty.txt", "broken.pdf"}
    again = reopened.ingest([folder])
    assert again.embedded == 0 and again.reused == 0
