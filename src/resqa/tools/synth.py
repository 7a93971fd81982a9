"""Deterministic synthetic corpora of resolution-shaped documents, for benchmarks at scale.

Each document is a resolution (header, reference, subject, opening, preambular and operative
clauses, adoption line) whose clauses open with real keywords from the lexicon and whose bodies
are real legal sentences: the seed resolutions' clauses and, when present, the French labour-law
articles of the syntec benchmark (`eval/syntec/articles.jsonl`). The same seed gives the same
corpus, byte for byte; nothing is 50k copies of one clause.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from resqa.lexicon import lexicon
from resqa.load import load_paths, make_document
from resqa.model import Document

_CITIES = ["Lyon", "Istanbul", "Santiago", "Dubaï", "Vienne", "Pékin", "Buenos Aires", "Kigali",
           "Rome", "Singapour", "Oslo", "Hanoï", "Monaco", "Bali", "Glasgow", "Le Cap"]
_ORGS = [("GA", "INTERPOL"), ("AG", "INTERPOL"), ("EC", "Comité exécutif"), ("CA", "Conseil d'administration")]
_MONTHS = ["mars", "mai", "juin", "septembre", "octobre", "novembre"]


def _sentences(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text).strip()
    parts = re.split(r"(?<=[.;])\s+(?=[A-ZÀ-Ý])", text)
    return [p.rstrip(" .;") for p in parts if 40 <= len(p) <= 600]


def sentence_pool(root: Path) -> list[str]:
    """Real sentences: from the seed clauses and, if present, the syntec articles."""
    pool: list[str] = []
    for doc in load_paths([root / "seeds"]).documents:
        pool += _sentences(doc.text)
    articles = root / "eval" / "syntec" / "articles.jsonl"
    if articles.exists():
        for line in articles.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("contentKind") == "prose":
                pool += _sentences(rec["content"])
    return sorted(set(pool))


def _body(rng: random.Random, pool: list[str]) -> str:
    text = " ; ".join(rng.choice(pool) for _ in range(rng.choice((1, 1, 1, 2))))
    words, lines, line = text.split(), [], []
    for w in words:  # PDF-like line breaks mid-sentence, as in real extractions
        line.append(w)
        if len(line) >= rng.randint(11, 16):
            lines.append(" ".join(line))
            line = []
    if line:
        lines.append(" ".join(line))
    body = "\n".join(lines)
    return body[0].lower() + body[1:] if body[:1].isupper() and body[1:2].islower() else body


def synthetic_documents(n_clauses: int, root: Path, seed: int = 7, distinct: int | None = None,
                        n_docs: int | None = None) -> list[Document]:
    """Resolution-shaped documents holding at least `n_clauses` parsed clauses; or, with `n_docs`,
    that many short documents (one preambular and one operative paragraph each: a wide library).

    Clause bodies come from a deterministic sequence of (keyword, sentence) pairs; with `distinct`
    set, the sequence cycles through that many distinct clauses (boilerplate recurs across an
    archive, and the index embeds each distinct text once), otherwise every clause is new."""
    from resqa.clauses import parse

    rng = random.Random(seed)
    pool = sentence_pool(root)
    lex = lexicon()
    pre = sorted(lex["preamble"]["fr"])
    op = sorted(lex["operative"]["fr"])
    cycle = distinct or n_clauses
    pre_pairs = [(rng.choice(pre), _body(rng, pool)) for _ in range(cycle)]
    op_pairs = [(rng.choice(op), _body(rng, pool)) for _ in range(cycle)]
    subjects = [rng.choice(pool).split(",")[0][:90] for _ in range(max(50, cycle // 4))]
    docs: list[Document] = []
    total = k = used = 0
    while len(docs) < n_docs if n_docs else total < n_clauses:
        k += 1
        code, org = rng.choice(_ORGS)
        year = rng.randint(1995, 2025)
        session = year - 1932
        ref = f"{code}-{year}-{session}-RES-{k:05d}"
        n_pre, n_op = (1, 1) if n_docs else (rng.randint(2, 7), rng.randint(2, 5))
        subject = subjects[rng.randrange(len(subjects))]
        # One session, one place and date: the opening recurs across a session's resolutions.
        where = random.Random(f"{org}-{year}")
        lines = [f"Résolution N° {k}", ref, "", f"Objet : {subject}", "",
                 f"L'Assemblée générale de l'O.I.P.C.-{org}, réunie en sa {session}ème session à "
                 f"{where.choice(_CITIES)}\ndu {where.randint(1, 25)} au {where.randint(26, 30)} "
                 f"{where.choice(_MONTHS)} {year},", ""]
        for _ in range(n_pre):
            kw, body = pre_pairs[used % cycle]
            used += 1
            lines += [f"{kw} {body},", ""]
        for i in range(n_op):
            kw, body = op_pairs[used % cycle]
            used += 1
            lines += [f"{kw} {body}{'.' if i == n_op - 1 else ' ;'}", ""]
        lines += [f"Adoptée{rng.choice(['', ' à l’unanimité'])}"]
        meta = {"organisation": org, "year": year, "session": session, "language": "fr", "synthetic": True}
        doc = make_document("\n".join(lines), f"synthetic:{ref}", ref, metadata=meta, doc_id=ref)
        docs.append(doc)
        total += len(parse(doc))
    return docs
