from conftest import DOC

from resqa.tools.cases import corruptions
from resqa.verify import check_answer, verify_quote


def test_verify_quote_folds_spacing_and_apostrophes_only():
    clause = "SOULIGNANT que l’intérêt   de la\nsécurité publique"
    assert verify_quote("l'intérêt de la sécurité", clause)
    assert not verify_quote("l'intérêt de sa sécurité", clause)
    assert not verify_quote("  ", clause)


def test_every_corruption_of_a_real_answer_is_flagged(pipe):
    ans = pipe.ask("Que demande instamment l’Assemblée aux pays membres ?")
    assert ans.answerable and not check_answer(ans, pipe.clause)
    bad = corruptions(ans, list(pipe.index.catalogue.clauses.values()))
    assert {name for name, _ in bad} == {"altered_word", "wrong_clause", "dropped_citation", "spliced_sentence"}
    for name, b in bad:
        assert check_answer(b, pipe.clause), name
    assert ans.citations[0].clause.clause_id == f"{DOC}/op-2"


def test_a_quote_that_leaves_out_words_of_its_clause_says_so_and_still_verifies():
    from resqa.verify import elided, unelided

    clause = "2. Demands that Iraq withdraw immediately all its forces; and (a) calls upon States to refrain."
    assert elided("Demands that Iraq withdraw immediately", clause) == "Demands that Iraq withdraw immediately …"
    assert elided("Iraq withdraw immediately", clause) == "… Iraq withdraw immediately …"
    assert elided(clause[3:-1], clause) == clause[3:-1]  # the number before and the full stop after are no words
    assert elided(clause, clause) == clause
    shown = elided("calls upon States to refrain", clause)
    assert shown == "… calls upon States to refrain" and verify_quote(shown, clause)
    assert unelided("… x y …") == "x y"
    assert not verify_quote("… Iraq withdrew …", clause)


def test_an_answers_quotes_are_marked_where_they_are_part_of_a_paragraph(pipe):
    from resqa.verify import QUOTE_MARK

    ans = pipe.ask("Que demande instamment l’Assemblée aux pays membres ?")
    assert not check_answer(ans, pipe.clause)
    for m, c in zip(QUOTE_MARK.finditer(ans.text), ans.citations):
        text = pipe.clause(c.clause.clause_id).text
        assert m.group("quote").startswith("…") == (not text.lstrip("0123456789. ").startswith(c.quote))
