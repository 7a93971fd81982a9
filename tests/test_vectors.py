"""Dense search over the catalogue's copy of the vectors (vectors.py), against Chroma's own
query on the same real index, and the catalogue's disk cache of what it derives."""

from __future__ import annotations

import numpy as np
import pytest

from resqa.config import Settings
from resqa.index import ClauseIndex
from resqa.pipeline import Pipeline
from resqa.vectors import VectorTable, WordTable

QUESTIONS = ["What does the resolution urge member countries to do?",
             "Quels principes la résolution rappelle-t-elle ?",
             "¿Qué pide la Asamblea a la Secretaría General?",
             "data protection and encryption"]


def _chroma_dense(index: ClauseIndex, vec: np.ndarray, k: int) -> list[tuple[str, float]]:
    """What dense search gave before vectors.py: Chroma's query for 4k records, best per clause."""
    got = index.store._clauses.query(query_embeddings=[vec.tolist()], n_results=k * 4,
                                     include=["metadatas", "distances"])
    best: dict[str, float] = {}
    for meta, dist in zip(got["metadatas"][0], got["distances"][0]):
        best[meta["clause_id"]] = max(best.get(meta["clause_id"], -1.0), 1.0 - dist)
    return sorted(best.items(), key=lambda kv: -kv[1])[:k]


@pytest.mark.parametrize("question", QUESTIONS)
def test_exact_search_agrees_with_chromas_query_on_the_seed(pipe, question):
    vec = pipe.embedder.embed_queries([question])[0]
    ours, chroma = pipe.index.dense(vec, 5), _chroma_dense(pipe.index, vec, 5)
    assert [c for c, _ in ours] == [c for c, _ in chroma]
    assert np.allclose([s for _, s in ours], [s for _, s in chroma], atol=1e-5)


def test_the_table_holds_every_visible_record_and_the_stored_segment_vectors(pipe):
    cat = pipe.index.catalogue
    assert len(cat.vectors) == sum(i.records for i in cat.docs.values())
    multi = [c for c in cat.clauses.values() if len(c.segments) > 1]
    assert multi
    for clause in multi:
        h = cat.docs[clause.doc_id].content_hash[:12]
        ids = [f"{clause.clause_id}#{h}:s{i}" for i in range(len(clause.segments))]
        stored = np.asarray(pipe.index.store._clauses.get(ids=ids, include=["embeddings"])["embeddings"])
        stored /= np.linalg.norm(stored, axis=1, keepdims=True)
        assert np.allclose(pipe.index.segment_vectors(clause), stored, atol=1e-6)
    single = next(c for c in cat.clauses.values() if len(c.segments) < 2)
    assert pipe.index.segment_vectors(single) is None


def test_a_search_inside_documents_stays_inside_them(pipe):
    doc = next(iter(pipe.index.catalogue.docs))
    vec = pipe.embedder.embed_queries([QUESTIONS[0]])[0]
    assert pipe.index.dense(vec, 5, {doc}) and all(c.startswith(doc) for c, _ in pipe.index.dense(vec, 5, {doc}))
    assert pipe.index.dense(vec, 5, {"no-such-document"}) == []
    assert pipe.index.dense(vec, 5, set()) == []


def test_table_search_is_brute_force_best_per_clause():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(50, 8)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    ids = [f"c{i // 2}#h" + (f":s{i % 2}" if i % 2 else "") for i in range(50)]

    class C:
        def __init__(self, cid):
            self.doc_id = "d1" if int(cid[1:]) < 10 else "d2"

    table = VectorTable(ids, m, {f"c{i}": C(f"c{i}") for i in range(25)})
    q = rng.normal(size=8).astype(np.float32)
    scores = m @ (q / np.linalg.norm(q))
    best: dict[str, float] = {}
    for i in np.argsort(-scores)[:12]:
        best.setdefault(ids[i].split("#")[0], float(scores[i]))
    got = table.search(q, 12, 4)
    assert [c for c, _ in got] == list(best)[:4]
    assert [s for _, s in got] == pytest.approx(list(best.values())[:4])
    inside = table.search(q, 12, 4, {"d1"})
    assert inside and all(int(c[1:]) < 10 for c, _ in inside)


