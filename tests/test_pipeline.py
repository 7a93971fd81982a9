"""Retrieval and answers through the real embedder and a real Chroma folder under tmp_path."""

from pathlib import Path

import pytest
from conftest import DOC, SEED_FILE, SEEDS

from resqa.config import Settings
from resqa.errors import BackendError, IndexMismatchError, IndexMissingError, InputError
from resqa.pipeline import Pipeline
from resqa.verify import check_answer


@pytest.mark.parametrize("question", [
    "What does the resolution urge all member countries to do?",
    "Que demande instamment l’Assemblée aux pays membres ?",
])
def test_urge_question_cites_operative_clause_2_verbatim(pipe, question):
    ans = pipe.ask(question)
    assert ans.answerable
    first = ans.citations[0]
    assert first.clause.clause_id == f"{DOC}/op-2" and first.clause.kind == "operative"
    assert first.verified and first.quote in first.clause.text
    assert "[1]" in ans.text and not check_answer(ans, pipe.clause)


def test_answer_language_follows_question(pipe):
    assert "Operative clause" in pipe.ask("What does the resolution urge member countries to do?").text
    assert "du dispositif" in pipe.ask("Que demande instamment l’Assemblée aux pays membres ?").text


def test_followup_uses_history(pipe):
    first = "What does the resolution urge member countries to do?"
    ans = pipe.ask("And under what condition?", [first])
    assert ans.citations[0].clause.clause_id == f"{DOC}/op-2"


@pytest.mark.parametrize("question", [
    "What budget is allocated to implementing this resolution?",
    "Combien de pays ont voté pour la résolution ?",
    "What is the capital of Peru?",
    "Which body will monitor how member countries apply this resolution?",
])
def test_unsupported_questions_are_refused_with_related_reading(pipe, question):
    ans = pipe.ask(question)
    assert not ans.answerable and not ans.citations
    assert ans.related and all(c.verified for c in ans.related)


@pytest.mark.parametrize("question, shown", [
    ("Does the resolution mention artificial intelligence?", "“artificial”, “intelligence”"),
    ("La résolution parle-t-elle de l’intelligence artificielle ?", "“intelligence”, “artificielle”"),
    ("Does the resolution mention Telegram?", "“Telegram”"),  # a name ("WhatsApp": test_references)
])
def test_a_question_none_of_whose_words_the_documents_use_is_refused(pipe, question, shown):
    ans = pipe.ask(question)
    assert not ans.answerable and not ans.citations
    assert shown in ans.text and ans.related
    assert not check_answer(ans, pipe.clause)  # the words looked for are not shown as quotes


def test_a_name_or_a_word_with_a_confident_translation_is_matched(pipe):
    """"Turkey" is aligned to "Turquie"; one unmatched common word ("grooming": resqa misses its
    translation "pédopiégeage") is too little evidence to refuse on (abstain, rule 2)."""
    turkey = pipe.ask("Is Turkey mentioned?")
    assert turkey.answerable and turkey.citations[0].clause.clause_id == f"{DOC}/open"
    assert pipe.ask("Is grooming mentioned?").answerable


def test_a_followup_is_not_refused_for_words_that_lean_on_the_previous_turn(pipe):
    ans = pipe.ask("And under what condition?", history=["What does the resolution urge member countries to do?"])
    assert ans.answerable


def test_a_question_for_the_city_meets_the_opening_paragraph(pipe):
    """The opening's gloss names the place in four languages ("Stadt", "ville", "city"), so a
    German question with no word of the French text still finds where the Assembly met."""
    ans = pipe.ask("In welcher Stadt tagte die Versammlung?")
    assert ans.answerable and ans.citations[0].clause.clause_id == f"{DOC}/open"
    assert "Istanbul" in ans.citations[0].quote


@pytest.mark.parametrize("bad", ["", "   \n", "x" * 2001])
def test_bad_questions(pipe, bad):
    with pytest.raises(InputError):
        pipe.ask(bad)


def test_search_restricted_to_documents(pipe):
    assert pipe.search("encryption", doc_ids={DOC}).hits
    with pytest.raises(InputError, match="other"):  # an unknown id is named, not searched as empty
        pipe.search("encryption", doc_ids={"other"})


def test_missing_index_is_a_clear_error(tmp_path: Path):
    with pytest.raises(IndexMissingError, match="resqa ingest"):
        Pipeline(Settings(index_dir=tmp_path / "none"))


def test_reingest_unchanged_embeds_nothing_and_changed_doc_replaces(index_copy: Path, tmp_path: Path):
    pipe = Pipeline(Settings(index_dir=index_copy))
    again = pipe.ingest([SEEDS])
    assert again.embedded == 0 and again.documents == 1
    folder = tmp_path / "docs"
    folder.mkdir()
    text = SEED_FILE.read_text(encoding="utf-8").replace("Istanbul (Turquie)", "Lyon (France)")
    (folder / "seed.txt").write_text(text, encoding="utf-8")
    changed = pipe.ingest([folder])
    assert 0 < changed.embedded < 10 and changed.reused > 30  # only the edited clause is re-embedded
    opening = pipe.clause(f"{DOC}/open")
    assert "Lyon" in opening.text and "Istanbul" not in opening.text
    (folder / "seed.txt").unlink()
    (folder / "other.txt").write_text("Un petit texte sans structure.", encoding="utf-8")
    gone = pipe.ingest([folder])
    assert gone.removed == 1 and not pipe.index.catalogue.clauses_of(DOC)


def test_index_built_with_another_embedder_is_refused(index_copy: Path):
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        Pipeline(Settings(index_dir=index_copy, embedder="hash"))


def test_interrupted_ingest_stays_consistent_and_next_ingest_completes(tmp_path: Path, monkeypatch):
    settings = Settings(index_dir=tmp_path / "idx", embedder="hash")
    pipe = Pipeline(settings, create=True)
    from llama_index.vector_stores.chroma import ChromaVectorStore

    real_add = ChromaVectorStore.add
    calls = {"n": 0}

    def flaky_add(self, nodes, **kw):
        calls["n"] += 1
        real_add(self, nodes[: len(nodes) // 2])
        raise RuntimeError("simulated crash mid-write")

    monkeypatch.setattr(ChromaVectorStore, "add", flaky_add)
    with pytest.raises(BackendError, match="simulated crash"):
        pipe.ingest([SEEDS])
    monkeypatch.setattr(ChromaVectorStore, "add", real_add)
    reopened = Pipeline(settings)
    assert reopened.index.catalogue.clauses == {}  # half-written document is invisible
    report = reopened.ingest([SEEDS])
    assert report.documents == 1 and len(reopened.index.catalogue.clauses_of(DOC)) == 14


def test_a_reader_sees_another_writers_changes_on_its_next_question(index_copy: Path, tmp_path: Path):
    reader = Pipeline(Settings(index_dir=index_copy))
    writer = Pipeline(Settings(index_dir=index_copy))
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "note.md").write_text("# Cybersecurity note\n\nPasswords must be rotated every quarter.\n",
                                    encoding="utf-8")
    writer.ingest([folder])
    hits = reader.search("how often must passwords be rotated?").hits
    assert hits[0].clause.doc_id == "note"
    writer.index.remove("note")
    assert all(h.clause.doc_id != "note" for h in reader.search("how often must passwords be rotated?").hits)
