"""`resqa bench --corpus`: the real-library benchmark runs end to end on a tiny library (real
embedder, real Chroma, child processes as in a full run), so it cannot rot between full runs."""

from __future__ import annotations

import json

import pytest

from resqa.tools import bench

DOCS = [
    {"id": "S/RES/901 (2030)", "title": "Security Council resolution 901 (2030)",
     "text": "The Security Council,\n\nRecalling its earlier resolutions on the question,\n\n"
             "1. Demands that all parties cease hostilities at once;\n\n"
             "2. Requests the Secretary-General to report within thirty days;\n\n"
             "3. Decides to remain seized of the matter.\n"},
    {"id": "S/RES/902 (2030)", "title": "Security Council resolution 902 (2030)",
     "text": "The Security Council,\n\nNoting with concern the situation of refugees,\n\n"
             "1. Calls upon Member States to provide humanitarian assistance;\n\n"
             "2. Decides to remain seized of the matter.\n"},
]
QUESTIONS = ["What does resolution 901 demand?", "Who is asked to report?",
             "What does the Council call upon Member States to provide?"]


@pytest.mark.slow
def test_bench_on_a_corpus_reports_every_measure(tmp_path):
    corpus = tmp_path / "lib.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in DOCS), encoding="utf-8")
    queries = tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps({"question": q}) + "\n" for q in QUESTIONS), encoding="utf-8")
    out = bench.run([], tmp_path / "out", repeats=1, load_levels=(1, 2), corpus=[str(corpus)],
                    queries=str(queries), log=lambda m: None)
    v = out["sizes"]["corpus"]
    assert v["documents"] == 2 and v["clauses"] >= 7
    assert v["reingest_embedded"] == 0  # an unchanged library is not embedded again
    assert v["baseline_retrieve_p50_ms"] > 0 and v["ask_p50_ms"] > 0 and v["cold_ask_s"] > 0
    assert 0 < v["pipeline_vs_raw"] < 5
    prof = v["profile_ms"]
    assert prof["embedding"] > 0 and prof["dense"] > 0 and prof["total"] >= prof["embedding"] + prof["dense"]
    assert [r["concurrency"] for r in out["load_corpus"]] == [1, 2]
    assert json.loads((tmp_path / "out" / "bench.json").read_text())["corpus"]["queries"] == str(queries)
    assert "corpus" in bench.summary(out)


def test_a_kept_baseline_is_loaded_not_rebuilt(tmp_path, pipe, monkeypatch):
    """bench --keep keeps the default pipeline's index too: at the full library it took 585 s to
    build, every run. A kept one answers as the one that was built."""
    from llama_index.core import VectorStoreIndex

    from resqa.load import load_paths
    from resqa.tools import baseline

    docs = load_paths([bench.ROOT / "seeds"]).documents
    built = baseline.build(docs, pipe.embedder, keep=tmp_path / "b")
    q = "What does the resolution urge member countries to do?"
    want = [(n.node.node_id, round(n.score, 6)) for n in built.retriever.retrieve(q)]

    def refuse(*_a, **_k):
        raise AssertionError("rebuilt although kept")

    monkeypatch.setattr(VectorStoreIndex, "from_documents", refuse)
    kept = baseline.build(docs, pipe.embedder, keep=tmp_path / "b")
    assert [(n.node.node_id, round(n.score, 6)) for n in kept.retriever.retrieve(q)] == want
    assert (kept.build_s, kept.chunks) == (built.build_s, built.chunks)


def test_a_docs_size_is_that_many_short_documents_beside_the_seeds():
    """`--sizes 10000docs`: a wide library (issue 19's cold start at 10,000 documents)."""
    from resqa.clauses import parse
    from resqa.load import load_paths

    seeds = list(load_paths([bench.ROOT / "seeds"]).documents)
    docs = bench._corpus("40docs", bench.ROOT, None)
    assert len(docs) == len(seeds) + 40 and len({d.doc_id for d in docs}) == len(docs)
    short = docs[len(seeds):]
    assert all(1 <= len(parse(d)) <= 8 for d in short)
    assert bench._clause_count("40docs") == 200 and bench._clause_count("1000") == 1000
