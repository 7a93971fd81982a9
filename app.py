"""resqa in the browser: a thin Streamlit page over the resqa pipeline (`streamlit run app.py`)."""

from __future__ import annotations

import html

import streamlit as st

from resqa.access import Policy, decide
from resqa.config import Settings
from resqa.errors import IndexMissingError, ResqaError
from resqa.filters import facets
from resqa.pipeline import Pipeline
from resqa.render import answer_body_markdown, citation_markdown, clause_html, conversation_to_markdown, md_escape
from resqa.ui import FEEDBACK_KINDS, Turn, accept_upload, history_of, record_feedback

st.set_page_config(page_title="resqa — resolutions, quoted", page_icon="📜", layout="wide")
settings = Settings.from_env()


@st.cache_resource(show_spinner=False)
def pipeline(key: str) -> Pipeline:
    """One pipeline per process and configuration, shared by every browser session."""
    return Pipeline(settings)


def settings_key() -> str:
    """What the cached pipeline depends on: every setting, keys only inside a digest."""
    return settings.cache_key()


def load_pipeline() -> Pipeline:
    try:
        return pipeline(settings_key())
    except IndexMissingError:
        with st.status(f"First start: building the index from {settings.seeds_dir}/ …", expanded=True) as box:
            bar = st.progress(0.0)
            builder = Pipeline(settings, create=True)
            report = builder.ingest([settings.seeds_dir], progress=lambda d, t, n: bar.progress(
                d / t if t else 1.0, text=f"{d}/{t} {n}"))
            box.update(label=f"Index built: {report.documents} documents, {report.clauses} clauses",
                       state="complete")
        return pipeline(settings_key())


def secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml: open access for local use
        return {}


access = decide(Policy.from_secrets(secrets()), st.user.to_dict() if secrets().get("auth") else {})
if not access.allowed:
    st.title("resqa")
    st.info(access.message, icon="🔒")
    if access.user:
        st.button("Log out", on_click=st.logout)
    else:
        st.button("Log in", on_click=st.login, type="primary")
    st.stop()

try:
    pipe = load_pipeline()
except ResqaError as exc:
    st.error(f"resqa cannot start: {exc}")
    st.stop()

turns: list[Turn] = st.session_state.setdefault("turns", [])

# ------------------------------------------------------------------ sidebar: corpus
with st.sidebar:
    st.title("resqa")
    st.caption("Answers quote the resolutions verbatim, or say that they do not address the question.")
    if st.button("New conversation", icon="🧹", use_container_width=True):
        turns.clear()
        st.rerun()
    docs = pipe.index.info()["documents"]
    st.subheader(f"Documents ({len(docs)})")
    for d in docs:
        counts = d["clauses"]
        st.markdown(f"**{md_escape(d['id'])}** · {md_escape(d['language'] or '?')}  \n{md_escape(d['title'])}  \n"
                    f"<small>{counts.get('preamble', 0)} preambular · {counts.get('operative', 0)} operative · "
                    f"{sum(counts.values())} in all</small>", unsafe_allow_html=True)
    chosen = st.multiselect("Ask only these documents", [d["id"] for d in docs], placeholder="all documents")
    scope = set(chosen) if chosen else None
    where: dict[str, list[str]] = {}
    for key, values in facets(docs).items():
        if len(values) > 1:
            picked = st.multiselect(f"Only {key}", values, placeholder=f"any {key}", key=f"facet-{key}")
            if picked:
                where[key] = [str(v) for v in picked]
    with st.expander("Add documents"):
        if not access.admin:
            st.caption("Only administrators can add documents on this server.")
        else:
            files = st.file_uploader("txt, md, pdf or jsonl", type=["txt", "md", "pdf", "jsonl"],
                                     accept_multiple_files=True)
            if files and st.button("Add to the index"):
                accepted = []
                for f in files:
                    res = accept_upload(f.name, f.getvalue(), settings.index_dir.parent / "uploads",
                                        settings.upload_max_bytes)
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
            [(t.question, t.answer) for t in turns]), file_name="resqa-conversation.md", mime="text/markdown")
    st.caption(access.message)
    if access.user:
        st.button("Log out", on_click=st.logout)


# ------------------------------------------------------------------ chat
def show_answer(i: int, turn: Turn) -> None:
    ans = turn.answer
    for notice in ans.notices:
        st.info(md_escape(notice), icon="🔎")
    if not ans.answerable:
        st.warning(answer_body_markdown(ans), icon="🚫")
    else:
        st.markdown(answer_body_markdown(ans))
    for c in ans.citations if ans.answerable else ans.related:
        if not c.verified:
            continue
        kind = c.clause.kind
        color = {"operative": "green", "preamble": "blue"}.get(kind, "gray")
        label = {"operative": "Operative — what the Assembly calls for",
                 "preamble": "Preamble — context the Assembly recalls"}.get(kind, kind.capitalize())
        st.badge(label, color=color)
        st.markdown(citation_markdown(c, with_number=ans.answerable))
        with st.expander(f"Open {c.clause.clause_id} in context"):
            for n in pipe.index.neighbours(c.clause.clause_id):
                mark = c.quote if n.clause_id == c.clause.clause_id else None
                weight = "font-weight:600;" if mark else "color:#666;"
                st.html(f"<div style='{weight}margin-bottom:.5em'><code>{html.escape(n.clause_id)}</code> "
                        f"{clause_html(n, mark)}</div>")
    cols = st.columns(len(FEEDBACK_KINDS))
    for col, kind in zip(cols, FEEDBACK_KINDS, strict=True):
        if col.button(kind, key=f"fb-{i}-{kind}"):
            record_feedback(settings.feedback_path, turn, kind)
            st.toast("Thank you — feedback saved.")


for i, turn in enumerate(turns):
    with st.chat_message("user"):
        st.markdown(md_escape(turn.question))
    with st.chat_message("assistant"):
        show_answer(i, turn)

if question := st.chat_input("Ask about the resolutions (any language)"):
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    with st.chat_message("assistant"):
        live = st.empty()
        streamed: list[str] = []

        def on_token(token: str) -> None:  # generated text as it arrives; replaced once verified
            streamed.append(token)
            live.markdown(md_escape("".join(streamed)) + " ▌")

        try:
            with st.spinner("Reading the resolutions…"):
                answer = pipe.ask(question, history_of(turns), scope, where or None,
                                  on_token=on_token if settings.llm else None)
        except ResqaError as exc:
            live.empty()
            st.error(f"{exc}", icon="⚠️")
        else:
            live.empty()
            turns.append(Turn(question, answer))
            show_answer(len(turns) - 1, turns[-1])
