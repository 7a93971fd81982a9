"""Clauses addressed by their place: "operative paragraph 2", "OP2", "le dernier considérant"."""

import json

import pytest
from conftest import DOC, ROOT

from resqa import addresses, references


@pytest.mark.parametrize("question, kind, ordinal", [
    ("What does operative paragraph 2 ask?", "operative", 2),
    ("What does paragraph 3 say?", "operative", 3),  # numbered paragraphs are operative
    ("What does OP2 say?", "operative", 2),
    ("And PP 3?", "preamble", 3),
    ("What does the second preambular paragraph recall?", "preamble", 2),
    ("What is the last operative clause?", "operative", -1),
    ("Quel est le premier paragraphe du dispositif ?", "operative", 1),
    ("Que dit l’alinéa 2 du préambule ?", "preamble", 2),
    ("Que dit le dernier considérant ?", "preamble", -1),
    ("¿Qué dice el párrafo 3 del preámbulo?", "preamble", 3),
    ("Was steht in Absatz 2?", "operative", 2),
])
def test_addresses_in_four_languages(question, kind, ordinal):
    (a,) = addresses.find(question)
    assert (a.kind, a.ordinal) == (kind, ordinal)


@pytest.mark.parametrize("question", [
    "the first paragraph",  # an ordinal with no kind could mean the opening
    "Que prévoit l’alinéa 2 de l’article L1221-1 ?",  # an article's own paragraph
    "What does paragraph 3 of Article 5 say?",
    "What happened on 25 November 2021?",
])
def test_no_address(question):
    assert addresses.find(question) == []


def test_no_eval_question_is_taken_for_an_address():
    for path in ("eval/cases.jsonl", "eval/blind/cases.jsonl", "eval/syntec/cases.jsonl"):
        for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
            assert addresses.find(json.loads(line)["question"]) == [], line


def test_an_address_is_not_an_identifier():
    assert references.find("What does OP2 of GA-2021-89-RES-09 say?") == ["GA-2021-89-RES-09"]


def test_the_addressed_clause_is_cited(pipe):
    ans = pipe.ask("What does OP2 say?")
    assert ans.answerable and ans.citations[0].clause.clause_id == f"{DOC}/op-2"
    ans = pipe.ask("Que dit le dernier considérant ?")
    assert ans.answerable and ans.citations[0].clause.clause_id == f"{DOC}/pre-8"


def test_a_clause_the_resolution_does_not_have_is_refused(pipe):
    ans = pipe.ask("What does operative paragraph 5 say?")
    assert not ans.answerable and not ans.citations
    assert "operative paragraph 5" in ans.text


def test_asking_what_an_addressed_clause_says_quotes_all_of_it(pipe):
    op2 = pipe.clause(f"{DOC}/op-2")
    assert pipe.ask("What does OP2 say?").citations[0].quote == op2.text
    focused = pipe.ask("What does OP2 say about international police cooperation?").citations[0]
    assert focused.clause.clause_id == op2.clause_id and focused.quote != op2.text
    assert "coopération policière internationale" in focused.quote
