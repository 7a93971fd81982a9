"""Identifiers in questions and documents: found, normalised, and used to refuse or to anchor."""

import pytest

from resqa import abstain, references
from resqa.catalogue import Catalogue
from resqa.model import Clause, Hit

DOC = "GA-2021-89-RES-09"


@pytest.mark.parametrize("question, found", [
    ("Quel est le délai de préavis (IDCC 1486) ?", ["IDCC 1486"]),
    ("Dans la convention de la métallurgie (IDCC n° 44), quel salaire en 2024 ?", ["IDCC n° 44"]),
    ("What is the subject of resolution GA-2021-89-RES-09?", ["GA-2021-89-RES-09"]),
    ("Que prévoit l'article L1221-19 ?", ["L1221-19"]),
    ("Does it cite AGN/65/RES/10 or A/RES/70/1?", ["AGN/65/RES/10", "A/RES/70/1"]),
    ("Does the resolution address COVID-19?", ["COVID-19"]),
    ("Does it name WhatsApp, TikTok or eBay?", ["WhatsApp", "TikTok", "eBay"]),  # brands in camel case
    ("What does OP2 of GA-2021-89-RES-09 say?", ["GA-2021-89-RES-09"]),  # OP2 is a clause address
])
def test_identifiers_are_found_as_written(question, found):
    assert references.find(question) == found


@pytest.mark.parametrize("question", [
    "Faut-il raccompagner les salariés qui travaillent entre 21h et minuit ?",  # a time, not a name
    "Où s'est tenue la 89ème session ?",  # an ordinal
    "Quelle est la valeur du point en position 2.2 ?",  # lowercase-free numbers
    "Que dit l'article 2(1) du Statut ?",
    "Is there a fine of EUR 500?",  # an amount
    "Combien de pays ont voté en 2021 ?",
])
def test_numbers_that_are_not_identifiers(question):
    assert references.find(question) == []


@pytest.mark.parametrize("a, b", [
    ("AG-2005-RES-09", "ag 2005 res 9"),
    ("AG-2005-RES-09", "AG/2005/RES/9"),
    ("IDCC n° 1486", "IDCC 1486"),
    ("IDCC nº 1486", "idcc 1486"),
])
def test_keys_ignore_punctuation_zero_padding_and_number_signs(a, b):
    assert references.key(a) == references.key(b)


@pytest.mark.parametrize("text, named", [
    ("In res. 320, what did the Council ask?", ["res. 320"]),
    ("la rés. 242 (1967)", ["rés. 242 (1967)"]),
    ("Res. 660 and 661", ["Res. 660", "661"]),
    ("Noting resolutions MRE/RES.1/91, MRE/RES.2/91", []),  # another body's symbol, not "res. 1"
    ("the measures. 3 Decides", []),
])
def test_res_is_an_abbreviation_of_resolution_only_as_a_word_before_a_number(text, named):
    assert references.resolutions(text) == named
    assert all(references.key(n).startswith(" resolution ") for n in named[:1])  # keyed as the word is


def test_haystack_matches_whole_runs_and_says_which_text_holds_them():
    hay = references.Haystack([("a", "la résolution AGN/65/RES/10 sur la coopération"),
                               ("b", "la résolution AG-2005-RES-09 ; IDCC 14860")])
    assert references.key("AGN/65/RES/10") in hay
    assert references.key("AGN/65/RES/1") not in hay  # "1" is not the start of "10"
    assert references.key("IDCC 1486") not in hay
    assert hay.holding(references.key("AG-2005-RES-9")) == ["b"]
    assert hay.holding(references.key("AG-2019-RES-03")) == []


def _hit() -> Hit:
    clause = Clause(clause_id=f"{DOC}/pre-1", doc_id=DOC, doc_title="t", kind="preamble", ordinal=1,
                    label="VU", language="fr", text="VU l'article 2(1) du Statut", start=0, end=27, position=0)
    return Hit(clause=clause, score=1.0, dense=0.9, lexical=2.0, rank_dense=1, rank_lexical=1)


def test_a_reference_no_document_holds_is_refused_before_anything_else():
    verdict = abstain.assess("What does IDCC 1486 say about notice?", [_hit()], mentions=lambda ref: False)
    assert not verdict.answerable and verdict.missing == "IDCC 1486"
    assert abstain.assess("What does IDCC 1486 say about notice?", [_hit()], mentions=lambda ref: True).answerable


@pytest.mark.parametrize("question, lang, words", [
    ("What does resolution AG-2019-RES-03 say about encryption?", "en", "None of the indexed documents mentions"),
    ("Que dit la résolution AG-2019-RES-03 sur le chiffrement ?", "fr", "Aucun des documents indexés"),
    ("Does the resolution on child abuse name WhatsApp?", "en", "None of the indexed documents mentions"),
])
def test_pipeline_refuses_a_resolution_it_does_not_hold(pipe, question, lang, words):
    ans = pipe.ask(question)
    assert not ans.answerable and not ans.citations and ans.language == lang
    ref = references.find(question)[0]
    assert ref in ans.text and words in ans.text
    assert ans.related  # the nearest clauses are still offered as reading


def test_a_cited_resolution_is_answered_from_the_clause_and_segment_that_cite_it(pipe):
    ans = pipe.ask("Does the resolution refer to AGN/65/RES/10?")
    assert ans.answerable
    assert ans.citations[0].clause.clause_id == f"{DOC}/pre-2"
    assert "AGN/65/RES/10" in ans.citations[0].quote


def test_naming_the_document_scopes_the_search_and_does_not_pull_up_its_header(pipe):
    hits = pipe.search(f"What is the subject of resolution {DOC}?").hits
    assert hits[0].clause.clause_id == f"{DOC}/subject"
    assert {h.clause.doc_id for h in hits} == {DOC}


def test_an_acronym_with_a_number_is_a_reference_only_where_the_texts_number_by_it():
    hay = references.Haystack([("a", "Statut d'INTERPOL, réunie en 2021 ; règlement (UE) 2016/679"),
                               ("b", "la convention collective (IDCC 1486) des bureaux d'études")])
    assert hay.mentions("INTERPOL 2021")  # a name and a year, not a numbering scheme
    assert hay.mentions("EU 2016/679")  # the same regulation under its French acronym
    assert hay.mentions("IDCC n° 1486")
    assert not hay.mentions("IDCC 44")  # IDCC numbers things here, and 44 is not among them
    assert not hay.mentions("ISO 27001")  # never named at all
    assert not hay.mentions("L1221-19")


def test_the_search_says_what_it_found_out_about_each_identifier_and_the_answer_reuses_it(pipe, monkeypatch):
    res = pipe.search("Do AGN/65/RES/10, INTERPOL 2021 and AG-2019-RES-03 come up?")
    assert res.references == {"AGN/65/RES/10": True, "INTERPOL 2021": True, "AG-2019-RES-03": False}
    # Answering from that search asks the index nothing more about them.
    calls = []
    monkeypatch.setattr(Catalogue, "mentions", lambda self, ref: calls.append(ref) or True)
    monkeypatch.setattr(Catalogue, "naming", lambda self, ref: calls.append(ref) or (set(), set()))
    ans = pipe.extractive.answer(res.queries[0], result=res)
    assert not ans.answerable and "AG-2019-RES-03" in ans.text
    assert calls == []
