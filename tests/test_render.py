from resqa.model import Answer, Citation, Clause
from resqa.render import answer_to_markdown, clause_html, conversation_to_markdown

EVIL = 'RAPPELANT <script>alert(1)</script> et [clic](javascript:alert(2)) **gras** <img src=x onerror=alert(3)>'


def clause(text=EVIL):
    return Clause("D/pre-1", "D", "Doc <b>x</b>", "preamble", 1, "RAPPELANT", "fr", text, 0, len(text), 0)


def test_markdown_escapes_document_text():
    c = clause()
    a = Answer("q", "en", True, "Preambular clause 1: «RAPPELANT <script>» [1]",
               (Citation(1, c, EVIL, True),))
    md = answer_to_markdown(a)
    assert "<" not in md and "](javascript" not in md
    assert "[1]" in md and "&lt;script&gt;" in md


def test_unverified_citation_is_never_quoted():
    c = clause("RAPPELANT la paix")
    a = Answer("q", "en", True, "x [1]", (Citation(1, c, "invented words", False),))
    assert "invented words" not in answer_to_markdown(a)


def test_clause_html_highlights_and_escapes():
    h = clause_html(clause(), highlight="<script>alert(1)</script>")
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in h and "<script>" not in h


def test_export_contains_question_and_quote():
    c = clause("RAPPELANT la paix")
    a = Answer("q", "en", True, "«RAPPELANT la paix» [1]", (Citation(1, c, "RAPPELANT la paix", True),))
    out = conversation_to_markdown([("Quoi ?", a)])
    assert "## Q: Quoi ?" in out and "> RAPPELANT la paix" in out
