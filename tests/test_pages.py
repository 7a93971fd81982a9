"""Both pages through Streamlit's AppTest, on a small hash-embedded library (SC 662/664/665/667
(1990), which recall each other, and the Declaration in Arabic): the table and its filters, the
document view at ?doc=&clause=&q=, the links between resolutions, and a question scoped to the
document being read."""

from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from streamlit.testing.v1 import AppTest

DATA = Path(__file__).parent / "data"
APP = str(ROOT / "app.py")
LIBRARY, ASK = "views/library.py", "views/ask.py"


@pytest.fixture(scope="module")
def library_index(tmp_path_factory):
    from resqa.config import Settings
    from resqa.pipeline import Pipeline

    d = tmp_path_factory.mktemp("library") / "index"
    pipe = Pipeline(Settings(index_dir=d, embedder="hash"), create=True)
    report = pipe.ingest([DATA / "sc-1990.jsonl", DATA / "udhr-ar.md", SEEDS])
    assert report.documents == 6 and not report.skipped
    ids = {d.metadata.get("symbol", d.doc_id): d.doc_id for d in pipe.index.catalogue.docs.values()}
    return d, ids


@pytest.fixture
def at(library_index, tmp_path, monkeypatch):
    monkeypatch.setenv("RESQA_INDEX", str(library_index[0]))
    monkeypatch.setenv("RESQA_EMBEDDER", "hash")
    monkeypatch.setenv("RESQA_FEEDBACK", str(tmp_path / "feedback.jsonl"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception
    return app


@pytest.fixture
def ids(library_index):
    return library_index[1]


def html_of(at) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def test_a_first_visit_says_what_the_page_does_and_offers_questions_about_this_library(at):
    """A new user found an empty page: now it says what resqa does, and offers questions made
    from the library (ui.example_questions) that ask it when chosen."""
    assert any("6 documents" in m.value and "word for word" in m.value for m in at.main.markdown)
    examples = [b for b in at.button if b.key and b.key.startswith("example-")]
    labels = [b.label for b in examples]
    assert labels[0] == "What does S/RES/667 (1990) decide?" and labels[-1] == "¿Qué dice el artículo 1?", labels
    examples[0].click().run()
    assert not at.exception and len(at.chat_message) == 2
    assert not any(b.key and b.key.startswith("example-") for b in at.button)  # the welcome gives way
    assert "S/RES/667 \\(1990\\) \\(Decides\\)" in at.chat_message[1].markdown[0].value


def test_example_questions_name_what_the_library_holds():
    from resqa.ui import example_questions

    rows = [{"document": f"S/RES/{n} (1990)", "operative": 3, "title": ""} for n in (660, 661, 662)]
    assert example_questions(rows) == ["What does S/RES/661 (1990) decide?", "Qu'a demandé S/RES/661 (1990) ?"]
    assert example_questions([{"document": "udhr-en", "operative": 1}], articles=True)[-1] == "¿Qué dice el artículo 1?"
    assert example_questions([]) == []


def test_ask_is_the_default_page_with_a_short_sidebar(at, ids):
    assert [t.value for t in at.sidebar.title] == ["resqa"]
    assert any("6 documents" in m.value for m in at.sidebar.markdown)
    picker = at.sidebar.multiselect[0]
    assert picker.label == "Ask only these documents" and set(picker.options) >= {"S/RES/665 (1990)"}
    assert len(at.sidebar.markdown) <= 3  # a count, not one entry per document


def test_library_table_search_and_filters(at, ids):
    at.switch_page(LIBRARY).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 6 and set(table["document"]) >= {"S/RES/662 (1990)", "S/RES/667 (1990)"}
    assert {"title", "body", "year", "language", "preambular", "operative"} <= set(table.columns)
    at.text_input(key="lib-text").set_value("res 664").run()
    found = at.dataframe[0].value  # the id first, then the resolutions whose text recalls it
    assert found["document"].iloc[0] == "S/RES/664 (1990)" and "S/RES/667 (1990)" in set(found["document"])
    assert "mentions" in found.columns
    at.text_input(key="lib-text").set_value("Kuwait").run()  # titles carry no topic: the text does
    found = at.dataframe[0].value
    assert "S/RES/662 (1990)" in set(found["document"]) and (found["mentions"] > 0).all()
    assert list(found["mentions"]) == sorted(found["mentions"], reverse=True)
    at.text_input(key="lib-text").set_value("661").run()  # recalled by the texts, not held
    assert "holds no resolution 661; the documents below mention" in at.info[0].value
    at.text_input(key="lib-text").set_value("piracy Somalia").run()
    assert len(at.dataframe[0].value) == 0 and "id, title or text" in at.info[0].value
    at.text_input(key="lib-text").set_value("").run()
    at.multiselect(key="lib-language").set_value(["fr"]).run()
    assert list(at.dataframe[0].value["document"]) == ["GA-2021-89-RES-09"]
    at.multiselect(key="lib-language").set_value([]).run()
    at.slider(key="lib-years").set_value((1990, 2000)).run()
    assert set(at.dataframe[0].value["year"]) == {1990}


def test_query_parameters_open_the_document_at_the_clause(at, ids):
    doc = ids["S/RES/665 (1990)"]
    at.switch_page(LIBRARY)
    at.query_params.update({"doc": doc, "clause": f"{doc}/pre-4", "q": "loss of innocent lives"})
    at.run()
    assert not at.exception
    page = html_of(at)
    assert "<h4>Preamble</h4>" in page and "<h4>Operative paragraphs</h4>" in page
    assert "<mark>loss of innocent lives</mark>" in page and "class='clause preamble focus'" in page
    links = {pl.proto.label: pl.proto.query_string for pl in at.get("page_link")}
    assert "doc=" + ids["S/RES/662 (1990)"].replace("/", "%2F").replace(" ", "+").replace("(", "%28").replace(
        ")", "%29") == links["S/RES/662 (1990)"]  # Recalls 662 …
    assert any(label.startswith("S/RES/667 (1990)") for label in links)  # … and is recalled by 667


def test_an_unknown_document_says_so(at):
    at.switch_page(LIBRARY)
    at.query_params["doc"] = "S/RES/1 (1946)"
    at.run()
    assert not at.exception and "holds no document" in at.error[0].value
    assert at.dataframe  # and the table is still there


def test_arabic_document_reads_right_to_left(at, ids):
    at.switch_page(LIBRARY)
    at.query_params["doc"] = ids.get("udhr-ar", next(d for d in ids.values() if "udhr" in d.lower()))
    at.run()
    assert "dir='rtl'" in html_of(at)


def test_ask_about_this_resolution_scopes_the_question(at, ids):
    doc = ids["S/RES/664 (1990)"]
    at.switch_page(LIBRARY)
    at.query_params["doc"] = doc
    at.run()
    next(b for b in at.button if b.label == "Ask about this document").click().run()
    assert not at.exception and at.session_state["ask_scope"] == [doc]
    assert "S/RES/664 \\(1990\\) only" in at.info[0].value
    assert at.sidebar.multiselect[0].value == [doc]
    at.switch_page(ASK)  # AppTest stays on the page it was told; the app itself switched already
    at.chat_input[0].set_value("What does the Council demand of Iraq?").run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    shown = answer.citations if answer.answerable else answer.related
    assert shown and {c.clause.doc_id for c in shown} == {doc}
    # every citation links to its clause in the Library
    targets = [pl.proto.query_string for pl in at.get("page_link")]
    assert targets and all("clause=" in t and "doc=" in t for t in targets)


def test_a_runner_up_is_shown_apart_under_may_also_answer_with_its_link(at, monkeypatch):
    from urllib.parse import urlencode

    from resqa import answer as answer_module

    monkeypatch.setattr(answer_module, "ALSO_RATIO", 0.0)  # any runner-up is close enough
    at.chat_input[0].set_value("What does the Council demand of Iraq?").run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    assert answer.answerable and answer.also
    assert any("May also answer" in m.value for m in at.markdown), [m.value for m in at.markdown]
    assert at.divider
    also = answer.also[0].clause.clause_id
    targets = [pl.proto.query_string for pl in at.get("page_link")]
    assert any(urlencode({"clause": also}) in t for t in targets), targets
