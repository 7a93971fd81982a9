"""`resqa` command line: parse arguments, call the pipeline, print. ResqaErrors become one line
on stderr and a non-zero exit code; nothing here knows how answers are made."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from resqa.config import Settings
from resqa.errors import InputError, ResqaError
from resqa.filters import parse_where
from resqa.links import key as key_of


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(index_dir=getattr(args, "index", None), chroma_url=getattr(args, "chroma_url", None))


_LOGGED_TENTH = [-1]


def _progress_bar(done: int, total: int, name: str) -> None:
    """A bar on a terminal; in a log (CI, `> file`), one line per tenth of the way."""
    if not sys.stderr.isatty():
        tenth = 10 * done // total if total else 10
        if tenth != _LOGGED_TENTH[0]:
            _LOGGED_TENTH[0] = tenth
            sys.stderr.write(f"ingest: {done}/{total} documents {name[:60]}\n")
            sys.stderr.flush()
        return
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def cmd_ingest(args: argparse.Namespace) -> int:
    from resqa.index import ClauseIndex
    from resqa.pipeline import Pipeline

    settings = _settings(args)
    if args.rebuild:
        ClauseIndex.drop(settings)
    pipe = Pipeline(settings, create=True)
    paths = [Path(p) for p in (args.paths or [settings.seeds_dir])]
    report = pipe.ingest(paths, progress=_progress_bar)
    for _source, reason in report.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    print(f"{report.documents} documents, {report.clauses} clauses; {report.embedded} records embedded, "
          f"{report.reused} reused, {report.removed} documents removed, {len(report.skipped)} files skipped")
    return 1 if report.skipped and report.documents == 0 else 0


def _requests(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """One request from argv, or JSON lines from stdin when the question is '-'."""
    if args.question != "-":
        yield {"question": args.question, "history": []}
        return
    for lineno, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if not isinstance(req, dict):
                raise ValueError("expected a JSON object")
        except ValueError as exc:
            yield {"error": f"line {lineno}: not a JSON object ({exc})"}
            continue
        yield req


def _serve_requests(args: argparse.Namespace, handle) -> int:
    from resqa.pipeline import Pipeline

    pipe = Pipeline(_settings(args))
    status = 0
    for req in _requests(args):
        if "error" in req:
            out: dict[str, Any] = {"error": req["error"]}
            status = InputError.exit_code
        else:
            try:
                hist = req.get("history") or []
                if not isinstance(hist, list):
                    raise InputError('"history" must be a list of earlier questions')
                docs = set(req["documents"]) if req.get("documents") else (set(args.doc) if args.doc else None)
                where = parse_where(args.where or [])
                if isinstance(req.get("where"), dict):
                    where.update(parse_where(f"{k}={v}" for k, v in req["where"].items()))
                out = handle(pipe, req.get("question"), [str(h) for h in hist], docs, where or None)
            except ResqaError as exc:
                if args.question != "-":
                    raise
                out, status = {"question": req.get("question"), "error": str(exc)}, exc.exit_code
        if args.json or args.question == "-":
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(out["_text"] if "_text" in out else out.get("error", ""))
    return status


def cmd_ask(args: argparse.Namespace) -> int:
    from resqa.render import answer_to_text

    def handle(pipe, question, history, docs, where):
        ans = pipe.ask(question, history, docs, where)
        return ans.to_json() if args.json or args.question == "-" else {"_text": answer_to_text(ans)}

    return _serve_requests(args, handle)


def cmd_search(args: argparse.Namespace) -> int:
    def handle(pipe, question, history, docs, where):
        res = pipe.search(question, k=args.k, history=history, doc_ids=docs, where=where)
        hits = [{"document": h.clause.doc_id, "clause": h.clause.clause_id, "kind": h.clause.kind,
                 "label": h.clause.label, "score": round(h.score, 6), "dense": round(h.dense, 4),
                 "lexical": round(h.lexical, 4), "text": h.clause.text} for h in res.hits]
        if args.json or args.question == "-":
            return {"question": question, "hits": hits}
        lines = [f"{i + 1:>2}. {h['clause']:<32} {h['score']:.4f}  {h['text'][:90]}" for i, h in enumerate(hits)]
        return {"_text": "\n".join(lines) or "no hits"}

    return _serve_requests(args, handle)


def cmd_info(args: argparse.Namespace) -> int:
    from resqa.pipeline import Pipeline

    index = Pipeline(_settings(args)).index
    info = index.info()
    if args.json:
        info["links"] = _graph(index).to_json()
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"index: {info['index']} (collection {info['collection']})")
    print(f"embedder: {info['embedder']} ({info['dim']} dims), parser v{info['parser_version']}")
    print(f"clauses by kind: {json.dumps(info['clauses_by_kind'])}")
    for d in info["documents"]:
        print(f"- {d['id']} [{d['language']}] {d['title']} — {json.dumps(d['clauses'])}")
    return 0


def _graph(index):
    from resqa.links import build_graph

    return build_graph(((d.doc_id, d.metadata) for d in index.docs.values()), index.clauses.values())


def cmd_links(args: argparse.Namespace) -> int:
    from resqa.links import Library
    from resqa.pipeline import Pipeline

    index = Pipeline(_settings(args)).index
    doc = Library((d.doc_id, d.metadata) for d in index.docs.values()).by_key.get(key_of(args.doc))
    if doc is None:
        raise InputError(f"no document {args.doc!r} in the index; `resqa info` lists them")
    links = _graph(index).of(doc)
    if args.json:
        print(json.dumps(links, ensure_ascii=False, indent=2))
        return 0
    for name, other in (("recalls", "document"), ("recalled_by", "document")):
        print(f"{name.replace('_', ' ')}:")
        for ln in links[name]:
            print(f"  {ln[other]:<28} {ln['clause']:<32} {ln['text']}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from resqa.evaluate import main as eval_main

    return eval_main(args, _settings(args), progress=_progress_bar)


def cmd_bench(args: argparse.Namespace) -> int:
    from resqa.bench import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="resqa", description="Questions about resolutions, answered "
                                "with verified clause quotes.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--index", help="index folder (default .resqa/index, or RESQA_INDEX)")
        sp.add_argument("--chroma-url", help="Chroma server URL (or RESQA_CHROMA_URL)")

    sp = sub.add_parser("ingest", help="index documents (default: seeds/)")
    sp.add_argument("paths", nargs="*")
    sp.add_argument("--rebuild", action="store_true", help="drop the index and build it anew")
    common(sp)
    sp.set_defaults(func=cmd_ingest)
    for name, func, helptext in (("ask", cmd_ask, "answer a question with quoted clauses"),
                                 ("search", cmd_search, "list the clauses that match a question")):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("question", help="the question, or - to read JSON lines from stdin")
        sp.add_argument("--json", action="store_true")
        sp.add_argument("--doc", action="append", help="restrict to a document id (repeatable)")
        sp.add_argument("--where", action="append", metavar="KEY=VALUE",
                        help="restrict by metadata: organisation=INTERPOL, year=2015..2021, language=fr (repeatable)")
        if name == "search":
            sp.add_argument("--k", type=int, default=8)
        common(sp)
        sp.set_defaults(func=func)
    sp = sub.add_parser("info", help="documents, clause counts and index settings")
    sp.add_argument("--json", action="store_true")
    common(sp)
    sp.set_defaults(func=cmd_info)
    sp = sub.add_parser("links", help="the resolutions a document recalls and those that recall it")
    sp.add_argument("doc", help="a document id, as `resqa info` lists it")
    sp.add_argument("--json", action="store_true")
    common(sp)
    sp.set_defaults(func=cmd_links)
    sp = sub.add_parser("eval", help="run the evaluation set and gate on thresholds")
    sp.add_argument("--set", dest="set_path", default="eval/cases.jsonl")
    sp.add_argument("--thresholds", default="eval/thresholds.toml")
    sp.add_argument("--report", default=None, help="folder for report.md and report.json")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--no-baseline", action="store_true", help="skip the llama-index baseline")
    sp.add_argument("--check", action="store_true", help="only validate the eval set against the index")
    sp.add_argument("--corpus", nargs="+", default=None, metavar="PATH",
                    help="the set's own documents: ingest them (incrementally) into --index, then evaluate")
    common(sp)
    sp.set_defaults(func=cmd_eval)
    sp = sub.add_parser("bench", help="latency, throughput, memory and load, beside baselines")
    sp.add_argument("--sizes", default="seed,1000", help="seed and/or synthetic clause counts, comma-separated "
                    "(e.g. seed,1000,10000,50000)")
    sp.add_argument("--out", default="eval/bench", help="folder for bench.json and bench.png")
    sp.add_argument("--repeats", type=int, default=3)
    sp.add_argument("--baseline-max", type=int, default=1000, help="largest size to also run the baseline on")
    sp.add_argument("--distinct", type=int, default=1000, help="distinct clause texts in corpora larger than this")
    sp.add_argument("--keep", help="keep (and reuse) the built indexes in this folder")
    sp.add_argument("--library", metavar="INDEX", help="instead: time the Library page (first paint, filter "
                    "changes, opening a document) over this ingested index folder")
    sp.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ResqaError as exc:
        print(f"resqa: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("resqa: interrupted; run the same command again to finish", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
