"""Regressions for what a hostile probe of the CLI and ingest found (issue 15): each test names
its defect. They run the real CLI in a child process against real folders under tmp_path, with
the fast `hash` embedder: what is checked is storage, input handling and output, not retrieval."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import DOC, ROOT, SEEDS

from resqa.config import MAX_HISTORY_CHARS, MAX_QUESTION_CHARS, Settings
from resqa.errors import IndexAccessError, IndexBusyError, InputError
from resqa.folder import MARKER
from resqa.ingest import ingest_lock
from resqa.load import MAX_DOCUMENT_CHARS
from resqa.pipeline import Pipeline

ENV = {**os.environ, "RESQA_EMBEDDER": "hash"}
Q = "Que demande instamment l'Assemblée aux pays membres ?"


def cli(*args, stdin=None, env=None, timeout=300, prefix=()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "resqa.cli", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=env or ENV, timeout=timeout)


def text(r: subprocess.CompletedProcess) -> tuple[str, str]:
    return r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def hash_index(tmp_path_factory) -> Path:
    """The seeds, indexed with the hash embedder (built once; copy it before changing it)."""
    index = tmp_path_factory.mktemp("probe") / "index"
    Pipeline(Settings(index_dir=index, embedder="hash"), create=True).ingest([SEEDS])
    return index


@pytest.fixture
def index(hash_index, tmp_path) -> Path:
    dst = tmp_path / "index"
    shutil.copytree(hash_index, dst, ignore=shutil.ignore_patterns("ingest.lock"))
    return dst


def _ids(index: Path) -> set[str]:
    return set(Pipeline(Settings(index_dir=index, embedder="hash")).index.catalogue.docs)


# 1 ------------------------------------------------------------------------------------------
def test_rebuild_refuses_a_folder_that_is_not_a_resqa_index_and_deletes_nothing(tmp_path):
    mydocs = tmp_path / "mydocs"
    (mydocs / "sub").mkdir(parents=True)
    (mydocs / "thesis.docx").write_text("precious")
    (mydocs / "sub" / "notes.txt").write_text("also precious")
    r = cli("ingest", "--rebuild", "--index", str(mydocs), str(SEEDS))
    out, err = text(r)
    assert r.returncode == InputError.exit_code, err
    assert "not a resqa index" in err and "Traceback" not in err
    assert sorted(p.relative_to(mydocs).as_posix() for p in mydocs.rglob("*")) == [
        "sub", "sub/notes.txt", "thesis.docx"]  # nothing deleted, nothing (not even a lock) added
    assert (mydocs / "thesis.docx").read_text() == "precious"


def test_rebuild_deletes_only_what_resqa_wrote_in_its_index_folder(index):
    (index / "README-ours.txt").write_text("a note the team keeps beside the index")
    r = cli("ingest", "--rebuild", "--index", str(index), str(SEEDS))
    assert r.returncode == 0, text(r)[1]
    assert (index / "README-ours.txt").read_text() == "a note the team keeps beside the index"
    assert _ids(index) == {DOC}


def test_rebuild_still_repairs_a_damaged_index(index):
    """The damage message names `--rebuild` as the fix: the folder check must not stand in its way."""
    db = index / "chroma" / "chroma.sqlite3"
    os.truncate(db, db.stat().st_size // 3)
    (index / MARKER).unlink()  # an index made before the marker existed
    assert cli("info", "--index", str(index)).returncode == 3
    r = cli("ingest", "--rebuild", "--index", str(index), str(SEEDS))
    assert r.returncode == 0, text(r)[1]
    assert _ids(index) == {DOC} and (index / MARKER).is_file()


# 2 ------------------------------------------------------------------------------------------
def test_rebuild_while_another_ingest_runs_is_busy_and_deletes_nothing(index):
    before = sorted(p.relative_to(index).as_posix() for p in (index / "chroma").rglob("*"))
    with ingest_lock(index):  # another ingest, in progress
        r = cli("ingest", "--rebuild", "--index", str(index), str(SEEDS))
        assert sorted(p.relative_to(index).as_posix() for p in (index / "chroma").rglob("*")) == before
    assert r.returncode == IndexBusyError.exit_code, text(r)
    assert "another ingest is running" in text(r)[1]
    assert _ids(index) == {DOC}


# 3 ------------------------------------------------------------------------------------------
def test_lone_surrogate_question_gets_an_error_line_and_the_batch_goes_on(index):
    lines = '{"question": "\\ud800 x"}\n{"question": "Quel est le sujet ?"}\n'
    r = cli("ask", "--json", "-", "--index", str(index), stdin=lines.encode())
    out, err = text(r)
    assert "Traceback" not in err
    outs = [json.loads(x) for x in out.splitlines()]
    assert len(outs) == 2
    assert "surrogate" in outs[0]["error"] and outs[0]["question"] == "\ud800 x"
    assert "error" not in outs[1] and outs[1]["citations"]
    assert r.returncode == InputError.exit_code


def test_non_utf8_argument_is_bad_input_not_a_traceback(index):
    r = cli("ask", b"caf\xe9 ?", "--index", str(index))
    out, err = text(r)
    assert r.returncode == InputError.exit_code and "Traceback" not in err
    assert err.startswith("resqa: ") and "UTF-8" in err


# 4 ------------------------------------------------------------------------------------------
def test_json_lines_fields_of_the_wrong_type_are_named_and_the_batch_goes_on(index):
    reqs = [{"question": "Quel est le sujet ?", "documents": 5},
            {"question": "Quel est le sujet ?", "documents": DOC},
            {"question": 42},
            {"question": "Quel est le sujet ?", "history": "earlier"},
            {"question": "Quel est le sujet ?", "history": [1, 2]},
            {"question": "Quel est le sujet ?", "where": "year=2021"},
            {"question": "Quel est le sujet ?", "documents": [DOC]}]
    r = cli("ask", "--json", "-", "--index", str(index), stdin="\n".join(map(json.dumps, reqs)).encode())
    out, err = text(r)
    assert "Traceback" not in err
    outs = [json.loads(x) for x in out.splitlines()]
    assert len(outs) == len(reqs)
    for o, field in zip(outs, ["documents", "documents", "question", "history", "history", "where"]):
        assert f'"{field}"' in o["error"] or f"{field} item" in o["error"], o
    assert "must be a string" in outs[2]["error"] and "empty" not in outs[2]["error"]
    assert outs[-1]["citations"][0]["document"] == DOC
    assert r.returncode == InputError.exit_code


# 5 ------------------------------------------------------------------------------------------
def _big_resolution(target_chars: int) -> str:
    """One resolution-shaped text of about `target_chars`: a real header and opening, then
    thousands of preambular and operative clauses made of real sentences (synth.py)."""
    from resqa.tools.synth import synthetic_documents

    pre: list[str] = []
    op: list[str] = []
    for d in synthetic_documents(1500, ROOT, seed=5):
        for para in [p.strip() for p in d.text.split("\n\n")][4:-1]:
            (pre if para.endswith(",") else op).append(para.rstrip(" ;.,"))
    parts = ["Résolution N° 1\nGA-2030-99-RES-01\n\nObjet : Une très longue résolution\n\n"
             "L'Assemblée générale de l'O.I.P.C.-INTERPOL, réunie en sa 99ème session à Lyon\n"
             "du 1 au 30 novembre 2030,\n\n"]
    size, i = len(parts[0]), 0
    while size < target_chars:
        for part in (f"{pre[i % len(pre)]} (alinéa {i}),\n\n", f"{op[i % len(op)]} (point {i}) ;\n\n"):
            parts.append(part)
            size += len(part)
        i += 1
    return "".join(parts) + "Adoptée.\n"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc")
def test_a_600kb_resolution_ingests_in_batches_under_chromas_limit_with_bounded_memory(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "big.txt").write_text(_big_resolution(600_000), encoding="utf-8")
    index = tmp_path / "index"
    # The child's own high-water mark (VmHWM): ru_maxrss would also count the pytest parent it was
    # forked from, which exec carries over into the child's figure.
    code = ("import sys; from resqa.cli import main; rc = main(sys.argv[1:]); "
            "print('peak_kb', next(x.split()[1] for x in open('/proc/self/status') if x.startswith('VmHWM'))); "
            "sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, "ingest", str(folder), "--index", str(index)],
                       capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    peak_kb = int(r.stdout.split("peak_kb")[-1])
    assert peak_kb < 600_000, f"ingesting a 600 KB document peaked at {peak_kb / 1024:.0f} MB"
    pipe = Pipeline(Settings(index_dir=index, embedder="hash"))
    info = pipe.index.catalogue.docs["GA-2030-99-RES-01"]
    assert info.records > pipe.index.store.client.get_max_batch_size()  # more than one Chroma batch
    assert pipe.index.store.count() == info.records
    assert len(pipe.index.catalogue.clauses_of("GA-2030-99-RES-01")) == sum(info.counts.values())


def test_a_document_over_the_size_limit_is_refused_with_a_clear_message(tmp_path):
    folder = tmp_path / "huge"
    folder.mkdir()
    line = "RAPPELANT que la coopération policière internationale est essentielle,\n\n"
    (folder / "huge.txt").write_text("Résolution\n\n" + line * (MAX_DOCUMENT_CHARS // len(line) + 1),
                                     encoding="utf-8")
    (folder / "small.txt").write_text("Une note courte sur la coopération policière.", encoding="utf-8")
    r = cli("ingest", str(folder), "--index", str(tmp_path / "index"))
    out, err = text(r)
    assert r.returncode == 0 and "Traceback" not in err
    assert "huge.txt" in err and f"{MAX_DOCUMENT_CHARS:,} character limit" in err
    assert "1 documents" in out and "1 files skipped" in out


# 6 ------------------------------------------------------------------------------------------
def test_same_file_name_in_two_folders_gets_distinct_ids_not_a_silent_replacement(tmp_path):
    notes, other = tmp_path / "notes", tmp_path / "other"
    notes.mkdir()
    other.mkdir()
    (notes / "a.txt").write_text("Note de service\n\nLe budget annuel des bureaux centraux nationaux.\n")
    (other / "a.txt").write_text("Autre note\n\nLa formation des enquêteurs spécialisés.\n")
    index = tmp_path / "index"
    assert cli("ingest", str(notes), "--index", str(index)).returncode == 0
    r = cli("ingest", str(other), "--index", str(index))
    out, err = text(r)
    assert r.returncode == 0 and "0 documents removed" in out
    assert "indexed as a~other" in err
    pipe = Pipeline(Settings(index_dir=index, embedder="hash"))
    assert set(pipe.index.catalogue.docs) == {"a", "a~other"}
    assert pipe.index.catalogue.docs["a"].title == "Note de service"
    assert pipe.index.catalogue.docs["a~other"].title == "Autre note"
    again = cli("ingest", str(other), "--index", str(index))  # stable: the same id, nothing re-embedded
    assert "0 records embedded" in text(again)[0]
    assert set(Pipeline(Settings(index_dir=index, embedder="hash")).index.catalogue.docs) == {"a", "a~other"}


def test_the_seed_keeps_its_id_and_a_new_text_of_it_elsewhere_replaces_it_saying_so(tmp_path):
    """A reference code is the document's own id: another file holding GA-2021-89-RES-09 is a
    new text of that resolution (test_pipeline relies on it), so it replaces the old one, never
    silently: the ingest names both files."""
    index = tmp_path / "index"
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "seed.txt").write_text(next(SEEDS.glob("*.txt")).read_text(encoding="utf-8") + "\nAnnexe.\n",
                                   encoding="utf-8")
    r = cli("ingest", str(SEEDS), "--index", str(index))
    assert r.returncode == 0 and _ids(index) == {DOC}
    r = cli("ingest", str(copy), "--index", str(index))
    err = text(r)[1]
    assert r.returncode == 0 and f"replaces the text of {DOC}" in err and "seed.txt" in err
    assert _ids(index) == {DOC}


# 7 ------------------------------------------------------------------------------------------
HOSTILE = ("\x1b[2J\x1b]0;pwned\x07Note sur la cybercriminalité\n\n"
           "RAPPELANT que la cybercriminalité \x1b[2J\x1b]0;pwned\x07 menace les enfants en ligne,\n\n"
           "DEMANDE INSTAMMENT aux pays membres de lutter contre la cybercriminalité \x1b[31m visant les enfants.\n")


def test_plain_output_never_writes_terminal_control_characters(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    index = tmp_path / "index"
    assert cli("ingest", str(folder), "--index", str(index)).returncode == 0
    for args in (["ask", "Que demande l'Assemblée contre la cybercriminalité visant les enfants ?"],
                 ["search", "cybercriminalité enfants"], ["info"]):
        r = cli(*args, "--index", str(index))
        assert r.returncode == 0, r.stderr
        for byte in (b"\x1b", b"\x07", b"\x9b"):
            assert byte not in r.stdout, (args, r.stdout)
        assert b"\\x1b[2J" in r.stdout or b"\\x1b[31m" in r.stdout, (args, r.stdout)  # shown, escaped


def test_terminal_safe_escapes_controls_and_bidi_overrides_but_keeps_text():
    from resqa.cli import terminal_safe

    assert terminal_safe("a\x1b[2Jb\x07c\u202ed\x9be\r") == "a\\x1b[2Jb\\x07c\\u202ed\\x9be\\r"
    assert terminal_safe("Résolution «ok»\n\tfin ✓") == "Résolution «ok»\n\tfin ✓"


# 8 ------------------------------------------------------------------------------------------
@pytest.fixture
def as_other_user(tmp_path):
    """A command prefix that runs a child as a user who may read but not write: as root (who may
    write anything) the child runs as nobody through util-linux's setpriv, with the way down to
    tmp_path opened for it; otherwise chmod is enough and the prefix is empty."""
    if os.geteuid() != 0:
        yield ()
        return
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a folder read-only for the child")
    opened = []
    for p in [tmp_path, *tmp_path.parents]:
        if p == Path(p.anchor) or str(p) == "/tmp":
            break
        opened.append((p, p.stat().st_mode))
        p.chmod(p.stat().st_mode | 0o755)
    try:
        yield ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    finally:
        for p, mode in opened:
            p.chmod(mode)


def _read_only(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)


def _writable(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)


def test_read_only_index_is_served_and_never_reported_as_damage(index, as_other_user):
    copies = set(Path(tempfile.gettempdir()).glob("resqa-readonly-*"))
    _read_only(index)
    try:
        for args in (["info"], ["ask", Q], ["search", Q]):
            r = cli(*args, "--index", str(index), prefix=as_other_user)
            out, err = text(r)
            assert r.returncode == 0, err
            assert "--rebuild" not in err and "damaged" not in err and "Traceback" not in err
        out, _ = text(cli("ask", Q, "--index", str(index), prefix=as_other_user))
        assert "DEMANDE INSTAMMENT" in out
        r = cli("ingest", str(SEEDS), "--index", str(index), prefix=as_other_user)  # but not written
        assert r.returncode == IndexAccessError.exit_code and "Traceback" not in text(r)[1]
    finally:
        _writable(index)
    assert _ids(index) == {DOC}  # and it was healthy all along
    left = set(Path(tempfile.gettempdir()).glob("resqa-readonly-*")) - copies
    assert not left, f"private copies left behind: {sorted(map(str, left))}"


def test_read_only_index_is_served_from_a_copy_that_follows_its_owners_ingests(index, tmp_path, monkeypatch):
    """In process (the test may run as root, who can write anything): the store reads as not
    writable, so the reader serves a copy; the owner ingests another document; the reader sees it."""
    real_access = os.access

    def access(path, mode, *a, **kw):
        if mode == os.W_OK and str(path).startswith(str(index)):
            return False
        return real_access(path, mode, *a, **kw)

    monkeypatch.setattr(os, "access", access)
    reader = Pipeline(Settings(index_dir=index, embedder="hash"))
    assert set(reader.index.catalogue.docs) == {DOC} and reader.index.store.connection.read_only_source is not None
    assert reader.search(Q).hits
    extra = tmp_path / "new" / "note.txt"
    extra.parent.mkdir()
    extra.write_text("RÉSOLUTION\n\nL'Assemblée générale,\n\nRAPPELANT la paix,\n\nDÉCIDE de se réunir.\n",
                     encoding="utf-8")
    monkeypatch.setattr(os, "access", real_access)
    Pipeline(Settings(index_dir=index, embedder="hash")).ingest([extra])
    monkeypatch.setattr(os, "access", access)
    assert reader.index.refresh() and len(reader.index.catalogue.docs) == 2
    assert _ids(index) == set(reader.index.catalogue.docs)


def test_index_path_that_is_a_file_is_named_as_such_not_damage(tmp_path):
    f = tmp_path / "index"
    f.write_text("not a folder")
    for args in (["info"], ["ask", Q], ["ingest", str(SEEDS)], ["ingest", "--rebuild", str(SEEDS)]):
        r = cli(*args, "--index", str(f))
        out, err = text(r)
        assert r.returncode in (InputError.exit_code, IndexAccessError.exit_code), err
        assert "is a file, not an index folder" in err and "--rebuild" not in err and "Traceback" not in err
    assert f.read_text() == "not a folder"


# 9 ------------------------------------------------------------------------------------------
def test_unwritable_ingest_lock_is_one_line_not_a_traceback(index, as_other_user):
    (index / "ingest.lock").write_text("")
    _read_only(index)
    try:
        r = cli("ingest", str(SEEDS), "--index", str(index), prefix=as_other_user)
    finally:
        _writable(index)
    out, err = text(r)
    assert r.returncode == IndexAccessError.exit_code and "Traceback" not in err
    assert err.startswith("resqa: cannot take the ingest lock") and len(err.strip().splitlines()) == 1


# 10 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", ["0", "-1"])
def test_k_below_one_is_bad_input(hash_index, k):
    r = cli("search", Q, "--k", k, "--index", str(hash_index))
    assert r.returncode == 2 and b"1 or more" in r.stderr


def test_k_below_one_is_refused_by_the_pipeline_too(hash_index):
    pipe = Pipeline(Settings(index_dir=hash_index, embedder="hash"))
    for k in (0, -1):
        with pytest.raises(InputError, match="1 or more"):
            pipe.search(Q, k=k)


# 11 -----------------------------------------------------------------------------------------
def test_unknown_doc_id_is_bad_input_naming_it(hash_index):
    r = cli("ask", Q, "--doc", "NOPE", "--index", str(hash_index))
    assert r.returncode == InputError.exit_code and b"NOPE" in r.stderr
    r = cli("search", Q, "--doc", DOC, "--doc", "NOPE", "--index", str(hash_index))
    assert r.returncode == InputError.exit_code and b"NOPE" in r.stderr and DOC.encode() not in r.stderr
    assert cli("ask", Q, "--doc", DOC, "--index", str(hash_index)).returncode == 0


# 12 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["🙂🙂", "?!? …", "🔒 🔑 !"])
def test_question_with_no_words_is_bad_input_not_an_answer(hash_index, question):
    r = cli("ask", question, "--index", str(hash_index))
    assert r.returncode == InputError.exit_code and b"no words" in r.stderr and r.stdout == b""


# 13 -----------------------------------------------------------------------------------------
def test_info_into_a_closed_pipe_ends_quietly(hash_index):
    proc = subprocess.Popen([sys.executable, "-m", "resqa.cli", "info", "--index", str(hash_index)], cwd=ROOT,
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # `| head` that has already gone away
    err = proc.stderr.read().decode()
    proc.wait(120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


# 14 -----------------------------------------------------------------------------------------
def test_history_over_the_limits_is_bad_input(hash_index):
    reqs = [{"question": Q, "history": ["x " * MAX_QUESTION_CHARS]},  # one turn over the question limit
            {"question": Q, "history": ["y" * (MAX_QUESTION_CHARS - 1)] * (MAX_HISTORY_CHARS // MAX_QUESTION_CHARS + 1)},
            {"question": Q, "history": ["Quel est le sujet ?"]}]
    r = cli("ask", "--json", "-", "--index", str(hash_index), stdin="\n".join(map(json.dumps, reqs)).encode())
    outs = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert f"limit is {MAX_QUESTION_CHARS}" in outs[0]["error"]
    assert f"limit is {MAX_HISTORY_CHARS}" in outs[1]["error"]
    assert "error" not in outs[2]
    assert r.returncode == InputError.exit_code


def test_the_page_sends_only_the_latest_turns_that_fit_the_history_limit():
    from resqa.model import Answer
    from resqa.ui import Turn, history_of

    ans = Answer(question="q", language="fr", answerable=False, text="")
    turns = [Turn(f"{i} " + "z" * (MAX_QUESTION_CHARS - 10), ans) for i in range(30)]
    hist = history_of(turns)
    assert sum(map(len, hist)) <= MAX_HISTORY_CHARS and hist[-1] == turns[-1].question
    assert len(hist) == MAX_HISTORY_CHARS // len(turns[0].question)
