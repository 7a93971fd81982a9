"""Property-based tests (hypothesis) for the loader, the cleaner, the clause parser, the verifier
and the LLM-output policer: arbitrary unicode, control characters, very long lines, nested
markdown, right-to-left text and zero-width characters."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resqa.clauses import parse
from resqa.clean import clean
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


# Clause words for the verifier and policer properties: precomposed letters only, so that the
# oracle below (a verbatim span, or a visible character the clause lacks) needs no Unicode folding.
WORDS = st.lists(st.text(alphabet=string.ascii_letters + "éàÇ’'-", min_size=1, max_size=9), min_size=3, max_size=40)
ZERO_WIDTH = ["\u200b", "\u200d", "\ufeff", "\u00ad"]


def _span(words: list[str], a: int, b: int) -> list[str]:
    """Three or more consecutive words, from word `a` on (both bounds taken modulo the length)."""
    a = a % (len(words) - 2)
    return words[a:a + 3 + b % (len(words) - a - 2)]


@FUZZ
@given(WORDS, st.integers(0, 40), st.integers(0, 41), st.sampled_from([" ", "\n", "  \n\t", "\u00a0"]))
def test_the_verifier_accepts_every_verbatim_span_however_it_is_spaced(words, a, b, space):
    """Independent of the verifier's definition: any run of three or more of the clause's words,
    its spaces turned into line breaks, tabs or no-break spaces, is accepted."""
    assert verify_quote(space.join(_span(words, a, b)), " ".join(words))


@FUZZ
@given(WORDS, st.integers(0, 40), st.integers(0, 41), st.integers(0, 300), st.sampled_from(["☃", "Ж", "0", "«x»"]))
def test_the_verifier_rejects_a_quote_with_a_character_the_clause_does_not_have(words, a, b, where, char):
    clause = " ".join(words)
    quote = " ".join(_span(words, a, b))
    i = where % (len(quote) + 1)
    assert not verify_quote(quote[:i] + char + quote[i:], clause)


@FUZZ
@given(WORDS, st.integers(0, 40), st.integers(0, 41), st.integers(0, 300), st.sampled_from(ZERO_WIDTH))
def test_a_zero_width_character_inside_a_verbatim_quote_is_folded_away(words, a, b, where, char):
    quote = " ".join(_span(words, a, b))
    i = where % (len(quote) + 1)
    assert verify_quote(quote[:i] + char + quote[i:], " ".join(words))


def _clause(text: str, n: int) -> Clause:
    return Clause(clause_id=f"D/op-{n}", doc_id="D", doc_title="t", kind="operative", ordinal=n, label="",
                  language="fr", text=text, start=0, end=len(text), position=n)


@FUZZ
@given(st.lists(WORDS, min_size=1, max_size=4), st.lists(st.tuples(
    st.sampled_from(["good", "altered", "bad_number", "uncited", "noise"]), st.integers(0, 3), st.integers(0, 40),
    st.integers(0, 41), st.text(max_size=60)), max_size=6))
def test_policed_llm_output_keeps_verbatim_quotes_and_only_those(texts, parts):
    """An LLM reply assembled from verbatim quotes, altered quotes, citations to clauses not given,
    uncited sentences and arbitrary text: every verbatim quote correctly cited survives, and every
    quote shown verifies against a clause it was given."""
    import re

    ctx = [_clause(" ".join(t), i + 1) for i, t in enumerate(texts)]
    kept, raw = [], []
    for kind, n, a, b, noise in parts:
        n %= len(texts)
        quote = " ".join(_span(texts[n], a, b))
        if kind == "good":
            kept.append(quote)
            raw.append(f"It says «{quote}» [{n + 1}].")
        elif kind == "altered":
            raw.append(f"It says «{quote} ☃» [{n + 1}].")
        elif kind == "bad_number":
            raw.append(f"It says «{quote}» [{len(texts) + 1 + n}].")
        elif kind == "uncited":
            raw.append("It says nothing precise.")
        else:
            raw.append(noise.replace("«", "").replace("»", "").replace("\x00", ""))
    out = police(" ".join(raw), ctx, lambda c: c.text)
    shown = re.findall(r"«([^«»]*)»", out.text)
    for q in shown:
        assert any(verify_quote(q, c.text) for c in ctx)
    for q in kept:
        assert q in shown
    for c in out.citations:
        assert c.quote in c.clause.text
