"""Tooling beside the product, never on the query path: the eval harness (`resqa eval`: cases.py,
evaluate.py), the benchmark (`resqa bench`: bench.py, bench_report.py, bench_library.py), the
llama-index baseline both compare against (baseline.py), and synthetic corpora (synth.py). The CLI
imports them only when one of those commands runs."""


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values (0 for none), by the standard library's inclusive method."""
    import statistics

    if len(values) < 2:
        return float(values[0]) if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, max(0, round(q * 100) - 1))]
