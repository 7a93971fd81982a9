"""Write the slice of the Security Council library that CI indexes for the library eval.

The full library (878 resolutions, `corpus/un-security-council.jsonl`) takes about 20 minutes to
embed on this workplace's 2 cores; CI indexes a slice instead: every resolution an eval case
names as gold (in `cases.jsonl` and `heldout.jsonl`), then every k-th other resolution in id order
until the slice holds SIZE, so the gold ones must still be found among hundreds of distractors
from every era. Deterministic; run it again whenever the eval set changes:

    python eval/library/make_slice.py [--size 250]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FULL = HERE / "corpus" / "un-security-council.jsonl"
SLICE = HERE / "corpus" / "un-security-council-slice.jsonl"


def gold_ids(paths: list[Path]) -> set[str]:
    ids: set[str] = set()
    for p in paths:
        if p.exists():
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    ids.update(json.loads(line).get("gold_docs", ()))
    return ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=250)
    args = ap.parse_args()
    records = [json.loads(line) for line in FULL.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = gold_ids([HERE / "cases.jsonl", HERE / "heldout.jsonl"])
    chosen = [r for r in records if r["id"] in wanted]
    others = [r for r in records if r["id"] not in wanted]
    room = max(0, args.size - len(chosen))
    step = max(1, len(others) // room) if room else len(others) + 1
    chosen += others[::step][:room]
    chosen.sort(key=lambda r: records.index(r))
    SLICE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    print(f"{SLICE.name}: {len(chosen)} resolutions ({len(wanted & {r['id'] for r in chosen})} named by the eval), "
          f"{sum(len(r['text']) for r in chosen) // 1000} KB")


if __name__ == "__main__":
    main()
