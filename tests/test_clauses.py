from pathlib import Path

from conftest import DOC, SEED_FILE

from resqa.clauses import parse, segments
from resqa.clean import clean, normalize_for_match
from resqa.load import load_paths, make_document


def seed_clauses():
    return parse(load_paths([SEED_FILE]).documents[0])


def test_seed_structure():
    cl = seed_clauses()
    kinds = [c.kind for c in cl]
    assert kinds.count("preamble") == 8
    assert kinds.count("operative") == 2
    assert kinds[:3] == ["header", "subject", "opening"] and kinds[-1] == "adoption"
    assert [c.label for c in cl if c.kind == "preamble"] == [
        "VU", "RAPPELANT", "PRENANT ACTE", "RECONNAISSANT", "PROFONDÉMENT PRÉOCCUPÉE",
        "ÉGALEMENT PRÉOCCUPÉE", "CONSTATANT", "SOULIGNANT"]
    assert [c.label for c in cl if c.kind == "operative"] == ["APPELLE", "DEMANDE INSTAMMENT"]
    assert cl[0].doc_id == DOC
    assert [c.clause_id for c in cl if c.kind == "operative"] == [f"{DOC}/op-1", f"{DOC}/op-2"]


def test_missing_blank_line_still_splits_and_inline_keyword_does_not():
    cl = {c.label: c for c in seed_clauses()}
    assert cl["RECONNAISSANT"].text.endswith("droits fondamentaux,")
    assert cl["PROFONDÉMENT PRÉOCCUPÉE"].text.startswith("PROFONDÉMENT PRÉOCCUPÉE par les abus")
    assert "FAISANT OBSERVER" in cl["CONSTATANT"].text
    assert "FAISANT OBSERVER" not in cl


def test_every_clause_is_a_verbatim_span_of_the_cleaned_source():
    doc = load_paths([SEED_FILE]).documents[0]
    for c in parse(doc):
        assert clean(doc.text, c.start, c.end).text == c.text
        for s in c.segments:
            assert s in c.text
        assert "\n" not in c.text and "  " not in c.text


def test_ids_are_stable_across_parses():
    assert [c.clause_id for c in seed_clauses()] == [c.clause_id for c in seed_clauses()]


def test_clean_joins_lines_and_hyphenation_keeping_offsets():
    raw = "la protec-\ntion des  en-\nfants \f\n et\u00a0du droit"
    c = clean(raw)
    assert c.text == "la protection des enfants et du droit"
    assert raw[c.offsets[c.text.index("enfants")]] == "e"
    assert normalize_for_match("l’enfant  «x»") == "l'enfant \"x\""


def test_english_resolution_with_numbered_operatives():
    text = ("RESOLUTION 5\nAG-2024-RES-05\n\nSubject: Cooperation on cybercrime\n\n"
            "The General Assembly, meeting in Lyon,\n\nRECALLING its earlier work,\n"
            "DEEPLY CONCERNED by ransomware,\n\n1. URGES member countries to share data;\n"
            "2. REQUESTS the General Secretariat to report.\n\nAdopted\n")
    cl = parse(make_document(text, "x.txt", "x"))
    assert [(c.kind, c.label) for c in cl if c.kind in ("preamble", "operative")] == [
        ("preamble", "RECALLING"), ("preamble", "DEEPLY CONCERNED"),
        ("operative", "URGES"), ("operative", "REQUESTS")]
    assert cl[0].doc_id == "AG-2024-RES-05"


def test_un_resolution_with_keywords_in_sentence_case():
    """The UN writes "Recalling …," and "2. Urges …;" (italic in print, plain once extracted)."""
    path = Path(__file__).parent / "data" / "un-ga-sentence-case-en.txt"
    cl = parse(make_document(path.read_text(encoding="utf-8"), path.name, "A/RES/76/999"))
    assert [(c.kind, c.label) for c in cl if c.kind in ("preamble", "operative")] == [
        ("preamble", "Recalling"), ("preamble", "Reaffirming"), ("preamble", "Deeply concerned"),
        ("preamble", "Recognizing"), ("operative", "Condemns"), ("operative", "Urges"),
        ("operative", "Calls upon"), ("operative", "Requests")]
    ops = [c for c in cl if c.kind == "operative"]
    assert ops[1].text.startswith("2. Urges Member States") and ops[1].text.endswith("to justice;")
    assert ops[-1].text.endswith("present resolution.")  # the meeting line is the adoption, not op-4
    assert cl[-1].kind == "adoption" and cl[-1].label == "52nd plenary meeting"


def test_sentence_case_keywords_in_prose_open_no_clause():
    """Prose starts sentences with "Notes", "Requests" or "Recalling" too; without the UN layout
    (a comma before a preambular keyword, a paragraph number before an operative one) it stays prose."""
    text = ("Service guide\n\nRequests must be sent by e-mail.\nNotes are kept for a year.\n"
            "Recalling an order is possible.\nUrges and wishes are welcome.\n")
    cl = parse(make_document(text, "guide.txt", "guide"))
    assert cl and all(c.kind == "chunk" for c in cl)


def test_non_resolution_falls_back_to_generic_chunks(tmp_path: Path):
    text = "# Guide\n\nIntro paragraph.\n\n## Article 1\n\nFirst rule text.\n\n## Article 2\n\nSecond rule."
    cl = parse(make_document(text, "g.md", "guide"))
    assert cl and all(c.kind == "chunk" for c in cl)
    assert any("Second rule." in c.text for c in cl)
    assert any(c.label.startswith("## Article 2") for c in cl)


def test_segments_are_substrings():
    t = "DEMANDE INSTAMMENT à tous, dans le respect de leur cadre juridique national, de déployer des efforts."
    assert all(s in t for s in segments(t))


def test_gloss_speaks_the_languages_questions_come_in():
    # What a resolution asks of its members is in its operative clauses, whichever language the
    # question uses; the gloss indexed beside each clause says so in fr/en/es/de.
    from resqa.clauses import gloss
    from resqa.lexical import tokens_for_clause, tokens_for_query

    cl = {c.kind: c for c in seed_clauses()}

    def meets(question: str, kind: str) -> set[str]:
        c = cl[kind]
        return set(tokens_for_query(question)) & set(tokens_for_clause(c.text, c.language, gloss(c)))

    assert {"asks", "ask"} & meets("What does the Assembly ask?", "operative")
    assert "deben" in meets("¿Qué deben hacer los miembros?", "operative")
    assert "soll" in meets("Was sollen die Mitglieder tun?", "operative")
    assert "them" in meets("Quel est le thème de la résolution ?", "subject")
    assert "thema" in meets("Was ist das Thema?", "subject")
    assert {"sitzung", "ort"} <= meets("An welchem Ort war die Sitzung?", "opening")
    assert not meets("¿Qué deben hacer los miembros?", "preamble")
