"""`resqa` command line: parse arguments, call the pipeline, print. ResqaErrors become one line
on stderr and a non-zero exit code; nothing here knows how answers are made."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from resqa.config import Settings
from resqa.errors import InputError, ResqaError
from resqa.filters import parse_where
from resqa.links import key as key_of


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(index_dir=getattr(args, "index", None), chroma_url=getattr(args, "chroma_url", None))


def _progress_bar() -> Callable[[int, int, str], None]:
    """Ingest progress through tqdm: its bar on a terminal; in a log (CI, `> file`), its meter as
    one line per tenth of the way (a bar's carriage returns would run together in a log)."""
    import time

    from tqdm import tqdm

    bar: list[Any] = []
    started, logged = time.monotonic(), [-1]

    def update(done: int, total: int, name: str) -> None:
        if not sys.stderr.isatty():
            tenth = 10 * done // total if total else 10
            if tenth != logged[0]:
                logged[0] = tenth
                meter = tqdm.format_meter(done, total, time.monotonic() - started, prefix="ingest", unit="doc")
                _emit(f"{meter} {name[:60]}", sys.stderr)
            return
        if not bar:
            bar.append(tqdm(total=total, desc="ingest", unit="doc", file=sys.stderr, dynamic_ncols=True))
        bar[0].set_postfix_str(name[:40], refresh=False)
        bar[0].update(done - bar[0].n)
        if done >= total:
            bar[0].close()

    return update


def cmd_ingest(args: argparse.Namespace) -> int:
    from resqa.folder import check_droppable
    from resqa.ingest import ingest_lock
    from resqa.pipeline import Pipeline
    from resqa.store import drop

    settings = _settings(args)
    if args.rebuild:
        check_droppable(settings)  # before the lock file is written into someone's folder
    with ingest_lock(settings.index_dir):  # held from the drop to the last write: a second ingest gets 4
        if args.rebuild:
            drop(settings)
        pipe = Pipeline(settings, create=True)
        paths = [Path(p) for p in (args.paths or [settings.seeds_dir])]
        report = pipe.ingest(paths, progress=_progress_bar(), locked=True)
    for _source, reason in report.skipped:
        _emit(terminal_safe(f"skipped: {reason}"), sys.stderr)
    for note in report.notes:
        _emit(terminal_safe(f"note: {note}"), sys.stderr)
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


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "true/false", type(None): "null"}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _request_fields(req: dict[str, Any], args: argparse.Namespace
                    ) -> tuple[object, object, set[str] | None, dict[str, list[str]] | None]:
    """(question, history, documents, where) of one request, each field's type checked by name."""
    question = req.get("question")
    if question is not None and not isinstance(question, str):
        raise InputError(f'"question" must be a string, not {_json_type(question)}')
    hist = req.get("history")
    if hist is not None and not isinstance(hist, list):
        raise InputError(f'"history" must be a list of earlier questions, not {_json_type(hist)}')
    docs = req.get("documents")
    if docs is not None and (not isinstance(docs, list) or not all(isinstance(d, str) for d in docs)):
        raise InputError(f'"documents" must be a list of document ids (strings), not {_json_type(docs)}, '
                         'e.g. ["GA-2021-89-RES-09"]')
    where = parse_where(args.where or [])
    extra = req.get("where")
    if extra is not None:
        if not isinstance(extra, dict):
            raise InputError(f'"where" must be an object, e.g. {{"year": "2015..2021"}}, not {_json_type(extra)}')
        for k, v in extra.items():
            values = v if isinstance(v, list) else [v]
            if not values or not all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in values):
                raise InputError(f'"where" value for {k!r} must be a string or number (or a list of them), '
                                 f"not {_json_type(v)}")
            where.update(parse_where([f"{k}={','.join(str(x) for x in values)}"]))
    chosen = set(docs) if docs else (set(args.doc) if args.doc else None)
    return question, hist or [], chosen, where or None


def _emit(text: str, stream: Any = None) -> None:
    """Print without letting a lone surrogate (an escaped one echoed back) stop the batch."""
    stream = stream or sys.stdout
    stream.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
    stream.flush()


