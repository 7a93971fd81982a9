"""Score fusion: how far ahead a retriever's winner is must count, not only its rank."""

import pytest

from resqa.retrieve import DENSE_WEIGHT, fuse


def order(scores: dict[str, float]) -> list[str]:
    return sorted(scores, key=lambda c: -scores[c])


def test_a_clear_dense_winner_beats_a_lexical_near_tie():
    # Reciprocal-rank fusion puts B first here (ranks 2 and 1 against A's 1 and 3); normalised
    # scores see that A is far ahead in dense and all but level with B in BM25.
    dense = [("A", 0.90), ("B", 0.70), ("C", 0.69)]
    lexical = [("B", 5.0), ("C", 4.95), ("A", 4.9)]
    assert order(fuse([(1.0, dense, lexical)]))[:2] == ["A", "B"]


def test_a_clear_lexical_winner_beats_a_dense_near_tie():
    dense = [("A", 0.850), ("B", 0.849), ("C", 0.70)]
    lexical = [("B", 8.0), ("A", 1.0)]
    assert order(fuse([(1.0, dense, lexical)]))[0] == "B"


def test_without_a_shared_word_the_dense_order_stands():
    dense = [("A", 0.82), ("B", 0.81), ("C", 0.80)]
    assert order(fuse([(1.0, dense, [])])) == ["A", "B", "C"]


def test_scores_are_normalised_per_query_and_weighted():
    dense = [("A", 0.9), ("B", 0.8)]
    lexical = [("A", 3.0), ("B", 1.5)]
    s = fuse([(1.0, dense, lexical)])
    assert s["A"] == pytest.approx(1.0)  # best in both lists
    assert s["B"] == pytest.approx((1 - DENSE_WEIGHT) * 0.5)
    # a second (contextual) query adds its own normalised scores, scaled by its weight
    s2 = fuse([(1.0, dense, lexical), (0.25, [("B", 0.7)], [("B", 2.0)])])
    assert s2["B"] == pytest.approx(s["B"] + 0.25)
    assert s2["A"] == pytest.approx(s["A"])


def test_degenerate_lists():
    assert fuse([]) == {}
    assert fuse([(1.0, [], [])]) == {}
    assert fuse([(1.0, [("A", 0.5)], [])]) == {"A": pytest.approx(DENSE_WEIGHT)}
    assert fuse([(1.0, [], [("A", 0.0)])]) == {}
