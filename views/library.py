"""The Library page: a table of the documents (search, filters; a chosen row opens it), and the
document view at `?doc=<id>&clause=<clause id>&q=<quoted words>`."""

from __future__ import annotations

import json

import streamlit as st

from resqa.page import facet_filters, graph, load_pipeline, rows, settings, text_search
from resqa.render import clause_anchor, doc_href, document_html, md_escape
from resqa.ui import filter_rows, number_not_held, search_example

cfg = settings()
pipe = load_pipeline()
table = rows(pipe)
names = {r["id"]: r["document"] for r in table}

with st.sidebar:
    st.title("Library")
    st.markdown(f"**{len(table)} documents**")
    text = st.text_input("Search ids, titles and text", placeholder=search_example(table), key="lib-text")
    filters = facet_filters(table, key="lib")

doc_id = st.query_params.get("doc")
LINKS_SHOWN = 4  # a document's Recalls / Recalled by lists are open when this short, folded when longer


def open_ask() -> None:
    st.session_state["ask_scope"] = [doc_id]


if doc_id and doc_id not in names:
    st.error(f"The library holds no document {md_escape(doc_id)}.")
    doc_id = None

if doc_id:
    # A page_link to the page already shown switches documents but leaves the address bar as it
    # was (Streamlit only rewrites the URL on a change of page); re-sending the parameters keeps
    # the URL the one of the document on screen, so it can be shared or reloaded.
    st.query_params.from_dict(st.query_params.to_dict())
    row = next(r for r in table if r["id"] == doc_id)
    focus, quote = st.query_params.get("clause"), st.query_params.get("q")
    st.page_link("views/library.py", label="All documents", icon="⬅️")
    st.caption(" · ".join(md_escape(str(x)) for x in (row["document"], row["body"], row["year"], row["language"]) if x))
    if st.button("Ask about this document", icon="💬", on_click=open_ask):
        st.switch_page("views/ask.py")
    links = graph(pipe)
    recalls = {ln.target: ln for ln in links.recalls.get(doc_id, ())}
    recalled_by = {ln.source: ln for ln in links.recalled_by.get(doc_id, ())}
    # what it recalls and what recalls it, side by side when both exist; folded when long, so the
    # text starts near the top of the page
    lists = [(f"Recalls ({len(recalls)})", [(names.get(t, t), {"doc": t}) for t in recalls]),
             (f"Recalled by ({len(recalled_by)})",
              [(f"{names.get(src, src)} · {ln.clause.rsplit('/', 1)[-1]}", {"doc": src, "clause": ln.clause, "q": ln.text})
               for src, ln in recalled_by.items()])]
    lists = [(title, items) for title, items in lists if items]
    for column, (title, items) in zip(st.columns(2), lists):
        with column.expander(title, expanded=len(items) <= LINKS_SHOWN):
            for label, params in items:
                st.page_link("views/library.py", label=label, query_params=params)
    clause_links: dict[str, list[tuple[str, str]]] = {}
    for ln in links.recalls.get(doc_id, ()):
        clause_links.setdefault(ln.clause, []).append((names.get(ln.target, ln.target), doc_href(ln.target)))
    clauses = pipe.index.catalogue.clauses_of(doc_id)
    st.html(document_html(row["title"], clauses, focus=focus, quote=quote, links=clause_links,
                          language=row["language"]))
    if focus:  # scroll the clause into view once drawn; the anchor is [A-Za-z0-9_-] only (clause_anchor)
        st.iframe(f"""<script>
            const id = {json.dumps(clause_anchor(focus))};
            let tries = 0;
            const go = () => {{ const el = window.parent.document.getElementById(id);
                if (el) el.scrollIntoView({{block: "center"}}); else if (tries++ < 50) setTimeout(go, 100); }};
            go();</script>""", height=1)
else:
    st.title("Library")
    shown = filter_rows(table, text, **filters, search=text_search(pipe) if text.strip() else None)
    st.caption(f"{len(shown)} of {len(table)} documents · choose a row to open it")
    if missing := number_not_held(table, text):
        st.info(f"The library holds no resolution {missing}" + (
            "; the documents below mention the number." if shown else "."), icon="🔎")
    if not shown:
        st.info("No document's id, title or text holds every word searched. To find what the resolutions "
                "say about a topic, ask on the Ask page.", icon="🔎")
    picked = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row",
                          width="stretch", key="lib-table",
                          column_order=("document", "title", "body", "year", "language", "preambular", "operative")
                          + (("mentions",) if any("mentions" in r for r in shown) else ()),
                          column_config={"year": st.column_config.NumberColumn(format="%d"),
                                         "mentions": st.column_config.NumberColumn(
                                             help="How often the text holds the searched words (documents "
                                                  "whose id or title holds them come first)"),
                                         "preambular": st.column_config.NumberColumn("preamb."),
                                         "operative": st.column_config.NumberColumn("operat.")})
    chosen = picked.selection.rows if picked else []
    if chosen:
        st.query_params["doc"] = shown[chosen[0]]["id"]
        st.rerun()