def test_nearest_words_are_the_exact_nearest():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(30, 8)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    words = [f"w{i:02d}" for i in range(30)]
    q = rng.normal(size=(2, 8)).astype(np.float32)
    got = WordTable(words, m).nearest(q, 10)
    for row, (ids, sims) in zip(q, got):
        order = np.argsort(-(m @ (row / np.linalg.norm(row))))[:10]
        assert ids == [words[i] for i in order]
        assert sims == sorted(sims, reverse=True)
    assert WordTable([], np.zeros((0, 8), np.float32)).nearest(q, 10) == [([], []), ([], [])]


def _ranked(pipe, question):
    return [(h.clause.clause_id, round(h.score, 6)) for h in pipe.search(question).hits]


def test_a_fresh_process_loads_the_derived_indexes_instead_of_building_them(index_copy, monkeypatch):
    asked = ["What does resolution AG-2005-RES-09 ask?", QUESTIONS[0]]
    first = Pipeline(Settings(index_dir=index_copy))
    cache = first.index.catalogue.cache
    want = [_ranked(first, q) for q in asked]
    assert (cache / "references" / "done").exists() and (cache / "documents" / "done").exists()
    import resqa.catalogue as catalogue_module
    import resqa.references as references_module

    def refuse(*_a, **_k):
        raise AssertionError("built again although the cache holds it")

    monkeypatch.setattr(catalogue_module.DocumentIndex, "__init__", refuse)
    monkeypatch.setattr(references_module.Haystack, "__init__", refuse)
    again = Pipeline(Settings(index_dir=index_copy))
    assert [_ranked(again, q) for q in asked] == want


def test_a_cache_without_vectors_is_completed_from_the_store(index_copy, pipe):
    """A cache written before vectors.py held only clauses and BM25: it is rebuilt whole."""
    cache = pipe.index.catalogue.cache.name
    for name in ("vectors.npy", "vectors.json", "words.npy", "words.json"):
        (index_copy / "cache" / cache / name).unlink()
    fixed = Pipeline(Settings(index_dir=index_copy))
    assert (index_copy / "cache" / cache / "vectors.npy").exists()
    assert fixed.ask(QUESTIONS[0]).to_json()["citations"] == pipe.ask(QUESTIONS[0]).to_json()["citations"]


def test_a_corpus_words_query_vector_is_the_one_a_question_would_get(pipe):
    table = pipe.index.catalogue.query_words
    assert len(table) == len(pipe.index.catalogue.words) > 50
    words = table.words[::25]
    # equal up to float32 rounding: Chroma hands some vectors back 1e-8 off what it was given
    assert np.allclose(np.stack([table.vector(w) for w in words]), pipe.embedder.embed_queries(words), atol=1e-6)


def test_only_the_question_and_words_outside_the_corpus_are_embedded(pipe, monkeypatch):
    corpus = pipe.index.catalogue.query_words
    pipe.retriever.clear_cache()
    calls: list[list[str]] = []
    real = pipe.embedder.embed_queries
    monkeypatch.setattr(pipe.embedder, "embed_queries", lambda texts: calls.append(list(texts)) or real(texts))
    q = f"{corpus.words[10]} {corpus.words[20]} zorblax"
    pipe.search(q)
    assert calls == [[q, "zorblax"]]


def test_an_index_without_query_words_answers_the_same_and_ingest_fills_them(index_copy, pipe):
    """An index written before the query side existed: its words are embedded when asked, and
    the next ingest (even with nothing new) fills the query side in."""
    import shutil

    _client(index_copy).delete_collection("resqa_vocab_queries")
    shutil.rmtree(index_copy / "cache")  # its cache predates the query side too
    old = Pipeline(Settings(index_dir=index_copy))
    assert len(old.index.catalogue.query_words) == 0
    want = [h.clause.clause_id for h in pipe.search(QUESTIONS[1]).hits]
    assert [h.clause.clause_id for h in old.search(QUESTIONS[1]).hits] == want
    old.ingest([old.settings.seeds_dir])
    assert len(old.index.catalogue.query_words) == len(pipe.index.catalogue.query_words)
    assert [h.clause.clause_id for h in old.search(QUESTIONS[1]).hits] == want


def _client(index):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(path=str(index / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
