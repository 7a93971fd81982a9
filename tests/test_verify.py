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
