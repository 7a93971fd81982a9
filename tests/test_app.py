"""The page through Streamlit's AppTest, on a real index in a temporary folder."""

import re

import pytest
from conftest import DOC, ROOT
from streamlit.testing.v1 import AppTest

APP = str(ROOT / "app.py")


@pytest.fixture
def app(seed_index_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("RESQA_INDEX", str(seed_index_dir))
    monkeypatch.setenv("RESQA_FEEDBACK", str(tmp_path / "feedback.jsonl"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def page_text(at) -> str:
    parts = [m.value for m in at.markdown] + [w.value for w in at.warning] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def ask(at, q):
    at.chat_input[0].set_value(q).run()
    assert not at.exception
    return page_text(at)


def test_cited_answer_with_quote(app):
    text = ask(app, "What does the resolution urge member countries to do?")
    assert "Operative clause 2" in text and "DEMANDE INSTAMMENT" in text
    assert "> DEMANDE INSTAMMENT à tous les pays membres" in text
    assert DOC in app.sidebar.multiselect[0].options  # the scope picker; the Library page lists documents


def test_refusal_is_visible(app):
    ask(app, "What budget is allocated to this resolution?")
    assert any("do not say" in w.value for w in app.warning)


def test_followup_depends_on_previous_turn(app):
    ask(app, "What does the resolution urge member countries to do?")
    text = ask(app, "And under what condition?")
    assert text.count("Operative clause 2") >= 2


def test_feedback_is_appended(app, tmp_path):
    ask(app, "Où s’est tenue la session ?")
    # a French question: its buttons speak French, the record keeps the kind's own name
    assert {b.label for b in app.button} >= {"utile", "mauvaise citation", "aurait dû refuser"}
    next(b for b in app.button if b.label == "utile").click().run()
    lines = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and '"feedback": "helpful"' in lines[0] and "Istanbul" in lines[0]


def test_a_citation_speaks_the_answers_language(app):
    """The badge, heading and link of a citation follow the question's language, not only the
    answer's first sentence."""
    ask(app, "Que demande instamment la résolution aux pays membres ?")
    assert any("Dispositif — ce qui est décidé ou demandé" in m.value for m in app.markdown)  # the badge
    assert not any("Dispositif —" in m.value and "**[" in m.value for m in app.markdown)  # not again in the heading
    assert not any("Operative — what it decides" in m.value for m in app.markdown)


def test_new_conversation_clears(app):
    ask(app, "Où s’est tenue la session ?")
    next(b for b in app.sidebar.button if b.label == "New conversation").click().run()
    assert not app.chat_message


def test_hostile_document_renders_inert(tmp_path, monkeypatch):
    from resqa.config import Settings
    from resqa.pipeline import Pipeline

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "evil.txt").write_text(
        "Resolution 1\nXX-2030-RES-01\n\nSubject: <script>alert('x')</script> tests\n\nThe Assembly,\n\n"
        "RECALLING <img src=x onerror=alert(1)> and [click](javascript:alert(2)),\n\n"
        "URGES members to <script>steal()</script> nothing;\n", encoding="utf-8")
    Pipeline(Settings(index_dir=tmp_path / "idx", embedder="hash"), create=True).ingest([docs])
    monkeypatch.setenv("RESQA_INDEX", str(tmp_path / "idx"))
    monkeypatch.setenv("RESQA_EMBEDDER", "hash")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.chat_input[0].set_value("What does it urge members to do?").run()
    assert not at.exception
    markdown = [m.value for m in at.markdown] + [m.value for m in at.sidebar.markdown]
    assert any("steal" in r for r in markdown)
    doc = at.session_state["turns"][-1].answer.citations[0].clause.doc_id
    at.switch_page("views/library.py")  # the cited document, whole, in the Library's document view
    at.query_params.update({"doc": doc, "clause": f"{doc}/op-1", "q": "<script>steal()</script>"})
    at.run()
    assert not at.exception
    html_bodies = [h.proto.body for h in at.get("html")]
    assert any("steal" in r for r in html_bodies) and any("<mark>" in r for r in html_bodies)
    for r in markdown + html_bodies:
        assert "<script" not in r and "<img" not in r
        # the only links are the view's own clause anchors: none comes from the document's text
        assert all(h.startswith("#c-") for h in re.findall(r"href=['\"]([^'\"]*)", r)), r
    for r in markdown:  # in Markdown a link would be live; in st.html it is plain text
        assert "](javascript" not in r


def test_upload_checks(tmp_path):
    from resqa.ui import accept_upload

    bad = accept_upload("broken.pdf", b"%PDF-1.7 garbage", tmp_path, 1000)
    assert not bad.ok and "PDF" in bad.message and not list(tmp_path.iterdir())
    assert not accept_upload("x.exe", b"MZ", tmp_path, 1000).ok
    assert not accept_upload("big.txt", b"a" * 2000, tmp_path, 1000).ok
    ok = accept_upload("../../etc/passwd.txt", "RÉSOLUTION texte".encode(), tmp_path, 1000)
    assert ok.ok and ok.path.parent == tmp_path and ".." not in ok.path.name


def test_upload_parsing_is_time_limited(tmp_path):
    from resqa.load import check_isolated

    f = tmp_path / "ok.txt"
    f.write_text("RÉSOLUTION texte", encoding="utf-8")
    assert check_isolated(f, timeout=60) == []
    assert "took over" in check_isolated(f, timeout=0.01)[0]
