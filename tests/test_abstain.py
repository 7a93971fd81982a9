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
