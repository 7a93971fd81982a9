"""Streamlit glue shared by the pages (app.py and views/*.py): the cached pipeline, the library
table and the link graph, each cached once per process and keyed on the index's generation (which
changes whenever a document is added, changed or removed). Logic lives in ui.py, links.py and
render.py; this module only caches and wires."""

from __future__ import annotations

from typing import Any

import streamlit as st

from resqa.config import Settings
from resqa.errors import BackendError, IndexMissingError
from resqa.links import Graph, build_graph
from resqa.pipeline import Pipeline
from resqa.ui import TextSearch, library_facets, library_rows


def settings() -> Settings:
    return Settings.from_env()


def settings_key(s: Settings) -> str:
    """What the cached pipeline depends on: every setting, keys only inside a digest."""
    return s.cache_key()


@st.cache_resource(show_spinner=False)
def _pipeline(key: str) -> Pipeline:
    """One pipeline per process and configuration, shared by every browser session."""
    return Pipeline(settings())


def load_pipeline() -> Pipeline:
    s = settings()
    try:
        return _pipeline(settings_key(s))
    except IndexMissingError:
        with st.status(f"First start: building the index from {s.seeds_dir}/ …", expanded=True) as box:
            bar = st.progress(0.0)
            builder = Pipeline(s, create=True)
            report = builder.ingest([s.seeds_dir], progress=lambda d, t, n: bar.progress(
                d / t if t else 1.0, text=f"{d}/{t} {n}"))
            box.update(label=f"Index built: {report.documents} documents, {report.clauses} clauses",
                       state="complete")
        return _pipeline(settings_key(s))


def generation(pipe: Pipeline) -> str:
    """The index's change stamp, after noticing another process's ingest (one small read). When the
    store does not answer, the page says so and goes on with what it last read, so the chat and the
    table stay on screen and the next question retries."""
    try:
        pipe.index.refresh()
    except BackendError as exc:
        st.error(f"{exc} Showing the library as last read.", icon="⚠️")
    return str(pipe.index.catalogue.generation)  # content-hash of the registry: the cache key for everything derived


@st.cache_data(show_spinner=False, max_entries=4)
def _rows(key: str, generation: str) -> list[dict[str, Any]]:
    return library_rows(load_pipeline().index.info()["documents"])


def rows(pipe: Pipeline) -> list[dict[str, Any]]:
    """The Library table, built once per index generation."""
    return _rows(settings_key(settings()), generation(pipe))


@st.cache_resource(show_spinner=False, max_entries=4)
def _graph(key: str, generation: str) -> Graph:
    cat = load_pipeline().index.catalogue
    return build_graph(((d.doc_id, d.metadata) for d in cat.docs.values()), cat.clauses.values())


def graph(pipe: Pipeline) -> Graph:
    """Which documents recall which, built once per index generation."""
    return _graph(settings_key(settings()), generation(pipe))


@st.cache_resource(show_spinner=False, max_entries=4)
def _text_search(key: str, generation: str) -> TextSearch:
    texts: dict[str, list[str]] = {}
    for c in load_pipeline().index.catalogue.clauses.values():
        texts.setdefault(c.doc_id, []).append(c.text)
    return TextSearch(texts)


def text_search(pipe: Pipeline) -> TextSearch:
    """The words of every document's text, for the Library's search box, once per index generation."""
    return _text_search(settings_key(settings()), generation(pipe))


def facet_filters(table: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """The sidebar's filters (body, year range, language), each shown only when it has a choice;
    returns the keyword arguments of ui.filter_rows for what is chosen."""
    values = library_facets(table)
    out: dict[str, Any] = {}
    for name, arg in (("body", "bodies"), ("language", "languages")):
        if len(values.get(name, [])) > 1:
            picked = st.multiselect(f"Only {name}", values[name], placeholder=f"any {name}", key=f"{key}-{name}")
            if picked:
                out[arg] = picked
    years = values.get("year", [])
    if len(years) > 1:
        lo, hi = st.slider("Years", years[0], years[-1], (years[0], years[-1]), key=f"{key}-years")
        if (lo, hi) != (years[0], years[-1]):
            out["years"] = (lo, hi)
    return out
