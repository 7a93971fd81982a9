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


# ------------------------------------------------------------------ links and the document view
def test_doc_href_encodes_ids_with_slashes_and_spaces():
    from urllib.parse import parse_qs, urlsplit

    from resqa.render import doc_href

    href = doc_href("S/RES/660 (1990)", "S/RES/660 (1990)/op-2", "demands & <b>", "https://resqa.example.org/")
    parts = urlsplit(href)
    assert parts.netloc == "resqa.example.org" and parts.path == "/library"
    assert " " not in href and "<" not in href and "(" not in href
    assert parse_qs(parts.query) == {"doc": ["S/RES/660 (1990)"], "clause": ["S/RES/660 (1990)/op-2"],
                                     "q": ["demands & <b>"]}
    assert doc_href("D") == "/library?doc=D"


def test_export_links_each_citation_to_its_clause():
    c = Clause("S/RES/660 (1990)/op-2", "S/RES/660 (1990)", "Resolution 660", "operative", 2, "Demands", "en",
               "Demands that Iraq withdraw", 0, 26, 3)
    a = Answer("q", "en", True, "«Demands that Iraq withdraw» [1]", (Citation(1, c, "Demands that Iraq withdraw", True),))
    out = conversation_to_markdown([("What?", a)], base_url="https://resqa.example.org")
    assert "](https://resqa.example.org/library?doc=S%2FRES%2F660+%281990%29&clause=S%2FRES%2F660+%281990%29%2Fop-2" in out
    assert "](" not in conversation_to_markdown([("What?", a)])  # no base URL given: no links


def _doc_clauses():
    def mk(kind, n, pos, text, lang="en"):
        return Clause(f"S/RES/1 (1946)/{kind}-{n}", "S/RES/1 (1946)", "R1", kind, n, "", lang, text, 0, len(text), pos)

    return [mk("opening", 1, 0, "The Security Council,"),
            mk("preamble", 1, 1, "Recalling its resolution 660 (1990) <script>x</script>,"),
            mk("operative", 1, 2, "Decides that: (a) all States shall act; (b) no State shall help;"),
            mk("operative", 2, 3, "Requests the Secretary-General to report;"),
            mk("adoption", 1, 4, "Adopted unanimously.")]


def test_document_html_lays_out_structure_and_escapes():
    from resqa.render import clause_anchor, document_html

    h = document_html("R1 <i>", _doc_clauses(), links={"S/RES/1 (1946)/preamble-1": [("S/RES/660 (1990)", "/library?doc=x")]})
    assert "<script>" not in h and "&lt;script&gt;" in h and "R1 &lt;i&gt;" in h
    assert h.index("<h4>Preamble</h4>") < h.index("<h4>Operative paragraphs</h4>") < h.index("Adopted unanimously")
    assert ">OP 2</a>" in h and ">PP 1</a>" in h  # each paragraph numbered by its address
    assert h.count("<li>") == 2 and "<ul class='sub-items'>" in h  # (a) and (b) as sub-items
    assert f"id='{clause_anchor('S/RES/1 (1946)/operative-2')}'" in h
    assert "href='/library?doc=x'" in h and "dir='ltr'" in h


def test_a_markdown_heading_is_shown_without_its_marker():
    from resqa.render import document_html

    text = "# Universal Declaration of Human Rights"
    head = Clause("udhr-en/head", "udhr-en", "Universal Declaration of Human Rights", "header", 0, "", "en",
                  text, 0, len(text), 0)
    h = document_html("Universal Declaration of Human Rights", [head], focus="udhr-en/head", quote="Universal Declaration")
    assert "'><mark>Universal Declaration</mark> of Human Rights</p>" in h and "# " not in h


def test_document_html_marks_the_quote_in_the_focused_clause_only():
    from resqa.render import document_html

    h = document_html("R1", _doc_clauses(), focus="S/RES/1 (1946)/operative-1", quote="all States shall act")
    assert h.count("<mark>") == 1 and "<mark>all States shall act</mark>" in h
    assert "class='clause operative focus'" in h
    h = document_html("R1", _doc_clauses(), focus="S/RES/1 (1946)/operative-1", quote="not in the text")
    assert "<mark>" not in h and "focus" in h


def test_arabic_reads_right_to_left():
    from resqa.render import document_html, text_direction

    text = (__import__("pathlib").Path(__file__).parent / "data" / "udhr-ar.md").read_text(encoding="utf-8")
    assert text_direction("", text) == "rtl"  # by its letters, front matter and all
    assert text_direction("ar") == "rtl" and text_direction("en", "Recalling") == "ltr"
    c = Clause("u/chunk-1", "u", "u", "chunk", 1, "", "ar", text[400:900], 0, 500, 0)
    assert "dir='rtl'" in document_html("الإعلان", [c])


