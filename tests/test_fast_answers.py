"""Retrieval, refusal and answering on two small resolutions written here (English and French,
preambular and numbered operative clauses), with the fake embedder and a function as the LLM
(tests/fakes.py): no model, no server. The index is built once for the module (about a second);
each test then takes milliseconds. What these tests check is plumbing and rules — which document
a question is held to, what is refused, that quotes are verbatim and labelled right — never
retrieval quality, which the seed and library evals measure with the real embedder."""

from __future__ import annotations

import json

import pytest
from fakes import FunctionLLM, fake_settings, opening_words, quote_first, with_llm

from resqa.config import MAX_QUESTION_CHARS
from resqa.errors import InputError
from resqa.pipeline import Pipeline

EN, FR, ABSENT = "S/RES/901 (2001)", "S/RES/902 (2001)", "903"

LAKES = """Resolution 901 (2001)
of 3 March 2001

The Security Council,

Recalling its resolution 880 (1999) on the protection of fishing grounds,

Deeply concerned by the pollution of the northern lakes by mining waste,

1. Demands that all mining companies stop dumping waste into the northern lakes;

2. Requests the Secretary-General to report on water quality within six months;

3. Decides to remain seized of the matter.

Adopted unanimously at the 4300th meeting.
"""

COACHES = """Résolution 902 (2001)
du 5 mars 2001

Le Conseil de sécurité,

Rappelant sa résolution 870 (1998) sur la sécurité des routes de montagne,

Profondément préoccupé par le nombre d’accidents d’autocars dans les cols alpins,

1. Exige que les transporteurs équipent leurs autocars de freins de secours ;

2. Prie le Secrétaire général de publier un rapport annuel sur les accidents ;

3. Décide de rester saisi de la question.

Adoptée à l’unanimité à sa 4301e séance.
"""

