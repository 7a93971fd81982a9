"""Writes eval/syntec/cases.jsonl (resqa's eval-case format) from the upstream gold set
questions.jsonl, which is kept byte-for-byte as published. Run it again if that file changes:

    .venv/bin/python eval/syntec/make_cases.py

Each question becomes a case with document-level gold (`gold_docs`): the corpus ids of its
required articles: the ids of articles.jsonl as written ("code:L1221-3"), which is how resqa's
loader names a .jsonl record's document. Category "unanswerable" (no required article) becomes
`unanswerable: true`. The questions are French, asked by employees and HR staff.
"""
import json
from pathlib import Path

HERE = Path(__file__).parent


rows = []
for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines():
    if not line.strip():
        continue
    q = json.loads(line)
    gold = list(q["requiredArticles"])
    rows.append({"id": f"syntec-{q['id']}", "lang": "fr", "type": q["category"], "question": q["question"],
                 "history": [], "gold_docs": gold, "unanswerable": not gold})
(HERE / "cases.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
print(f"{len(rows)} cases, {sum(r['unanswerable'] for r in rows)} unanswerable")