def test_declaration_articles_are_a_section_addressed_by_their_heading():
    from resqa.clauses import parse
    from resqa.load import load_paths
    from resqa.render import document_html

    doc = load_paths([__import__("pathlib").Path(__file__).parent / "data" / "udhr-ar.md"]).documents[0]
    clauses = parse(doc)
    articles = [c for c in clauses if c.kind == "article"]
    h = document_html(doc.title, clauses)
    assert len(articles) == 30 and h.count("<h4>Articles</h4>") == 1
    assert f">{articles[18].label}</a>" in h and "19" in articles[18].label  # "المادة 19", as written


# ------------------------------------------------------------------ the Library table (ui.py)
def _info_docs():
    return [{"id": f"S-RES-{n}-{y}", "title": f"Security Council resolution {n} ({y}) on {t}", "language": "en",
             "clauses": {"preamble": n % 5, "operative": n % 7},
             "metadata": {"symbol": f"S/RES/{n} ({y})", "year": y, "organisation": "UN Security Council"}}
            for n, y, t in ((242, 1967, "the Middle East"), (9, 1946, "Cyprus"), (660, 1990, "Kuwait"))] + [
        {"id": "GA-2021-89-RES-09", "title": "Protéger les enfants", "language": "fr", "clauses": {},
         "metadata": {"year": 2021, "organisation": "INTERPOL", "body": "General Assembly"}}]


def test_library_rows_and_filters():
    from resqa.ui import filter_rows, library_facets, library_rows

    rows = library_rows(_info_docs())
    assert [r["document"] for r in rows] == ["S/RES/9 (1946)", "S/RES/242 (1967)", "S/RES/660 (1990)",
                                             "GA-2021-89-RES-09"]
    assert rows[-1]["body"] == "General Assembly" and rows[0]["body"] == "UN Security Council"
    assert rows[1]["preambular"] == 2 and rows[1]["operative"] == 4
    assert library_facets(rows)["language"] == ["en", "fr"]
    assert [r["id"] for r in filter_rows(rows, "res 242")] == ["S-RES-242-1967"]
    assert [r["id"] for r in filter_rows(rows, "KUWAIT")] == ["S-RES-660-1990"]
    assert len(filter_rows(rows, bodies=["UN Security Council"], years=(1950, 2000))) == 2
    assert [r["id"] for r in filter_rows(rows, languages=["fr"])] == ["GA-2021-89-RES-09"]
    assert filter_rows(rows, "nothing like this") == []


def test_the_library_search_reads_the_text_when_titles_name_no_subject():
    """A new user searched the Library for "Cyprus": 0 found, as Security Council titles name no subject."""
    from resqa.ui import TextSearch, filter_rows, library_rows

    rows = library_rows(_info_docs())
    search = TextSearch({"S-RES-9-1946": ["The Security Council,", "Noting the situation in Palestine and the"
                                          " Palestinian refugees,", "Requests a report on Palestine"],
                         "S-RES-242-1967": ["Calls on the parties in Palestine to negotiate"],
                         "S-RES-660-1990": ["Condemns the Iraqi invasion of Kuwait"]})
    assert filter_rows(rows, "Palestine") == []  # ids and titles alone
    found = filter_rows(rows, "Palestine", search=search)
    assert [(r["id"], r["mentions"]) for r in found] == [("S-RES-9-1946", 2), ("S-RES-242-1967", 1)]
    assert [r["mentions"] for r in filter_rows(rows, "palestin", search=search)] == [3, 1]  # a word's beginning
    assert [r["id"] for r in filter_rows(rows, "palestine report", search=search)] == ["S-RES-9-1946"]  # every word
    # a title match comes first and is not counted twice; the filters still apply to text matches
    assert [r["id"] for r in filter_rows(rows, "kuwait", search=search)] == ["S-RES-660-1990"]
    assert "mentions" not in filter_rows(rows, "kuwait", search=search)[0]
    assert [r["id"] for r in filter_rows(rows, "Palestine", years=(1960, 1970), search=search)] == ["S-RES-242-1967"]
    assert filter_rows(rows, "piracy", search=search) == []


