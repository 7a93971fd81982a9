"""resqa in the browser: the entry point of a two-page Streamlit app (`streamlit run app.py`).

It checks access, opens the pipeline once per process, and hands over to st.navigation: **Ask**
(views/ask.py, the chat) and **Library** (views/library.py, the table and the document view).
The pages live in views/ beside this file because st.Page resolves paths relative to the entry
point script; with st.navigation in charge, Streamlit does not also auto-list that folder."""

from __future__ import annotations

import streamlit as st

from resqa.access import Policy, decide
from resqa.errors import ResqaError
from resqa.page import load_pipeline
from resqa.render import PAGE_STYLE

st.set_page_config(page_title="resqa — resolutions, quoted", page_icon="📜", layout="wide")
st.html(PAGE_STYLE)  # each paragraph in its own writing direction (Arabic right to left)


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
st.session_state["access"] = access

try:
    load_pipeline()
except ResqaError as exc:
    st.error(f"resqa cannot start: {exc}")
    st.stop()

nav = st.navigation([st.Page("views/ask.py", title="Ask", icon="💬", default=True),
                     st.Page("views/library.py", title="Library", icon="📚", url_path="library")])
try:
    nav.run()
except ResqaError as exc:  # e.g. the Chroma or embeddings server went away: a banner, not a traceback
    st.error(f"{exc} Try again in a moment.", icon="⚠️")
