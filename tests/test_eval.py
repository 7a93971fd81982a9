from pathlib import Path

from conftest import ROOT

from resqa.model import Citation
from resqa.tools.cases import Case, check_cases, load_cases, span_scores
from resqa.tools.evaluate import gate


def test_eval_set_is_valid_against_the_index(pipe):
    cases = load_cases(ROOT / "eval" / "cases.jsonl")
    assert len(cases) >= 80 and not check_cases(cases, pipe.clause)
    langs = [c.lang for c in cases]
    assert langs.count("fr") / len(cases) >= 0.35 and langs.count("en") / len(cases) >= 0.35
    assert sum(c.unanswerable for c in cases) / len(cases) >= 0.15
    assert sum(bool(c.history) for c in cases) >= 10


def test_blind_set_is_valid_and_apart_from_the_main_set(pipe):
    """eval/blind holds questions written before looking at resqa's answers; a case there must
    not repeat a main-set id or question, or the two sets would stop measuring different things."""
    import tomllib

    blind = load_cases(ROOT / "eval" / "blind" / "cases.jsonl")
    main = load_cases(ROOT / "eval" / "cases.jsonl")
    assert blind and not check_cases(blind, pipe.clause)
    assert not {c.id for c in blind} & {c.id for c in main}
    assert not {c.question for c in blind} & {c.question for c in main}
    th = tomllib.loads((ROOT / "eval" / "blind" / "thresholds.toml").read_text())
    assert th["verbatim_rate"]["gate"] == 1.0 and th["verifier_selftest"]["gate"] == 1.0


def test_checker_catches_bad_cases(pipe):
    bad = [Case("x", "q", "en", "t", (), ("NOPE/op-9",), ("zzz",), False),
           Case("y", "q", "en", "t", (), ("GA-2021-89-RES-09/op-2",), ("not in the clause",), False)]
    problems = check_cases(bad, pipe.clause)
    assert any("not in the index" in p for p in problems) and any("must-quote" in p for p in problems)


def test_gate_and_target_directions():
    th = {"hit@1": {"target": 0.9, "gate": 0.7}, "false_refusal_rate": {"target": 0.1, "gate": 0.2}}
    fails, short = gate({"hit@1": 0.8, "false_refusal_rate": 0.3}, th)
    assert fails == ["false_refusal_rate = 0.300, gate 0.2"]
    assert len(short) == 2


def test_span_scores(pipe):
    op2 = pipe.clause("GA-2021-89-RES-09/op-2")
    case = Case("z", "q", "fr", "t", (), (op2.clause_id,), ("dans le respect de leur cadre juridique national",), False)
    exact = Citation(1, op2, "dans le respect de leur cadre juridique national", True)
    assert span_scores(case, (exact,), pipe.clause) == (1.0, 1.0)
    whole = Citation(1, op2, op2.text, True)
    p, r = span_scores(case, (whole,), pipe.clause)
    assert r == 1.0 and p < 0.2


def test_thresholds_file_gates_the_invariants():
    import tomllib

    th = tomllib.loads(Path(ROOT / "eval" / "thresholds.toml").read_text())
    assert th["verbatim_rate"]["gate"] == 1.0 and th["verifier_selftest"]["gate"] == 1.0


def test_document_level_gold_is_scored_over_documents(pipe):
    from resqa.tools.evaluate import run_resqa, summarize

    doc = "GA-2021-89-RES-09"
    cases = [Case("d1", "What does the resolution urge member countries to do?", "en", "t", (), (), (), False, (doc,)),
             Case("d2", "Who drafted this resolution?", "en", "t", (), (), (), True)]
    assert check_cases(cases, pipe.clause, set(pipe.index.catalogue.docs)) == []
    assert any("gold document nope" in p for p in check_cases(
        [Case("d3", "q", "en", "t", (), (), (), False, ("nope",))], pipe.clause, set(pipe.index.catalogue.docs)))
    rows = run_resqa(pipe, cases)["rows"]
    assert rows[0]["hit1"] == 1.0 and rows[0]["cit_p"] == 1.0 and rows[0]["cit_r"] == 1.0
    m = summarize(rows)
    assert "span_precision" not in m  # no must-quote spans, so no span measure to average
    assert m["refusal_accuracy"] == 1.0


def test_syntec_cases_match_their_corpus():
    """eval/syntec/cases.jsonl is derived from the upstream gold set; every gold article must be a
    document of articles.jsonl as resqa's loader names it."""
    import json

    from resqa.load import load_file

    root = ROOT / "eval" / "syntec"
    cases = load_cases(root / "cases.jsonl")
    upstream = [json.loads(x) for x in (root / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(cases) == len(upstream) == 142
    docs = {d.doc_id for d in load_file(root / "articles.jsonl")}
    assert len(docs) == 2108
    assert all(set(c.gold_docs) <= docs for c in cases)
    assert sum(c.unanswerable for c in cases) == sum(not q["requiredArticles"] for q in upstream) == 22


def test_gold_given_as_quotes_resolves_to_the_clause_that_holds_them(pipe):
    """A set written from the texts alone names its gold by document and verbatim words; the
    harness finds the clause, however the document id is punctuated, and reports a quote that
    no clause of that document holds."""
    from resqa.tools.cases import doc_key, resolve_gold

    op2 = pipe.clause("GA-2021-89-RES-09/op-2")
    words = " ".join(op2.text.split()[3:12])
    ok = Case("q1", "?", "en", "t", (), (), (), False, gold_docs=("ga 2021 89 res 09",),
              gold_quotes=(("GA/2021/89/RES/09", words),))
    bad = Case("q2", "?", "en", "t", (), (), (), False, gold_quotes=(("GA-2021-89-RES-09", "words nowhere at all"),))
    (r1, r2), problems = resolve_gold([ok, bad], list(pipe.index.catalogue.clauses.values()))
    assert r1.gold == ("GA-2021-89-RES-09/op-2",) and r1.gold_docs == ("GA-2021-89-RES-09",)
    assert r1.must_quote == (words,)
    assert problems == ["q2: gold quote not found in GA-2021-89-RES-09: words nowhere at all"]
    assert doc_key("S/RES/242 (1967)") == doc_key("S-RES-242-1967") != doc_key("S/RES/24 (1967)")


def test_a_set_asked_as_one_conversation_gives_each_lone_question_the_one_before():
    from resqa.tools.cases import Case, as_conversation

    def case(i, history=()):
        return Case(f"c{i}", f"question {i}?", "en", "direct", tuple(history), (), (), False)

    got = as_conversation([case(1), case(2), case(3, ["its own earlier question?"]), case(4)])
    assert [c.history for c in got] == [(), ("question 1?",), ("its own earlier question?",), ("question 3?",)]
