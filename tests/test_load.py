import json
from pathlib import Path

from resqa.load import load_paths


def test_bad_files_are_reported_and_skipped(tmp_path: Path):
    (tmp_path / "good.txt").write_text("A short good document.", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("résolution".encode("latin-1"))
    (tmp_path / "empty.md").write_text("   \n", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "docs.jsonl").write_text(
        json.dumps({"id": "a-1", "text": "First doc", "metadata": {"year": 2020}}) + "\nnot json\n"
        + json.dumps({"id": "a-2"}) + "\n", encoding="utf-8")
    res = load_paths([tmp_path])
    ids = sorted(d.doc_id for d in res.documents)
    assert ids == ["a-1", "good"]
    reasons = " | ".join(r for _, r in res.failures)
    assert "not UTF-8" in reasons and "empty" in reasons and "PDF" in reasons
    assert "docs.jsonl:2" in reasons and "docs.jsonl:3" in reasons
    assert next(d for d in res.documents if d.doc_id == "a-1").metadata == {"year": 2020}


def test_missing_path_and_unsupported_type(tmp_path: Path):
    (tmp_path / "x.docx").write_bytes(b"PK")
    res = load_paths([tmp_path / "nope.txt", tmp_path / "x.docx"])
    assert not res.documents and len(res.failures) == 2


def test_jsonl_with_content_field_and_flat_metadata(tmp_path):
    from resqa.load import load_paths

    f = tmp_path / "articles.jsonl"
    f.write_text('{"id": "code:L1221-1", "title": "Section 1", "content": "Le contrat de travail est soumis '
                 'aux règles du droit commun.", "source": "code", "effectiveFrom": "2008-05-01", "x": null}\n'
                 '{"id": 3, "body": "no text"}\n', encoding="utf-8")
    res = load_paths([f])
    assert len(res.documents) == 1 and len(res.failures) == 1
    d = res.documents[0]
    assert d.doc_id == "code:L1221-1" and d.title == "Section 1"  # a record's id, as written
    assert d.metadata["source"] == "code" and d.metadata["effectiveFrom"] == "2008-05-01" and "x" not in d.metadata
    assert '"content"' in res.failures[0][1]
