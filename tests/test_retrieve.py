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


# ------------------------------------------------------------------ aligned translations
def test_a_doubtful_translation_never_counts_as_a_word_of_the_question():
    # Only an aligned word matched (BM25 2.0 at full weight, taken at weight 0.1): its clause
    # leads the lexical side with 0.1 of a full match, not with all of it.
    dense = [("A", 0.82), ("B", 0.81)]
    s = fuse([(1.0, dense, [("B", 0.2)], 2.0)])
    assert s["B"] == pytest.approx((1 - DENSE_WEIGHT) * 0.1)
    assert order(s)[0] == "A"
    # the scale only ever lowers the lexical side: a stronger match normalises by itself
    assert fuse([(1.0, [], [("B", 3.0)], 2.0)])["B"] == pytest.approx(1 - DENSE_WEIGHT)


def test_alignment_confidence_grows_with_how_far_the_translation_stands_out():
    from resqa.align import ALIGN_FULL_MARGIN, ALIGN_MARGIN, alignment_confidence

    assert alignment_confidence(ALIGN_MARGIN) == 0.0
    assert alignment_confidence(ALIGN_MARGIN - 0.01) == 0.0
    assert alignment_confidence((ALIGN_MARGIN + ALIGN_FULL_MARGIN) / 2) == pytest.approx(0.5)
    assert alignment_confidence(ALIGN_FULL_MARGIN) == 1.0
    assert alignment_confidence(0.2) == 1.0


def test_aligned_tokens_count_with_their_weight_and_report_their_full_weight_score():
    from resqa.lexical import LexicalIndex

    lex = LexicalIndex.build(["a", "b", "c"], [["chiffr", "fournisseur"], ["chiffr"], ["enfant", "protect"]])
    own, _ = lex.search(["enfant"], 3)
    full, scale_full = lex.search([], 3, extra_tokens={"chiffr": 1.0})
    half, scale_half = lex.search([], 3, extra_tokens={"chiffr": 0.5})
    assert [c for c, _ in own] == ["c"]
    assert {c for c, _ in full} == {"a", "b"}
    assert dict(half)["b"] == pytest.approx(0.5 * dict(full)["b"])
    assert scale_full == scale_half == pytest.approx(max(s for _, s in full))
    assert lex.search([], 3, extra_tokens={"chiffr": 0.0}) == ([], 0.0)
    # restricted to some clauses, the scale is theirs too
    only_c, scale_c = lex.search(["enfant"], 3, allowed={"c"}, extra_tokens={"chiffr": 0.7})
    assert [c for c, _ in only_c] == ["c"] and scale_c == 0.0


def test_a_words_rarity_is_judged_among_the_rows_of_its_own_language():
    """Eight English rows and two French ones: "unies" is in one French row of ten, but in one of
    the two French rows, and weighs as a French word that common (lexical._rarity_within_languages);
    a word of both languages, and a library in one language, score exactly as plain BM25."""
    import math

    from resqa.lexical import LexicalIndex

    ids = [f"en{i}" for i in range(8)] + ["fr0", "fr1"]
    toks = [["united", "nations", f"w{i}"] for i in range(8)] + [["nations", "unies", "droit"], ["droit", "personne"]]
    langs = ["en"] * 8 + ["fr"] * 2
    plain = dict(LexicalIndex.build(ids, toks).search(["unies"], 10)[0])
    balanced = dict(LexicalIndex.build(ids, toks, langs).search(["unies"], 10)[0])
    idf = lambda n, df: math.log(1 + (n - df + 0.5) / (df + 0.5))  # noqa: E731 (bm25s's Lucene IDF)
    assert balanced["fr0"] == pytest.approx(plain["fr0"] * idf(2, 1) / idf(10, 1), rel=1e-5)
    shared = LexicalIndex.build(ids, toks).search(["nations"], 10)[0]
    assert LexicalIndex.build(ids, toks, langs).search(["nations"], 10)[0] == shared
    assert LexicalIndex.build(ids, toks, ["en"] * 10).search(["unies"], 10)[0] == list(plain.items())


def test_words_written_as_names():
    from resqa.query import written_as_names

    assert written_as_names("Does the resolution mention WhatsApp or the EU?") == {"whatsapp", "eu"}
    assert written_as_names("Is Europol mentioned?") == {"europol"}
    assert written_as_names("Europol?") == set()  # a capital at the start is no sign of a name
    assert written_as_names("Erwähnt die Resolution die Europäische Union?") == set()  # German nouns
    assert written_as_names("Erwähnt die Resolution UNICEF?") == {"unicef"}


def test_a_query_is_analysed_once_with_what_each_stage_reads():
    from resqa.query import Query

    q = Query.of("And what does OP2 of resolution 660 say?", ["Que dit la résolution 661 ?", "  "])
    assert q.history == ("Que dit la résolution 661 ?",) and q.followup and q.refers_back
    assert q.language == "en" and q.resolutions == ("resolution 660",) and "resolution 660" in q.references
    assert [a.text for a in q.addresses] == ["OP2"]
    assert q.queries == [q.text, "Que dit la résolution 661 ? " + q.text]
    # Nothing in "OP2?" tells its language: the previous question's is the answer's.
    short = Query.of("OP2?", ["Que dit la résolution 661 ?"])
    assert short.detected == "" and short.language == "fr"
    alone = Query.of("What does the Declaration say about human dignity and rights?")
    assert not alone.followup and not alone.history and alone.contextual is None


def test_a_french_pronoun_that_repeats_a_named_subject_points_back_at_nothing():
    """"Quels pays le Conseil a-t-il invités … ?" names its subject; "il" only repeats it (complex
    inversion) and does not make the question lean on the previous one's resolution, where
    "Que demande-t-elle au Secrétaire général ?" ("elle": the resolution) does."""
    from resqa.query import Query

    history = ["¿Qué fuerza creó la resolución 743 (1992)?"]
    standalone = Query.of("Quels pays le Conseil a-t-il invités à négocier après l'intervention à Chypre ?", history)
    assert not standalone.refers_back
    assert not Query.of("Quels pays le Conseil a-t-il invités ?", history).followup
    assert Query.of("Que demande-t-elle au Secrétaire général ?", history).refers_back
    assert Query.of("Quels pays a-t-il invités ?", history).refers_back  # "il": nothing named before it
