"""Property-based tests (hypothesis) for the loader, the cleaner, the clause parser, the verifier
and the LLM-output policer: arbitrary unicode, control characters, very long lines, nested
markdown, right-to-left text and zero-width characters."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resqa.clauses import parse
from resqa.clean import clean, normalize_for_match
from resqa.errors import LoadError
from resqa.generate import police
from resqa.load import make_document
from resqa.model import Clause
from resqa.verify import verify_quote

KEYWORDS = ["RAPPELANT", "PROFONDÉMENT PRÉOCCUPÉE", "DEMANDE INSTAMMENT", "DÉCIDE", "RECALLING", "URGES",
            "Objet :", "Résolution N° 9", "GA-2021-89-RES-09", "Adoptée"]
NASTY = ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad", "\x00", "\x0b", "\f", "\r", "\u2028",
         "שלום", "مرحبا", "«", "»", "’", "-\n", "#" * 6, "> > > >", "**", "[x](javascript:alert(1))", "<script>"]
pieces = st.one_of(st.text(min_size=0, max_size=80), st.sampled_from(KEYWORDS), st.sampled_from(NASTY),
                   st.just("\n\n"), st.just(" , "), st.text(alphabet=string.ascii_letters + " ,;.\n", max_size=200))
documents = st.lists(pieces, min_size=0, max_size=40).map("".join)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(documents)
def test_parser_never_crashes_and_clauses_are_verbatim_spans(raw):
    try:
        doc = make_document(raw, "fuzz", "fuzz")
    except LoadError:
        return  # empty or binary: refused with a message, which is the contract
    for c in parse(doc):
        assert c.text == clean(doc.text, c.start, c.end).text
        assert c.text.strip() == c.text and c.text
        for seg in c.segments:
            assert seg in c.text


@settings(max_examples=6, deadline=None)
@given(st.integers(min_value=200_000, max_value=1_100_000), st.sampled_from(["a", "é ", "\u200b", "# ", "RAPPELANT "]))
def test_megabyte_lines_parse(n, unit):
    raw = "Objet : test\n\n" + unit * (n // len(unit)) + "\n\nDÉCIDE de continuer."
    doc = make_document(raw, "big", "big")
    for c in parse(doc):
        assert c.text == clean(doc.text, c.start, c.end).text


@FUZZ
@given(st.text(min_size=3, max_size=300), st.text(min_size=1, max_size=60))
def test_verifier_never_accepts_a_quote_that_is_not_in_the_clause(clause_text, quote):
    if verify_quote(quote, clause_text):
        assert normalize_for_match(quote) in normalize_for_match(clause_text)
        assert len(normalize_for_match(quote)) >= 3


@FUZZ
@given(st.text(min_size=20, max_size=300), st.integers(min_value=0, max_value=50), st.sampled_from(NASTY + ["x", "é"]))
def test_a_zero_width_or_foreign_character_inside_a_quote_does_not_slip_through(text, where, char):
    q = text[: max(3, len(text) // 2)]
    i = min(where, len(q))
    altered = q[:i] + char + q[i:]
    if normalize_for_match(altered) != normalize_for_match(q) and normalize_for_match(altered) not in normalize_for_match(text):
        assert not verify_quote(altered, text)


def _clause(text: str, n: int) -> Clause:
    return Clause(clause_id=f"D/op-{n}", doc_id="D", doc_title="t", kind="operative", ordinal=n, label="",
                  language="fr", text=text, start=0, end=len(text), position=n)


@FUZZ
@given(st.lists(st.text(min_size=5, max_size=120), min_size=1, max_size=4), st.text(max_size=400))
def test_policed_llm_output_only_shows_verified_quotes(texts, raw):
    ctx = [_clause(t, i + 1) for i, t in enumerate(texts)]
    out = police(raw, ctx, lambda c: c.text)
    import re

    for q in re.findall(r"«([^«»]*)»", out.text):
        assert any(verify_quote(q, c.text) for c in ctx)
    for c in out.citations:
        assert verify_quote(c.quote, c.clause.text)
