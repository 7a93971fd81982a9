"""`resqa bench`'s record: bench.json, the chart (bench.png) and the terminal summary."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def save(results: dict[str, Any], out_dir: Path) -> None:
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
        if "baseline_retrieve_p50_ms" in v:
            lines.append(f"       warm ask vs llama-index default retrieve: p50 x{v['ask_p50_ms'] / v['baseline_retrieve_p50_ms']:.2f}"
                         f", p95 x{v['ask_p95_ms'] / v['baseline_retrieve_p95_ms']:.2f}; cold `resqa ask` "
                         f"{v.get('cold_ask_s', float('nan')):.2f} s (unsealed "
                         f"{v.get('cold_unsealed_ask_s', float('nan')):.2f} s)")
        if v.get("profile_ms"):
            p = v["profile_ms"]
            total = p.get("total") or 1.0
            parts = ", ".join(f"{k} {ms:.1f} ({ms / total:.0%})" for k, ms in p.items() if k != "total")
            lines.append(f"       per ask under cProfile ({total:.1f} ms): {parts}")
        if "pipeline_vs_raw" in v:
            lines.append(f"       ingest {v['tokens_per_s']:.0f} clause tok/s; the raw embedder would need "
                         f"{v['raw_equivalent_s']:.1f} s for the same texts and {v['vocabulary_words']} vocabulary "
                         f"words: pipeline at {v['pipeline_vs_raw']:.0%} of the raw rate")
    if "cold_start" in results:
        c = results["cold_start"]
        lines.append(f"cold `resqa ask`: {c['cold_ask_s']:.2f} s, unsealed "
                     f"{c.get('cold_unsealed_ask_s', float('nan')):.2f} s (python alone {c['cold_python_s']:.2f} s; "
                     f"import chromadb + llama_index.core {c['cold_import_llamaindex_chromadb_s']:.2f} s)")
    for key, where in (("load", "seed"), ("load_corpus", "corpus")):
        for r in results.get(key) or []:
            lines.append(f"load x{r['concurrency']:>2} ({where}): {r['answers_per_s']:.1f} answers/s, p50 "
                         f"{r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, CPU {r['cpu_utilisation']:.0%} of "
                         f"{os.cpu_count()} cores")
    return "\n".join(lines)