# C0 and C1 controls (but tab and newline), DEL, and the bidirectional overrides and isolates
# that reorder what a terminal shows: document text must never drive the user's terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Plain text for a terminal: control characters shown as escapes (ESC -> \\x1b), never sent."""
    return _CONTROL.sub(lambda m: ascii(m.group(0))[1:-1], text)


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
                question, hist, docs, where = _request_fields(req, args)
                out = handle(pipe, question, hist, docs, where)
            except ResqaError as exc:
                if args.question != "-":
                    raise
                out, status = {"question": req.get("question"), "error": str(exc)}, exc.exit_code
        if args.json or args.question == "-":
            _emit(json.dumps(out, ensure_ascii=False))
        else:
            _emit(terminal_safe(out["_text"] if "_text" in out else out.get("error", "")))
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
        info["links"] = _graph(index.catalogue).to_json()
        _emit(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    lines = [f"index: {info['index']} (collection {info['collection']})",
             f"embedder: {info['embedder']} ({info['dim']} dims), parser v{info['parser_version']}",
             f"clauses by kind: {json.dumps(info['clauses_by_kind'])}"]
    lines += [f"- {d['id']} [{d['language']}] {d['title']} — {json.dumps(d['clauses'])}" for d in info["documents"]]
    for line in lines:
        _emit(terminal_safe(line))
    return 0


def _graph(cat):
    from resqa.links import build_graph

    return build_graph(((d.doc_id, d.metadata) for d in cat.docs.values()), cat.clauses.values())


def cmd_links(args: argparse.Namespace) -> int:
    from resqa.links import Library
    from resqa.pipeline import Pipeline

    cat = Pipeline(_settings(args)).index.catalogue
    doc = Library((d.doc_id, d.metadata) for d in cat.docs.values()).by_key.get(key_of(args.doc))
    if doc is None:
        raise InputError(f"no document {args.doc!r} in the index; `resqa info` lists them")
    links = _graph(cat).of(doc)
    if args.json:
        print(json.dumps(links, ensure_ascii=False, indent=2))
        return 0
    for name, other in (("recalls", "document"), ("recalled_by", "document")):
        print(f"{name.replace('_', ' ')}:")
        for ln in links[name]:
            print(f"  {ln[other]:<28} {ln['clause']:<32} {ln['text']}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from resqa.tools.evaluate import main as eval_main

    return eval_main(args, _settings(args), progress=_progress_bar())


def cmd_bench(args: argparse.Namespace) -> int:
    from resqa.tools.bench import main as bench_main

    return bench_main(args)


def _at_least_one(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"{k} hits: ask for 1 or more")
    return k


def _bench_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--sizes", default="seed,1000", help="seed and/or synthetic clause counts, comma-separated "
                    "(e.g. seed,1000,10000,50000; 10000docs: 10,000 short documents); with --corpus, seed unless given")
    sp.add_argument("--corpus", nargs="+", default=None, metavar="PATH",
                    help="also a real library (files, folders or .jsonl): ingest, ask, load and cold start on it")
    sp.add_argument("--queries", default=None, metavar="JSONL",
                    help="questions for --corpus (default eval/library/cases.jsonl)")
    sp.add_argument("--out", default="eval/bench", help="folder for bench.json and bench.png")
    sp.add_argument("--repeats", type=int, default=3)
    sp.add_argument("--baseline-max", type=int, default=1000, help="largest size to also run the baseline on")
    sp.add_argument("--distinct", type=int, default=1000, help="distinct clause texts in corpora larger than this")
    sp.add_argument("--keep", help="keep (and reuse) the built indexes in this folder")
    sp.add_argument("--library", metavar="INDEX", help="instead: time the Library page (first paint, filter "
                    "changes, opening a document) over this ingested index folder")


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
            sp.add_argument("--k", type=_at_least_one, default=8, help="number of hits (1 or more)")
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
    sp.add_argument("--conversation", action="store_true",
                    help="ask the set as one conversation: each case without a history after the one before it")
    sp.add_argument("--corpus", nargs="+", default=None, metavar="PATH",
                    help="the set's own documents: ingest them (incrementally) into --index, then evaluate")
    common(sp)
    sp.set_defaults(func=cmd_eval)
    sp = sub.add_parser("bench", help="latency, throughput, memory and load, beside baselines")
    _bench_arguments(sp)
    sp.set_defaults(func=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # here, so that a reader gone away is caught below, not at exit
        return status
    except ResqaError as exc:
        _emit(terminal_safe(f"resqa: {exc}"), sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader stopped early (`resqa info | head`): as for any filter, stop quietly. Point
        # stdout at /dev/null so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        print("resqa: interrupted; run the same command again to finish", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
