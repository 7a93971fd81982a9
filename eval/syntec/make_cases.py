"""Writes eval/syntec/cases.jsonl (resqa's eval-case format) from the upstream gold set
questions.jsonl, which is kept byte-for-byte as published. Run it again if that file changes:

    .venv/bin/python eval/syntec/make_cases.py

Each question becomes a case with document-level gold (`gold_docs`): the corpus ids of its
required articles, spelled as resqa's loader names the documents of articles.jsonl
("code:L1221-3" -> "code-L1221-3"). Category "unanswerable" (no required article) becomes
`unanswerable: true`. The questions are French, asked by employees and HR staff.
"""
import json
import re
from pathlib import Path

HERE = Path(__file__).parent


def doc_id(corpus_id: str) -> str:  # resqa.load._slug, kept here so the file stands alone
    return re.sub(r"[^A-Za-z0-9._-]+", "-", corpus_id).strip("-") or "document"


rows = []
for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines():
    if not line.strip():
        continue
    q = json.loads(line)
    gold = [doc_id(a) for a in q["requiredArticles"]]
    rows.append({"id": f"syntec-{q['id']}", "lang": "fr", "type": q["category"], "question": q["question"],
                 "history": [], "gold_docs": gold, "unanswerable": not gold})
(HERE / "cases.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
print(f"{len(rows)} cases, {sum(r['unanswerable'] for r in rows)} unanswerable")
