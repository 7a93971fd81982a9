"""Parse the real corpora and report what the parser made of them (no embedding, no index).

    .venv/bin/python eval/library/parse_report.py [--corpora eval/library/corpus] [--json OUT] [--show N]

Counts clauses by kind, then lists suspicious cases: documents with no operative clause (or that
fell back to the generic chunker), clauses over --long characters, operative clauses whose label
is not a lexicon keyword, operative clauses holding a second numbered paragraph (two paragraphs
merged), preambular clauses that start with a paragraph number (an operative paragraph whose
keyword OCR garbled), and documents whose body could not be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from resqa.clauses import parse
from resqa.lexicon import match_keyword
from resqa.load import load_paths

_NUMBERED = re.compile(r"(?:^|[;:.,]\s+)(\d{1,2})\.\s+[A-Z][a-z]")


def _second_number(text: str) -> str | None:
    """A numbered paragraph start inside a clause ("…; 4. Requests …"), after its own number."""
    body = re.sub(r"^\s*\d{1,3}\.\s+", "", text)
    m = _NUMBERED.search(body)
    return m.group(0).strip(" ;:.,") if m else None


def report(corpora: Path, long_chars: int) -> dict:
    sc = corpora / "un-security-council.jsonl"  # the repository's copy; ../shared/corpora nests it
    sc = sc if sc.exists() else corpora / "un-security-council" / "resolutions.jsonl"
    paths = [sc, *sorted((corpora / "udhr").glob("udhr-*.md"))]
    loaded = load_paths(paths)
    kinds: Counter[str] = Counter()
    sus: dict[str, list[str]] = {k: [] for k in ("no_operative", "generic_chunks", "long", "unknown_label",
                                                 "merged_paragraphs", "numbered_preamble", "no_body")}
    docs = 0
    for doc in loaded.documents:
        docs += 1
        clauses = parse(doc)
        kinds.update(c.kind for c in clauses)
        if any(c.kind == "chunk" for c in clauses):
            sus["generic_chunks"].append(doc.doc_id)
        elif not any(c.kind in ("operative", "article") for c in clauses):
            sus["no_operative"].append(doc.doc_id)
        if not doc.metadata.get("body"):
            sus["no_body"].append(doc.doc_id)
        for c in clauses:
            if len(c.text) > long_chars:
                sus["long"].append(f"{c.clause_id} ({len(c.text)} chars)")
            if c.kind == "operative" and not match_keyword(c.label[:1].upper() + c.label[1:]):
                sus["unknown_label"].append(f"{c.clause_id} [{c.label}]")
            if c.kind == "operative" and (n := _second_number(c.text)):
                sus["merged_paragraphs"].append(f"{c.clause_id} … {n}")
            if c.kind == "preamble" and re.match(r"\d{1,3}\.\s", c.text):
                sus["numbered_preamble"].append(f"{c.clause_id}: {c.text[:60]}")
    return {"documents": docs, "load_failures": len(loaded.failures), "clauses": sum(kinds.values()),
            "by_kind": dict(kinds.most_common()), "suspicious": sus}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=Path(__file__).resolve().parent / "corpus")
    ap.add_argument("--long", type=int, default=2500, help="a clause over this many characters is suspicious")
    ap.add_argument("--show", type=int, default=8, help="examples listed per suspicious class")
    ap.add_argument("--json", type=Path, help="write the whole report here")
    args = ap.parse_args(argv)
    rep = report(args.corpora, args.long)
    print(f"documents {rep['documents']}  load failures {rep['load_failures']}  clauses {rep['clauses']}")
    print("by kind: " + ", ".join(f"{k} {n}" for k, n in rep["by_kind"].items()))
    for name, items in rep["suspicious"].items():
        print(f"{name}: {len(items)}")
        for item in items[:args.show]:
            print(f"    {item}")
    if args.json:
        args.json.write_text(json.dumps(rep, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