def test_the_library_search_example_is_taken_from_the_library_and_finds_it():
    """A new user tried the fixed example "242, or res 686 (1991)" on a library without them: 0 found."""
    from resqa.ui import filter_rows, library_rows, search_example

    rows = library_rows(_info_docs())
    example = search_example(rows)
    assert example == "e.g. 660, or S/RES/660 (1990)"  # the middle row
    for typed in example.removeprefix("e.g. ").split(", or "):
        assert filter_rows(rows, typed)
    assert search_example([]) and "e.g." not in search_example([])


def test_base_url_is_a_setting_read_from_env():
    from resqa.config import Settings

    assert Settings.from_env({}).base_url == ""
    assert Settings.from_env({"RESQA_BASE_URL": "https://resqa.example.org"}).base_url == "https://resqa.example.org"


def test_quotes_in_an_answer_are_direction_isolates():
    from resqa.render import FSI, PDI, RLM, answer_body_markdown, isolate_quotes

    c = clause("1. Deplores the refusal")
    ar = Answer("q", "ar", True, "الفقرة 1 من منطوق S/RES/673 (1990): «1. Deplores the refusal» [1]",
                (Citation(1, c, "1. Deplores the refusal", True),))
    body = answer_body_markdown(ar)
    assert f"«{FSI}1\\. Deplores the refusal{PDI}»{RLM} [1]" in body  # the mark only in a right-to-left answer
    en = Answer("q", "en", True, "Operative paragraph 1: «1. Deplores» [1]", (Citation(1, c, "1. Deplores", True),))
    assert f"«{FSI}1\\. Deplores{PDI}» [1]" in answer_body_markdown(en)
    # guillemets inside a quote (a French clause quoting a title) stay inside its one isolate
    assert isolate_quotes("a «RAPPELANT la « Convention » de 1989» b") == f"a «{FSI}RAPPELANT la « Convention » de 1989{PDI}» b"
    assert isolate_quotes("«cut off") == f"«{FSI}cut off{PDI}"  # an unfinished stream
    assert isolate_quotes("no quote » here") == "no quote » here"


def test_page_labels_in_a_right_to_left_language_are_isolated():
    from resqa.render import PDI, RLI, page_label

    assert page_label("فتح S/RES/673 (1990)/op-1 في وثيقته", "ar") == f"{RLI}فتح S/RES/673 (1990)/op-1 في وثيقته{PDI}"
    assert page_label("Open S/RES/673 (1990)/op-1", "en") == "Open S/RES/673 (1990)/op-1"


def test_a_searched_resolution_number_the_library_lacks_is_named():
    """A new user searched "955" (the Rwanda tribunal) and got S/RES/108 (1955), and "660" got six
    resolutions mentioning it: the page now says the library does not hold it."""
    from resqa.ui import number_not_held

    rows = [{"document": "S/RES/108 (1955)", "year": 1955}, {"document": "S/RES/660 (1990)", "year": 1990},
            {"document": "udhr-en", "year": None}, {"document": "GA-2021-89-RES-09", "year": 2021}]
    assert number_not_held(rows, "955") == "955" and number_not_held(rows, "resolution 661") == "661"
    assert number_not_held(rows, "S/RES/660 (1991)") == "660 (1991)"
    for held_or_not_a_number in ("660", "S/RES/660 (1990)", "res 660", "Cyprus", "udhr", "2021", ""):
        assert number_not_held(rows, held_or_not_a_number) is None, held_or_not_a_number


def test_an_exported_conversation_links_to_the_app_and_keeps_isolates_only_right_to_left():
    """A new user's export had relative links (/library?…) that open nothing outside the app,
    and invisible direction marks around every English quote."""
    from resqa.render import FSI, conversation_to_markdown
    from resqa.ui import app_root

    assert app_root("https://h.example.org/resqa/library?doc=x") == "https://h.example.org/resqa"
    assert app_root("http://127.0.0.1:8501/") == "http://127.0.0.1:8501" and app_root("") == ""
    c = clause("RAPPELANT la paix")
    en = Answer("q", "en", True, "Preambular clause 1: «RAPPELANT la paix» [1]", (Citation(1, c, "RAPPELANT la paix", True),))
    ar = Answer("q", "ar", True, "الفقرة 1: «RAPPELANT la paix» [1]", (Citation(1, c, "RAPPELANT la paix", True),))
    out = conversation_to_markdown([("Quoi ?", en)], base_url=app_root("http://127.0.0.1:8501/"))
    assert FSI not in out and "](http://127.0.0.1:8501/library?doc=D" in out
    assert FSI in conversation_to_markdown([("ماذا؟", ar)])
