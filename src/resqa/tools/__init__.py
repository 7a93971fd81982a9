"""Tooling beside the product, never on the query path: the eval harness (`resqa eval`: cases.py,
evaluate.py), the benchmark (`resqa bench`: bench.py, bench_report.py, bench_library.py), the
llama-index baseline both compare against (baseline.py), and synthetic corpora (synth.py). The CLI
imports them only when one of those commands runs."""


def pct(values: list[float], q: float) -> float:
    """The q-quantile of values by nearest rank (0 for none): the figure every report has used."""
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]
