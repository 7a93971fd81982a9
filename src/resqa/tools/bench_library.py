"""`resqa bench --library INDEX`: the Library page's speed over an ingested index."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def library_page(index_dir: Path, repeats: int = 5, app: Path | None = None) -> dict[str, Any]:
    """The Library page over an ingested index, through Streamlit's AppTest (the script as the
    server runs it, without a browser): first paint cold (a fresh process: index opened, table
    built) and warm (a new browser session once the caches hold the table), then a filter change
    (search text, language, years) and opening a document (?doc=) — medians over `repeats`, ms.
    Set RESQA_EMBEDDER as the index was built (the page's speed does not depend on it)."""
    from streamlit.testing.v1 import AppTest

    from resqa.errors import InputError

    app = app or ROOT / "app.py"
    if not app.exists():
        raise InputError(f"{app} not found: run the Library benchmark from a source checkout")
    os.environ["RESQA_INDEX"] = str(index_dir)

    def timed(at: AppTest) -> float:
        t = time.perf_counter()
        at.run()
        if at.exception:
            raise InputError(f"the Library page failed: {at.exception[0].message}")
        return (time.perf_counter() - t) * 1000

    def session() -> AppTest:
        at = AppTest.from_file(str(app), default_timeout=600)
        at.switch_page("views/library.py")
        return at

    first = session()
    out: dict[str, Any] = {"index": str(index_dir), "cold_first_paint_ms": timed(first),
                           "documents": len(first.dataframe[0].value)}
    warm, search, language, years, doc = [], [], [], [], []
    for _ in range(repeats):
        at = session()
        warm.append(timed(at))
        at.text_input(key="lib-text").set_value("Cyprus")
        search.append(timed(at))
        at.text_input(key="lib-text").set_value("")
        timed(at)
        if any(w.key == "lib-language" for w in at.multiselect):
            at.multiselect(key="lib-language").set_value(at.multiselect(key="lib-language").options[:1])
            language.append(timed(at))
            at.multiselect(key="lib-language").set_value([])
            timed(at)
        if any(w.key == "lib-years" for w in at.slider):
            lo, hi = at.slider(key="lib-years").value
            at.slider(key="lib-years").set_value((lo, (lo + hi) // 2))
            years.append(timed(at))
        at.query_params["doc"] = at.dataframe[0].value["id"].iloc[0]
        doc.append(timed(at))
    for name, values in (("warm_first_paint_ms", warm), ("filter_search_ms", search),
                         ("filter_language_ms", language), ("filter_years_ms", years), ("open_document_ms", doc)):
        if values:
            out[name] = round(statistics.median(values), 1)
    out["cold_first_paint_ms"] = round(out["cold_first_paint_ms"], 1)
    return out