QUESTIONS = [  # (question, the resolution it must be answered from)
    ("What does resolution 901 demand?", EN),
    ("What does S/RES/901 (2001) request of the Secretary-General?", EN),
    ("Que demande la résolution 902 ?", FR),
    ("Que prie le Conseil dans la résolution 902 (2001) ?", FR),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Pipeline:
    d = tmp_path_factory.mktemp("small-library")
    f = d / "sc.jsonl"
    f.write_text("".join(json.dumps({"id": i, "title": f"Security Council resolution {i[6:]}", "text": t,
                                     "metadata": {"organisation": "UN Security Council"}}) + "\n"
                         for i, t in ((EN, LAKES), (FR, COACHES))), encoding="utf-8")
    pipe = Pipeline(fake_settings(d / "index"), create=True)
    report = pipe.ingest([f])
    assert report.documents == 2 and not report.skipped
    return pipe


# ------------------------------------------------------------------ retrieval and citation
@pytest.mark.parametrize("question, doc", QUESTIONS)
def test_a_question_naming_a_resolution_is_answered_from_it(small, question, doc):
    ans = small.ask(question)
    assert ans.answerable and ans.citations
    assert {c.clause.doc_id for c in ans.citations} == {doc}
    assert ans.to_json()["document"] == doc


@pytest.mark.parametrize("question, doc", QUESTIONS)
def test_search_is_held_to_the_named_resolution(small, question, doc):
    hits = small.search(question, k=5).hits
    assert hits and {h.clause.doc_id for h in hits} == {doc}


def test_every_quote_is_an_exact_span_of_the_clause_the_index_holds(small):
    seen = 0
    for question, _doc in QUESTIONS:
        ans = small.ask(question)
        for c in (*ans.citations, *ans.related, *ans.also):
            held = small.clause(c.clause.clause_id)
            assert held is not None and c.quote and c.quote in held.text, (question, c.clause.clause_id, c.quote)
            assert c.clause.text == held.text
            seen += 1
        for c in ans.citations:  # and the answer's text shows that same quote, marked with its number
            assert f"«{c.quote}» [{c.n}]" in ans.text
    assert seen >= len(QUESTIONS)


@pytest.mark.parametrize("question, clause_id, kind, label", [
    ("What does resolution 901 demand?", f"{EN}/op-1", "operative", "Demands"),
    ("What does resolution 901 request of the Secretary-General?", f"{EN}/op-2", "operative", "Requests"),
    ("What is the Council deeply concerned by in resolution 901?", f"{EN}/pre-2", "preamble", "Deeply concerned"),
    ("Que prie le Conseil dans la résolution 902 ?", f"{FR}/op-2", "operative", "Prie"),
    ("Qu’est-ce qui préoccupe profondément le Conseil dans la résolution 902 ?", f"{FR}/pre-2", "preamble",
     "Profondément préoccupé"),
])
def test_the_first_citation_is_the_clause_asked_about_with_its_kind_and_label(small, question, clause_id, kind, label):
    first = small.ask(question).citations[0]
    assert first.clause.clause_id == clause_id
    assert (first.clause.kind, first.clause.label) == (kind, label)
    assert first.to_json()["kind"] == kind and first.to_json()["label"] == label


def test_the_answer_speaks_the_questions_language(small):
    assert small.ask("What does resolution 902 demand?").language == "en"
    assert small.ask("Que demande la résolution 901 ?").language == "fr"


def test_a_follow_up_stays_on_the_resolution_named_before(small):
    for earlier, doc in (("What does resolution 902 demand?", FR), ("Que demande la résolution 901 ?", EN)):
        hits = small.search("And what else does it ask?", history=[earlier]).hits
        assert hits and {h.clause.doc_id for h in hits} == {doc}
        ans = small.ask("And what else does it ask?", history=[earlier])
        assert ans.answerable and {c.clause.doc_id for c in ans.citations} == {doc}


def test_a_scope_by_id_keeps_hits_inside_it_and_an_unknown_id_is_an_input_error(small):
    hits = small.search("mining waste in the northern lakes", doc_ids={FR}).hits
    assert hits and {h.clause.doc_id for h in hits} == {FR}
    with pytest.raises(InputError, match="no document in the index has the id"):
        small.ask("What does it demand?", doc_ids={"S/RES/1 (1946)"})


# ------------------------------------------------------------------ refusal
@pytest.mark.parametrize("question, says", [
    (f"What does resolution {ABSENT} demand?", f"does not hold resolution {ABSENT}"),
    (f"Que demande la résolution {ABSENT} (2001) ?", f"Texte absent de la bibliothèque : résolution {ABSENT} (2001)."),
])
def test_a_resolution_the_index_does_not_hold_is_refused(small, question, says):
    ans = small.ask(question)
    assert not ans.answerable and not ans.citations
    assert says in ans.text
    assert ans.to_json()["document"] is None


@pytest.mark.parametrize("question, why", [
    ("Who drafted resolution 901?", "asks about who drafted or proposed it"),
    ("Par qui la résolution 902 a-t-elle été proposée ?", "asks about who drafted or proposed it"),
    ("What budget does resolution 901 allocate?", "asks about the budget"),
    ("What does resolution 901 say about artificial intelligence and cryptocurrency?", "weak support"),
])
def test_a_question_the_text_does_not_settle_is_refused_with_related_reading_only(small, question, why):
    ans = small.ask(question)
    assert not ans.answerable and not ans.citations and why in ans.reason
    assert all(c.quote in c.clause.text for c in ans.related)


# ------------------------------------------------------------------ input checks
@pytest.mark.parametrize("question, says", [
    ("", "empty"), ("   \n\t ", "empty"), ("?!… 🙂", "no words"),
    ("x" * (MAX_QUESTION_CHARS + 1), f"the limit is {MAX_QUESTION_CHARS}"),
    ("resolution\x00901", "NUL"),
])
def test_an_unusable_question_is_a_clear_input_error(small, question, says):
    with pytest.raises(InputError, match=says):
        small.ask(question)
    with pytest.raises(InputError, match=says):
        small.search(question)


def test_a_question_at_the_limit_is_accepted(small):
    q = "What does resolution 901 demand? "
    small.ask((q * (MAX_QUESTION_CHARS // len(q) + 1))[:MAX_QUESTION_CHARS])


@pytest.mark.parametrize("history, says", [
    ("What does resolution 901 demand?", "list of earlier questions"),
    ([901], "must be text"),
    (["x" * MAX_QUESTION_CHARS] * 11, "the history is"),
])
def test_an_unusable_history_is_a_clear_input_error(small, history, says):
    with pytest.raises(InputError, match=says):
        small.ask("And what else?", history=history)


# ------------------------------------------------------------------ answering with an LLM (a function)
@pytest.fixture
def llm_pipe(small):
    """The module's index answering through a FunctionLLM (or a reply function, wrapped in one);
    the extractive answerer is put back after the test."""
    before = small.answerer
    yield lambda llm: with_llm(small, llm if isinstance(llm, FunctionLLM) else FunctionLLM(llm))
    small.answerer = before


def test_a_faithful_generated_answer_is_kept_with_its_verified_quote(llm_pipe):
    pipe = llm_pipe(quote_first)
    ans = pipe.ask("What does resolution 901 demand?")
    assert ans.answerable and ans.generator == "fake:function" and not ans.notices
    (c,) = ans.citations
    assert c.clause.doc_id == EN and c.quote in c.clause.text
    assert ans.text == f"The text says: «{c.quote}» [1]."


def test_a_generated_quote_with_a_word_changed_is_removed_and_said_so(llm_pipe):
    def altered(question, clauses):
        words = opening_words(clauses[1]).split()
        words[2] = "NOT"
        return f"It says «{opening_words(clauses[1])}» [1]. It adds «{' '.join(words)}» [1]."

    pipe = llm_pipe(altered)
    ans = pipe.ask("What does resolution 901 demand?")
    assert ans.generator == "fake:function" and " NOT " not in ans.text
    assert "[quotation removed" in ans.text and any("did not match" in n for n in ans.notices)
    assert all(c.quote in c.clause.text for c in ans.citations)


@pytest.mark.parametrize("reply, why", [
    (lambda q, clauses: "The Council broadly supports clean water.", "could not be verified"),
    (lambda q, clauses: f"See «{opening_words(clauses[1])}» [{len(clauses) + 3}].", "could not be verified"),
    (lambda q, clauses: 1 / 0, "did not answer"),
])
def test_an_unverifiable_or_failed_generation_falls_back_to_the_extractive_answer(small, llm_pipe, reply, why):
    extractive = small.ask("What does resolution 901 demand?")
    ans = llm_pipe(reply).ask("What does resolution 901 demand?")
    assert ans.generator == "extractive" and any(why in n for n in ans.notices)
    assert ans.text == extractive.text and ans.citations == extractive.citations


def test_the_llm_is_never_asked_what_resqa_refuses(llm_pipe):
    asked = []
    pipe = llm_pipe(lambda q, clauses: asked.append(q) or "Resolution 903 demands peace [1].")
    ans = pipe.ask(f"What does resolution {ABSENT} demand?")
    assert not ans.answerable and ans.generator == "extractive" and asked == []


def test_generated_text_streams_token_by_token(llm_pipe):
    pipe = llm_pipe(quote_first)
    tokens: list[str] = []
    ans = pipe.ask("Que demande la résolution 902 ?", on_token=tokens.append)
    assert len(tokens) > 3 and "".join(tokens) == ans.text
    assert ans.citations[0].clause.doc_id == FR


def test_a_follow_up_is_condensed_for_the_llm_and_stays_on_its_resolution(llm_pipe):
    llm = FunctionLLM(quote_first)
    ans = llm_pipe(llm).ask("And what does it request?", history=["What does resolution 902 demand?"])
    assert any("<Standalone question>" in p for p in llm.prompts)
    assert ans.answerable and {c.clause.doc_id for c in ans.citations} == {FR}


def test_settings_top_k_is_how_many_clauses_an_ask_searches(small, monkeypatch):
    """Settings.top_k (RESQA_TOP_K) reaches the answerer's search: it was once never read."""
    seen = []
    real = small.retriever.search

    def spy(query, k=8, doc_ids=None):
        seen.append(k)
        return real(query, k=k, doc_ids=doc_ids)

    narrow = Pipeline(fake_settings(small.settings.index_dir, top_k=3))
    monkeypatch.setattr(narrow.retriever, "search", spy)
    narrow.ask("What does resolution 901 demand?")
    assert seen == [3]
    assert len(narrow.search("What does resolution 901 demand?", k=3).hits) <= 3
