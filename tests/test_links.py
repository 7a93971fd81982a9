"""Links between resolutions: references found in clause text, resolved against the library's ids
and symbols in either spelling (links.py), and the graph through the CLI."""

import json
from pathlib import Path

import pytest

from resqa.links import Library, build_graph, key, references_in
from resqa.model import Clause

DATA = Path(__file__).parent / "data"


def clause(doc_id: str, text: str, n: int = 1, kind: str = "preamble") -> Clause:
    return Clause(clause_id=f"{doc_id}/pre-{n}", doc_id=doc_id, doc_title=doc_id, kind=kind, ordinal=n,
                  label="", language="en", text=text, start=0, end=len(text), position=n)


UN = [("S/RES/660 (1990)", {"symbol": "S/RES/660 (1990)", "organisation": "UN Security Council"}),
      ("S-RES-508-1982", {"organisation": "UN Security Council"}),
      ("S-RES-509-1982", {"symbol": "S/RES/509 (1982)", "body": "Security Council"}),
      ("AG-2005-RES-09", {"organisation": "INTERPOL"}),
      ("S/RES/700 (1991)", {"symbol": "S/RES/700 (1991)"})]


@pytest.mark.parametrize(("text", "targets"), [
    ("Recalling its resolution 660 (1990) of 2 August 1990,", ["S/RES/660 (1990)"]),
    ("Reaffirming its resolutions 508 (1982) and 509 (1982),", ["S-RES-508-1982", "S-RES-509-1982"]),
    ("RAPPELANT la résolution AG-2005-RES-09 relative aux enfants,", ["AG-2005-RES-09"]),
    ("Recordando la resolución 660 (1990),", ["S/RES/660 (1990)"]),
    ("Noting S/RES/509 (1982) and resolution 999 (1999), which the library lacks,", ["S-RES-509-1982"]),
    ("Recalling Article 25 (1945) of the Charter,", []),  # no "resolution": a number in brackets is not one
    ("Recalling its resolution 660 (1991),", []),  # the number exists, but not in that year
])
def test_references_resolve_in_either_spelling(text, targets):
    got = [ln.target for ln in references_in(clause("S/RES/700 (1991)", text), Library(UN))]
    assert got == targets


def test_a_document_never_recalls_itself():
    assert references_in(clause("S/RES/660 (1990)", "Recalling its resolution 660 (1990),"), Library(UN)) == []


def test_same_number_in_two_bodies_prefers_the_citing_body():
    lib = Library([("GA-660-1990", {"symbol": "A/RES/660 (1990)", "body": "General Assembly"}),
                   ("S/RES/660 (1990)", {"body": "Security Council"}),
                   ("S/RES/700 (1991)", {"body": "Security Council"})])
    [ln] = references_in(clause("S/RES/700 (1991)", "Recalling its resolution 660 (1990),"), lib)
    assert ln.target == "S/RES/660 (1990)"


def test_key_ignores_punctuation():
    assert key("S/RES/660 (1990)") == key("s-res-660-1990") == "SRES6601990"


def test_graph_on_the_fixture_resolutions():
    from resqa.clauses import parse
    from resqa.load import load_paths

    docs = load_paths([DATA / "sc-1990.jsonl"]).documents
    clauses = [c for d in docs for c in parse(d)]
    g = build_graph(((d.doc_id, d.metadata) for d in docs), clauses)
    ids = {d.metadata["symbol"]: d.doc_id for d in docs}
    recalled = {ln.target for ln in g.recalls[ids["S/RES/665 (1990)"]]}
    assert recalled == {ids["S/RES/662 (1990)"], ids["S/RES/664 (1990)"]}  # 660 and 661 are not in the library
    sources = {ln.source for ln in g.recalled_by[ids["S/RES/662 (1990)"]]}
    assert sources == {ids["S/RES/664 (1990)"], ids["S/RES/665 (1990)"], ids["S/RES/667 (1990)"]}
    assert ids["S/RES/662 (1990)"] not in g.recalls  # 662 recalls only 660, which the library lacks
    assert all("(1990)" in ln.text for links in g.recalls.values() for ln in links)


@pytest.fixture(scope="module")
def sc_index(tmp_path_factory):
    from resqa.config import Settings
    from resqa.pipeline import Pipeline

    d = tmp_path_factory.mktemp("sc") / "index"
    Pipeline(Settings(index_dir=d, embedder="hash"), create=True).ingest([DATA / "sc-1990.jsonl"])
    return d


def test_cli_links_json(sc_index, capsys, monkeypatch):
    from resqa.cli import main

    monkeypatch.setenv("RESQA_EMBEDDER", "hash")
    assert main(["links", "S/RES/664 (1990)", "--json", "--index", str(sc_index)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert key(out["document"]) == key("S/RES/664 (1990)")
    assert {key(r["document"]) for r in out["recalls"]} == {key("S/RES/662 (1990)")}
    assert {key(r["document"]) for r in out["recalled_by"]} == {key("S/RES/665 (1990)"), key("S/RES/667 (1990)")}
    assert main(["links", "S/RES/1 (1946)", "--index", str(sc_index)]) == 2
    assert main(["info", "--json", "--index", str(sc_index)]) == 0
    links = json.loads(capsys.readouterr().out)["links"]
    assert {key(d) for d in links} == {key("S/RES/664 (1990)"), key("S/RES/665 (1990)"), key("S/RES/667 (1990)")}
