"""The Ask page: the chat. Every citation links to its clause in the Library's document view."""

from __future__ import annotations

import streamlit as st

from resqa.errors import InputError, ResqaError
from resqa.model import Citation
from resqa.page import facet_filters, load_pipeline, rows, settings
from resqa.render import (
    answer_body_markdown,
    citation_markdown,
    conversation_to_markdown,
    kind_name,
    md_escape,
    page_label,
    page_text,
)
from resqa.ui import (
    FEEDBACK_KINDS,
    Turn,
    accept_upload,
    app_root,
    example_questions,
    filter_rows,
    history_of,
    record_feedback,
)

cfg = settings()
pipe = load_pipeline()
access = st.session_state["access"]
turns: list[Turn] = st.session_state.setdefault("turns", [])
table = rows(pipe)
names = {r["id"]: r["document"] for r in table}

# ------------------------------------------------------------------ sidebar: short at any library size
with st.sidebar:
    st.title("resqa")
    st.caption("Answers quote the resolutions verbatim, or say that they do not address the question.")
    if st.button("New conversation", icon="🧹", width="stretch"):
        turns.clear()
        st.rerun()
    st.markdown(f"**{len(table)} documents** in the library")
    # a searchable picker (type to find), not a list: the Library page is where documents are browsed
    chosen = st.multiselect("Ask only these documents", list(names), default=st.session_state.get("ask_scope", []),
                            format_func=lambda d: names.get(d, d), placeholder="all documents — type to search")
    st.session_state["ask_scope"] = chosen
    scope = set(chosen) if chosen else None
    filters = facet_filters(table, key="ask")
    if filters:  # the filters narrow the scope to the documents they keep
        kept = {r["id"] for r in filter_rows(table, **filters)}
        scope = kept if scope is None else scope & kept
    with st.expander("Add documents"):
        if not access.admin:
            st.caption("Only administrators can add documents on this server.")
        else:
            files = st.file_uploader("txt, md, pdf or jsonl", type=["txt", "md", "pdf", "jsonl"],
                                     accept_multiple_files=True)
            if files and st.button("Add to the index"):
                accepted = []
                for f in files:
                    res = accept_upload(f.name, f.getvalue(), cfg.index_dir.parent / "uploads", cfg.upload_max_bytes)
                    (st.success if res.ok else st.error)(res.message)
                    if res.ok:
                        accepted.append(res.path)
                if accepted:
                    try:
                        report = pipe.ingest(accepted)
                    except ResqaError as exc:
                        st.error(str(exc))
                    else:
                        st.success(f"Indexed {report.documents} documents ({report.embedded} new records).")
    if turns:
        st.download_button("Export conversation (Markdown)", conversation_to_markdown(
            [(t.question, t.answer) for t in turns], base_url=cfg.base_url or app_root(st.context.url)),
            file_name="resqa-conversation.md", mime="text/markdown")
    st.caption(access.message)
    if access.user:
        st.button("Log out", on_click=st.logout)

if scope:
    st.info("Questions are asked of " + ", ".join(md_escape(names.get(d, d)) for d in sorted(scope)) + " only.",
            icon="📄")


# ------------------------------------------------------------------ chat
def show_citation(c: Citation, numbered: bool, lang: str) -> None:
    """A citation in the answer's language `lang`: its badge, heading and quote, and its link."""
    if not c.verified:
        return
    kind = c.clause.kind
    color = {"operative": "green", "preamble": "blue"}.get(kind, "gray")
    st.badge(kind_name(kind, lang), color=color)
    st.markdown(citation_markdown(c, with_number=numbered, lang=lang, with_kind=False))  # the badge says it
    st.page_link("views/library.py", label=page_label(page_text("open_clause", lang, clause=c.clause.clause_id), lang), icon="📖",
                 query_params={"doc": c.clause.doc_id, "clause": c.clause.clause_id, "q": c.quote[:300]})


def show_answer(i: int, turn: Turn) -> None:
    ans = turn.answer
    for notice in ans.notices:
        st.info(md_escape(notice), icon="🔎")
    if not ans.answerable:
        st.warning(answer_body_markdown(ans), icon="🚫")
    else:
        st.markdown(answer_body_markdown(ans))
    for c in ans.citations if ans.answerable else ans.related:
        show_citation(c, numbered=ans.answerable, lang=ans.language)
    if ans.also:  # a runner-up, apart: a rule, then its own heading, and no number
        st.divider()
        st.markdown(f"**{md_escape(ans.also_heading)}**")
    for c in ans.also:
        show_citation(c, numbered=False, lang=ans.language)
    cols = st.columns(len(FEEDBACK_KINDS))
    for col, kind in zip(cols, FEEDBACK_KINDS, strict=True):  # recorded as `kind`, shown in the answer's language
        if col.button(page_label(page_text("feedback_" + kind.replace(" ", "_"), ans.language), ans.language), key=f"fb-{i}-{kind}"):
            record_feedback(cfg.feedback_path, turn, kind)
            st.toast("Thank you — feedback saved.")


for i, turn in enumerate(turns):
    with st.chat_message("user"):
        st.markdown(md_escape(turn.question))
    with st.chat_message("assistant"):
        show_answer(i, turn)

# asked here, drawn at the bottom whatever the order: a first question replaces the welcome below
question = st.chat_input("Ask about the resolutions (any language)") or st.session_state.pop("example", None)
if not turns and not question:  # a first visit: what the page does, and questions to try on this library
    st.markdown(f"Ask a question about the **{len(table)} documents** of the library, in any language. "
                "Each answer quotes the clauses it rests on, word for word, and links to them; when the "
                "texts do not answer, it says so.")
    has_articles = any(c.kind == "article" for c in pipe.index.catalogue.clauses.values())
    for n, example in enumerate(example_questions(table, has_articles)):
        if st.button(example, key=f"example-{n}", icon="💡"):
            st.session_state["example"] = example
            st.rerun()

if question:
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    with st.chat_message("assistant"):
        live = st.empty()
        streamed: list[str] = []

        def on_token(token: str) -> None:  # generated text as it arrives; replaced once verified
            streamed.append(token)
            live.markdown(md_escape("".join(streamed)) + " ▌")

        try:
            if scope is not None and not scope:
                raise InputError("no document matches the chosen filters")
            with st.spinner("Reading the resolutions…"):
                answer = pipe.ask(question, history_of(turns), scope, None,
                                  on_token=on_token if cfg.llm else None)
        except ResqaError as exc:
            live.empty()
            st.error(f"{exc}", icon="⚠️")
        else:
            live.empty()
            turns.append(Turn(question, answer))
            show_answer(len(turns) - 1, turns[-1])
