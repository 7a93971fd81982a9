"""Aspect triggers: whole words and phrases, so ordinary words never look like an aspect."""

import pytest

from resqa import abstain


def names(question: str) -> set[str]:
    return {a.name for a in abstain.triggered(question)}


@pytest.mark.parametrize("question", [
    "Que doivent mettre en place les fournisseurs pour répondre aux demandes des autorités ?",
    "Quel rôle la résolution attribue-t-elle aux entreprises qui proposent des messageries chiffrées ?",
    "Welche Maßnahmen sind in der Resolution enthalten?",
    "What does the resolution propose to member countries?",
    "Qué autoridades menciona la resolución?",
    "Stimmt es, dass die Resolution Verschlüsselung erwähnt?",
    "What should providers put in place to comply with legal requests?",
    "Les fournisseurs doivent-ils se conformer aux procédures légales ?",
])
def test_ordinary_words_trigger_no_aspect(question):
    assert names(question) == set()


@pytest.mark.parametrize("question, aspect", [
    ("Quel pays a proposé cette résolution ?", "authorship"),
    ("Which country proposed this resolution?", "authorship"),
    ("¿Quién es el autor de la resolución?", "authorship"),
    ("Quel est le financement prévu ?", "money"),
    ("Wie viele Länder haben dafür gestimmt?", "vote"),
    ("Is there a deadline?", "deadline"),
    ("Quels délais sont fixés ?", "deadline"),
    ("Who will monitor how countries apply it?", "oversight"),
    ("Quel ministère est chargé de l’appliquer ?", "oversight"),
    ("¿Quién supervisa su aplicación?", "oversight"),
    ("Wer überwacht die Umsetzung?", "oversight"),
])
def test_aspect_questions_trigger(question, aspect):
    assert aspect in names(question)


def test_nothing_matched_needs_two_words_or_a_name_and_spares_followups():
    from resqa.model import Clause, Hit

    c = Clause("D/pre-1", "D", "t", "preamble", 1, "RAPPELANT", "fr", "texte", 0, 5, 0)
    hits = [Hit(clause=c, score=1.0, dense=0.9, lexical=1.0, rank_dense=1, rank_lexical=1)]
    two = abstain.assess("q", hits, words=("climate", "change"), unmatched=("climate", "change"))
    assert not two.answerable and two.unmatched == ("climate", "change")
    assert abstain.assess("q", hits, words=("grooming",), unmatched=("grooming",)).answerable
    assert not abstain.assess("q", hits, words=("whatsapp",), unmatched=("whatsapp",), names=("whatsapp",)).answerable
    assert abstain.assess("q", hits, words=("climate", "change"), unmatched=("climate",)).answerable
    assert abstain.assess("q", hits, words=("a", "b"), unmatched=("a", "b"), followup=True).answerable
