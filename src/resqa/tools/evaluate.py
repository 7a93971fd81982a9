"""`resqa eval`: the grounded-QA eval set, exact metrics, a verifier self-test and a baseline.

Definitions (all per case, then averaged; "answerable" = not marked unanswerable). A case names
its gold as clause ids (`gold`) or, for corpora whose gold is a whole article (the syntec
out-of-domain set), as document ids (`gold_docs`); then every clause-level measure below is
taken over the documents of the ranked and cited clauses instead (ranked documents in order of
their first clause).
- hit@k: a gold clause is among the first k retrieved clauses (answerable cases).
- MRR: 1/rank of the first gold clause in the top 8, 0 if none (answerable cases).
- citation precision: |cited ∩ gold| / |cited| (0 if nothing cited); recall: |cited ∩ gold| / |gold|
  (answerable cases; clause ids, ALCE-style).
- doc@1: the first citation is in a gold document. citations hold gold ("shown"): a gold clause
  is among the citations or the runner-up shown as "may also answer" (answer.py `_also`).
- verbatim rate: share of all quotes shown (citations, related and runner-ups) that are spans of their
  clause as stored in the index. Must be 1.
- span precision / recall: characters of the quotes that fall inside the must-quote spans over
  all quoted characters / over all must-quote characters, located in their clauses
  (LegalBench-RAG style; answerable cases).
- char citation precision: share of quoted (resqa) or retrieved (baseline) characters that lie
  inside a gold clause.
- refusal accuracy: share of unanswerable cases refused; false-refusal rate: share of
  answerable cases refused. Always reported together.
- verifier self-test: share of corrupted answers (one word altered, wrong clause cited, citation
  dropped, sentence spliced in) that the verifier flags. Must be 1.
- rerank fallback rate (with RESQA_RERANK): share of cases whose answer says reranking was skipped.
  With a reranker configured, the same cases are also run without it, and both are reported.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from resqa.config import Settings
from resqa.data import read_toml
from resqa.errors import IndexMissingError
from resqa.tools import baseline, pct
from resqa.tools.cases import Case, as_conversation, check_cases, corruptions, load_cases, resolve_gold, span_scores
from resqa.verify import check_answer, verify_quote

HIGHER_IS_BETTER = {"false_refusal_rate": False}


# ------------------------------------------------------------------ running
def run_resqa(pipe, cases: list[Case]) -> dict[str, Any]:
    lookup = pipe.clause
    rows = []
    quotes_total = quotes_ok = 0
    flagged = total_corrupt = 0
    all_clauses = list(pipe.index.catalogue.clauses.values())
    for case in cases:
        t = time.perf_counter()
        ans = pipe.ask(case.question, list(case.history))
        latency = (time.perf_counter() - t) * 1e3
        ranked = [h.clause.clause_id for h in pipe.search(case.question, k=8, history=list(case.history)).hits]
        for c in (*ans.citations, *ans.related, *ans.also):
            quotes_total += 1
            src = lookup(c.clause.clause_id)
            quotes_ok += bool(src and verify_quote(c.quote, src.text))
        problems = check_answer(ans, lookup)
        row: dict[str, Any] = {"id": case.id, "lang": case.lang, "type": case.type, "question": case.question,
                               "answerable_expected": not case.unanswerable, "answered": ans.answerable,
                               "cited": [c.clause.clause_id for c in ans.citations],
                               "gold": list(case.gold or case.gold_docs),
                               "ranked": ranked[:3], "latency_ms": latency, "problems": [p.detail for p in problems],
                               "quotes": [c.quote for c in ans.citations], "generator": ans.generator,
                               "notices": list(ans.notices)}
        if not case.unanswerable:
            gold_docs = set(case.gold_docs) or {cl.doc_id for g in case.gold if (cl := lookup(g))}
            first_doc = ans.citations[0].clause.doc_id if ans.citations else None
            row.update(doc1=float(first_doc in gold_docs),
                       shown=float(bool({c.clause.clause_id for c in (*ans.citations, *ans.also)} & set(case.gold or ()))
                                   or (not case.gold and first_doc in gold_docs)))
            if case.gold_docs and not case.gold:  # document-level gold: compare the documents of clauses
                gold = set(case.gold_docs)
                ranked = list(dict.fromkeys(lookup(r).doc_id for r in ranked))
                cited = list(dict.fromkeys(c.clause.doc_id for c in ans.citations))
                in_gold = sum(len(c.quote) for c in ans.citations if c.clause.doc_id in gold)
            else:
                gold = set(case.gold)
                cited = [c.clause.clause_id for c in ans.citations]
                in_gold = sum(len(c.quote) for c in ans.citations if c.clause.clause_id in gold)
            rank = next((i + 1 for i, r in enumerate(ranked) if r in gold), None)
            row.update(hit1=float(bool(ranked) and ranked[0] in gold), hit3=float(any(r in gold for r in ranked[:3])),
                       rr=1.0 / rank if rank else 0.0,
                       cit_p=(len(set(cited) & gold) / len(set(cited))) if cited else 0.0,
                       cit_r=len(set(cited) & gold) / len(gold))
            if case.must_quote:
                row["span_p"], row["span_r"] = span_scores(case, ans.citations, lookup)
            q_chars = sum(len(c.quote) for c in ans.citations)
            row.update(char_p=in_gold / q_chars if q_chars else 0.0)
            if ans.answerable and not problems and set(cited) & gold:
                for _name, bad in corruptions(ans, all_clauses):
                    total_corrupt += 1
                    flagged += bool(check_answer(bad, lookup))
        rows.append(row)
    return {"rows": rows, "verbatim": quotes_ok / quotes_total if quotes_total else 1.0,
            "selftest": flagged / total_corrupt if total_corrupt else 0.0, "selftest_n": total_corrupt}


def summarize(rows: list[dict[str, Any]]) -> dict[str, float]:
    ans = [r for r in rows if r["answerable_expected"]]
    una = [r for r in rows if not r["answerable_expected"]]

    def mean(key: str, rs: list[dict[str, Any]]) -> float:
        vals = [r[key] for r in rs if key in r]
        return sum(vals) / len(vals) if vals else 0.0

    lat = [r["latency_ms"] for r in rows]
    spans = {"span_precision": mean("span_p", ans), "span_recall": mean("span_r", ans)} \
        if any("span_p" in r for r in ans) else {}  # only for cases with must-quote spans
    return {"n": len(rows), "hit@1": mean("hit1", ans), "hit@3": mean("hit3", ans), "mrr": mean("rr", ans),
            "citation_precision": mean("cit_p", ans), "citation_recall": mean("cit_r", ans), **spans,
            "doc@1": mean("doc1", ans), "citations_hold_gold": mean("shown", ans),
            "char_citation_precision": mean("char_p", ans),
            "refusal_accuracy": (sum(not r["answered"] for r in una) / len(una)) if una else 1.0,
            "false_refusal_rate": (sum(not r["answered"] for r in ans) / len(ans)) if ans else 0.0,
            "latency_p50_ms": statistics.median(lat) if lat else 0.0, "latency_p95_ms": pct(lat, 0.95)}


def run_baseline(pipe, cases: list[Case], corpus: list[Path]) -> dict[str, float]:
    """LlamaIndex's default pipeline on the same questions: from_documents with the default
    SentenceSplitter, similarity_top_k=2, same embedder; citations = the retrieved chunks."""
    from resqa.load import load_paths

    retriever, build_s, chunks = baseline.build(load_paths(corpus).documents, pipe.embedder)
    by_doc = defaultdict(list)
    for c in pipe.index.catalogue.clauses.values():
        by_doc[c.doc_id].append(c)
    rows = []
    for case in cases:
        if case.unanswerable:
            continue
        t = time.perf_counter()
        nodes = retriever.retrieve(case.question)
        lat = (time.perf_counter() - t) * 1e3
        covered: list[list[str]] = []
        chars = in_gold = 0
        for n in nodes:
            a, b = n.node.start_char_idx or 0, n.node.end_char_idx or 0
            doc_id = n.node.ref_doc_id
            chars += b - a
            if case.gold_docs and not case.gold:  # document-level gold: a chunk is its document
                covered.append([doc_id])
                in_gold += (b - a) if doc_id in case.gold_docs else 0
                continue
            cl = [c.clause_id for c in by_doc.get(doc_id, []) if min(b, c.end) - max(a, c.start) >= 0.5 * (c.end - c.start)]
            covered.append(cl)
            in_gold += sum(max(0, min(b, c.end) - max(a, c.start)) for c in by_doc.get(doc_id, []) if c.clause_id in case.gold)
        gold = set(case.gold or case.gold_docs)
        gold_docs = set(case.gold_docs) or {c.doc_id for g in case.gold if (c := pipe.clause(g))}
        cited = {x for cl in covered for x in cl}
        rows.append({"doc1": float(bool(nodes) and nodes[0].node.ref_doc_id in gold_docs),
                     "hit1": float(bool(covered) and bool(set(covered[0]) & gold)),
                     "hit3": float(any(set(cl) & gold for cl in covered[:3])),
                     "cit_p": len(cited & gold) / len(cited) if cited else 0.0,
                     "cit_r": len(cited & gold) / len(gold), "char_p": in_gold / chars if chars else 0.0,
                     "lat": lat})

    def mean(k: str) -> float:
        return sum(r[k] for r in rows) / len(rows) if rows else 0.0

    lat = [r["lat"] for r in rows]
    return {"hit@1": mean("hit1"), "hit@3": mean("hit3"), "doc@1": mean("doc1"), "citation_precision": mean("cit_p"),
            "citation_recall": mean("cit_r"), "char_citation_precision": mean("char_p"),
            "latency_p50_ms": statistics.median(lat) if lat else 0.0, "build_s": build_s,
            "chunks": chunks}


def breakdown(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, float]]:
    groups: dict[str, list] = defaultdict(list)
    for r in rows:
        groups[r[key]].append(r)
    out = {}
    for k, v in sorted(groups.items()):
        m = summarize(v)
        m["n_answerable"] = sum(r["answerable_expected"] for r in v)
        m["n_unanswerable"] = len(v) - m["n_answerable"]
        out[k] = m
    return out


def _cell(m: dict[str, float], key: str) -> str:
    """A breakdown cell, or – where the group has no case the measure is taken over."""
    over = "n_unanswerable" if key == "refusal_accuracy" else "n_answerable"
    return f"{m[key]:.2f}" if m.get(over, 1) else "–"


def llm_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """How the verifier treated generated answers: kept as generated, or replaced by the extractive one."""
    answered = [r for r in rows if r["answered"]]
    generated = [r for r in answered if r["generator"] != "extractive"]
    fell_back = [r for r in answered if r["generator"] == "extractive" and r["notices"]]
    removed = sum(any("were removed" in n for n in r["notices"]) for r in rows)
    return {"llm_kept_rate": len(generated) / len(answered) if answered else 0.0,
            "llm_fallback_rate": len(fell_back) / len(answered) if answered else 0.0,
            "llm_answers_with_removals": float(removed)}


def rerank_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """How often the reranker could not be used (its failures leave the retriever's order)."""
    skipped = sum(any(n.startswith("Reranking skipped") for n in r["notices"]) for r in rows)
    return {"rerank_fallback_rate": skipped / len(rows) if rows else 0.0}


def run_metrics(pipe, cases: list[Case], settings: Settings) -> tuple[dict[str, float], dict[str, Any]]:
    """(metrics, raw run) of one pipeline over the cases."""
    res = run_resqa(pipe, cases)
    metrics = summarize(res["rows"])
    metrics["verbatim_rate"] = res["verbatim"]
    metrics["verifier_selftest"] = res["selftest"]
    if settings.llm:
        metrics.update(llm_metrics(res["rows"]))
    if settings.rerank:
        metrics.update(rerank_metrics(res["rows"]))
    return metrics, res


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    return read_toml(path)


def gate(metrics: dict[str, float], thresholds: dict[str, dict[str, float]]) -> tuple[list[str], list[str]]:
    """(failures against gates, shortfalls against targets)."""
    fails, short = [], []
    for name, t in thresholds.items():
        if name not in metrics:
            continue
        v = metrics[name]
        higher = HIGHER_IS_BETTER.get(name, True)

        def ok(bound: float, v: float = v, higher: bool = higher) -> bool:
            return v >= bound - 1e-9 if higher else v <= bound + 1e-9

        if "gate" in t and not ok(t["gate"]):
            fails.append(f"{name} = {v:.3f}, gate {t['gate']}")
        if "target" in t and not ok(t["target"]):
            short.append(f"{name} = {v:.3f}, target {t['target']}")
    return fails, short


def report_markdown(metrics, base, thresholds, by_lang, by_type, fails, short, rows,
                    plain: dict[str, float] | None = None) -> str:
    head = "| metric | resqa | without reranker | baseline | target | gate |" if plain is not None else \
        "| metric | resqa | baseline | target | gate |"
    lines = ["# resqa eval report", "", head, "|" + "---|" * (head.count("|") - 1)]
    for k, v in metrics.items():
        t = thresholds.get(k, {})
        b = base.get(k, "") if base else ""
        bs = f"{b:.3f}" if isinstance(b, float) else str(b)
        p = "" if plain is None else (f" {plain[k]:.3f} |" if k in plain else " |")
        lines.append(f"| {k} | {v:.3f} |{p} {bs} | {t.get('target', '')} | {t.get('gate', '')} |")
    lines += ["", "## By language", "", "| lang | n | hit@1 | doc@1 | cit P | cit R | refusal acc | false refusal |",
              "|---|---|---|---|---|---|---|---|"]
    cols = ("hit@1", "doc@1", "citation_precision", "citation_recall", "refusal_accuracy", "false_refusal_rate")
    for k, m in by_lang.items():
        lines.append(f"| {k} | {m['n']} | " + " | ".join(_cell(m, c) for c in cols) + " |")
    lines += ["", "## By question type", "", "| type | n | hit@1 | doc@1 | cit P | cit R | refusal acc | false refusal |",
              "|---|---|---|---|---|---|---|---|"]
    for k, m in by_type.items():
        lines.append(f"| {k} | {m['n']} | " + " | ".join(_cell(m, c) for c in cols) + " |")
    lines += ["", "## Gate failures", ""] + ([f"- {f}" for f in fails] or ["none"])
    lines += ["", "## Short of target", ""] + ([f"- {s}" for s in short] or ["none"])
    lines += ["", "## Misses", ""]
    for r in rows:
        wrong = (r["answered"] != r["answerable_expected"]) or (r["answerable_expected"] and r.get("cit_p", 1) < 1)
        if wrong:
            lines.append(f"- **{r['id']}** ({r['lang']}, {r['type']}) {r['question']} — expected "
                         f"{'refusal' if not r['answerable_expected'] else r['gold']}, got "
                         f"{'refusal' if not r['answered'] else r['cited']}")
    return "\n".join(lines) + "\n"


def main(args, settings: Settings, progress=None) -> int:
    from resqa.pipeline import Pipeline

    corpus = [Path(p) for p in (args.corpus or [])]
    if corpus:  # an eval set with its own corpus: its own index, brought up to date
        try:
            pipe = Pipeline(settings)
        except IndexMissingError:
            pipe = Pipeline(settings, create=True)
        report = pipe.ingest(corpus, progress=progress)
        if report.skipped:
            print(f"eval corpus: {len(report.skipped)} files skipped: {report.skipped[:3]}")
    else:
        pipe = Pipeline.open_or_build(settings)
    loaded = load_cases(Path(args.set_path))
    if getattr(args, "conversation", False):
        loaded = as_conversation(loaded)
    cases, problems = resolve_gold(loaded, list(pipe.index.catalogue.clauses.values()))
    problems += check_cases(cases, pipe.clause, set(pipe.index.catalogue.docs))
    if problems:
        for p in problems[:50]:
            print(f"eval set: {p}")
        return 2
    if args.check:
        print(f"eval set OK: {len(cases)} cases")
        return 0
    metrics, res = run_metrics(pipe, cases, settings)
    plain = None
    if settings.rerank:  # the same cases without the reranker, reported beside it
        plain_settings = replace(settings, rerank=None)
        plain, _ = run_metrics(Pipeline(plain_settings), cases, plain_settings)
    base = {} if args.no_baseline else run_baseline(pipe, cases, corpus or [settings.seeds_dir])
    thresholds = load_thresholds(Path(args.thresholds))
    fails, short = gate(metrics, thresholds)
    by_lang, by_type = breakdown(res["rows"], "lang"), breakdown(res["rows"], "type")
    out = {"metrics": metrics, **({"without_rerank": plain} if plain is not None else {}),
           "baseline": base, "by_language": by_lang, "by_type": by_type,
           "gate_failures": fails, "short_of_target": short, "selftest_cases": res["selftest_n"],
           "cases": res["rows"]}
    if args.report:
        d = Path(args.report)
        d.mkdir(parents=True, exist_ok=True)
        (d / "report.json").write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
        (d / "report.md").write_text(report_markdown(metrics, base, thresholds, by_lang, by_type, fails,
                                                     short, res["rows"], plain), encoding="utf-8")
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        reranked = f"the {pipe.retriever.reranker.name} (top {settings.rerank_top_n})" if plain is not None else ""
        _print_table(metrics, plain, base, thresholds, reranked)
        for s in short:
            print(f"short of target: {s}")
        for f in fails:
            print(f"GATE FAILED: {f}")
        print(f"eval: {len(cases)} cases, {len(fails)} gate failures")
    return 1 if fails else 0


def _print_table(metrics: dict[str, float], plain: dict[str, float] | None, base: dict[str, Any],
                 thresholds: dict[str, dict[str, float]], reranked: str) -> None:
    """The terminal table: each metric beside the run without rerank, the baseline and its gate."""
    extra = f"{'no rerank':>10}" if plain is not None else ""
    print(f"{'metric':<26}{'resqa':>8}{extra}{'baseline':>10}{'target':>8}{'gate':>8}")
    for k, v in metrics.items():
        t = thresholds.get(k, {})
        b = base.get(k)
        p = "" if plain is None else f"{(f'{plain[k]:.3f}' if k in plain else ''):>10}"
        print(f"{k:<26}{v:>8.3f}{p}{(f'{b:.3f}' if isinstance(b, float) else ''):>10}"
              f"{str(t.get('target', '')):>8}{str(t.get('gate', '')):>8}")
    if plain is not None:
        print(f"resqa: with {reranked}; no rerank: the same cases in the retriever's order")
