"""Faults: a damaged index is detected at open; ingest survives SIGKILL at random points; ingest
and ask run side by side; two ingests are serialised with a clear message."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from conftest import DOC, ROOT

from resqa.config import Settings
from resqa.errors import IndexBusyError, IndexDamagedError
from resqa.pipeline import Pipeline
from resqa.tools.synth import synthetic_documents

Q = "What does the resolution urge member countries to do?"


def _client(index: Path):
    return chromadb.PersistentClient(path=str(index / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))


def test_truncated_store_is_detected_with_the_fix(index_copy):
    db = index_copy / "chroma" / "chroma.sqlite3"
    os.truncate(db, db.stat().st_size // 3)
    with pytest.raises(IndexDamagedError, match="rebuild it with `resqa ingest --rebuild`"):
        Pipeline(Settings(index_dir=index_copy))


def test_missing_collection_is_detected(index_copy):
    _client(index_copy).delete_collection("resqa_clauses")
    with pytest.raises(IndexDamagedError, match="incomplete"):
        Pipeline(Settings(index_dir=index_copy))


@pytest.mark.parametrize("drop_cache", [False, True])
def test_store_that_disagrees_with_the_registry_is_detected(index_copy, drop_cache):
    col = _client(index_copy).get_collection("resqa_clauses")
    col.delete(ids=col.get(limit=3)["ids"])
    if drop_cache:
        import shutil

        shutil.rmtree(index_copy / "cache")
    with pytest.raises(IndexDamagedError, match="disagrees with its registry"):
        Pipeline(Settings(index_dir=index_copy))


def test_damaged_cache_is_rebuilt_from_the_store(index_copy, pipe):
    for f in (index_copy / "cache").rglob("*"):
        if f.is_file():
            os.truncate(f, 3)
    fixed = Pipeline(Settings(index_dir=index_copy))
    assert fixed.ask(Q).to_json()["citations"] == pipe.ask(Q).to_json()["citations"]


def test_cli_reports_damage_without_traceback(index_copy):
    db = index_copy / "chroma" / "chroma.sqlite3"
    os.truncate(db, db.stat().st_size // 3)
    out = subprocess.run([sys.executable, "-m", "resqa.cli", "ask", Q, "--index", str(index_copy)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == IndexDamagedError.exit_code
    assert "--rebuild" in out.stderr and "Traceback" not in out.stderr


def _archive(folder: Path, n_clauses: int, variant: int) -> int:
    folder.mkdir(exist_ok=True)
    docs = synthetic_documents(n_clauses, ROOT, seed=3)
    for i, d in enumerate(docs):
        text = d.text if (i + variant) % 3 else d.text.replace("Adoptée", f"Adoptée (version {variant})")
        (folder / f"{d.doc_id}.txt").write_text(text, encoding="utf-8")
    return len(docs)


def _assert_consistent(index: Path, rebuilt: list[str] | None = None, folder: Path | None = None,
                       env: dict | None = None) -> Pipeline:
    """The index opens and every document is wholly there; or, only where chromadb left a segment
    broken (_broken_by_chroma), resqa says to rebuild, and after `rebuilt` gets a line, the rebuild does."""
    try:
        pipe = Pipeline(Settings(index_dir=index, embedder="hash"))  # opens: the damage checks pass
    except IndexDamagedError as exc:
        if rebuilt is None or not _broken_by_chroma(IndexDamagedError.exit_code, f"resqa: {exc}"):
            raise
        rebuilt.append(str(exc))
        _rebuild(folder, env)
        pipe = Pipeline(Settings(index_dir=index, embedder="hash"))
    for doc_id, info in pipe.index.catalogue.docs.items():
        clauses = pipe.index.catalogue.clauses_of(doc_id)
        assert len(clauses) == sum(info.counts.values()), f"{doc_id} is half there"
    if pipe.index.catalogue.docs:
        pipe.ask("Que demande l'Assemblée ?")
    return pipe


def _broken_by_chroma(returncode: int, stderr: str) -> bool:
    """chromadb 1.5.9 can leave a collection's HNSW segment half-written when a writer is killed:
    the next ingest then cannot replay the log into it (upstream: chroma-core/chroma#5366, #7766),
    or, seen twice in nine runs, dies of SIGSEGV inside chromadb. resqa must then say "rebuild"
    (IndexDamagedError), and the rebuild must bring every document back (_rebuild)."""
    if returncode == -signal.SIGSEGV:
        return True
    return returncode == IndexDamagedError.exit_code and "interrupted write" in stderr and "--rebuild" in stderr


def _rebuild(folder: Path, env: dict) -> None:
    out = subprocess.run([sys.executable, "-m", "resqa.cli", "ingest", "--rebuild", str(folder)], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr


@pytest.mark.slow
def test_ingest_survives_sigkill_at_random_points(tmp_path):
    """Kills land at random points of the ingest however fast the machine is: the kill delay is a
    random share of how long an ingest that was let finish took (the first guess: 6 s)."""
    folder, index = tmp_path / "archive", tmp_path / "index"
    env = {**os.environ, "RESQA_EMBEDDER": "hash", "RESQA_INDEX": str(index)}
    rng = random.Random(11)
    kills = rounds = 0
    rebuilt: list[str] = []  # why each rebuild was needed
    expected = 6.0
    while kills < 5 and rounds < 16:
        n_docs = _archive(folder, 1500, rounds)  # each round edits a third of the documents
        log = tmp_path / f"ingest-{rounds}.log"
        with log.open("w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "resqa.cli", "ingest", str(folder)], env=env,
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
            start, delay = time.monotonic(), rng.uniform(0.2, 0.95) * expected
            while proc.poll() is None and time.monotonic() - start < delay:
                time.sleep(0.05)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            elif _broken_by_chroma(proc.returncode, log.read_text(encoding="utf-8")):
                rebuilt.append(f"ingest exited {proc.returncode}")
                _rebuild(folder, env)
            else:  # it finished first: it must have succeeded, and the next kills come sooner
                assert proc.returncode == 0, log.read_text(encoding="utf-8")[-2000:]
                expected = time.monotonic() - start
            proc.wait(30)
        _assert_consistent(index, rebuilt, folder, env)
        rounds += 1
    assert kills >= 5, f"only {kills} of {rounds} ingests were still running when their kill came"
    done = subprocess.run([sys.executable, "-m", "resqa.cli", "ingest", str(folder)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    if _broken_by_chroma(done.returncode, done.stderr):
        rebuilt.append(f"ingest exited {done.returncode}")
        _rebuild(folder, env)
    else:
        assert done.returncode == 0, done.stderr
    pipe = _assert_consistent(index)
    assert len(pipe.index.catalogue.docs) == n_docs
    print(f"kills survived: {kills}, documents: {n_docs}, rebuilt after chromadb broke: {rebuilt}")


def test_ingest_and_ask_side_by_side(index_copy, tmp_path):
    folder = tmp_path / "more"
    _archive(folder, 100, 0)
    asker = Pipeline(Settings(index_dir=index_copy))
    expected = asker.ask(Q).citations[0].clause.clause_id
    errors: list[BaseException] = []
    stop = threading.Event()
    answered = [0]

    def ask_loop() -> None:
        while not stop.is_set():
            try:
                ans = asker.ask(Q, doc_ids={DOC})
                assert ans.citations[0].clause.clause_id == expected
                answered[0] += 1
            except BaseException as exc:  # noqa: BLE001 - any failure fails the test
                errors.append(exc)
                return

    th = threading.Thread(target=ask_loop)
    th.start()
    try:
        out = subprocess.run([sys.executable, "-m", "resqa.cli", "ingest", str(folder), "--index", str(index_copy)],
                             capture_output=True, text=True, cwd=ROOT, timeout=600)
    finally:
        stop.set()
        th.join(60)
    assert out.returncode == 0, out.stderr
    assert not errors, errors[0]
    assert answered[0] > 3
    assert len(asker.index.catalogue.docs) > 1  # the asker sees the new documents without restarting


def test_two_ingests_are_serialised_with_a_clear_message(index_copy):
    pipe = Pipeline(Settings(index_dir=index_copy))
    with pipe.index.writer_lock():
        out = subprocess.run([sys.executable, "-m", "resqa.cli", "ingest", "--index", str(index_copy)],
                             capture_output=True, text=True, cwd=ROOT, timeout=120)
        with pytest.raises(IndexBusyError, match=f"pid {os.getpid()}"):
            Pipeline(Settings(index_dir=index_copy)).ingest([ROOT / "seeds"])
    assert out.returncode == IndexBusyError.exit_code and "another ingest is running" in out.stderr


def test_a_long_lived_reader_sees_vectors_another_process_wrote(index_copy, tmp_path):
    """chromadb's in-process System does not see vectors another process adds later: without
    reopening, dense search silently misses them and reading their vectors fails."""
    reader = Pipeline(Settings(index_dir=index_copy))
    reader.ask(Q)
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "note.md").write_text("# Ransomware note\n\nHospitals hit by ransomware must report the attack "
                                    "to the national contact point within 24 hours, and, where possible, "
                                    "share indicators of compromise with other member countries.\n",
                                    encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "resqa.cli", "ingest", str(folder), "--index", str(index_copy)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    q = "Within how many hours must hospitals report a ransomware attack?"
    res = reader.search(q)
    vec = reader.embedder.embed_queries([q])[0]
    dense_ids = [cid for cid, _ in reader.index.dense(vec, 5)]
    assert any(c.startswith("note/") for c in dense_ids), dense_ids
    assert res.hits[0].clause.doc_id == "note"
    for clause in reader.index.catalogue.clauses_of("note"):
        reader.index.segment_vectors(clause)  # raised "Error finding id" before the fix


def test_a_replaced_chroma_system_is_stopped_after_its_grace_period(index_copy, monkeypatch):
    """Each reopen replaces the reader's chromadb System, which holds the vector index in memory:
    the old one must be stopped (once no query can still be running on it), not left to leak."""
    import resqa.store as store_module

    reader = Pipeline(Settings(index_dir=index_copy))
    writer = Pipeline(Settings(index_dir=index_copy))
    first = reader.index.store.connection.system
    assert first is not None and first._running
    writer.index.store.bump_stamp()
    assert reader.index.refresh(force=True) is False  # same documents; the store was reopened
    assert reader.index.store.connection.system is not first and first._running  # still in its grace period
    monkeypatch.setattr(store_module, "RETIRE_AFTER_S", 0.0)
    reader.index.refresh(force=True)
    assert not first._running and reader.index.store.connection.retired == []
    ans = reader.ask(Q)  # the new System serves
    assert ans.answerable and ans.citations


def test_a_fresh_process_takes_the_registry_from_its_copy_under_the_same_stamp(index_copy, monkeypatch):
    """The registry copy (catalogue.RegistryCopy) spares a cold start the registry read, only
    while the stamp it was taken under is current; a copy that the store disagrees with is
    dropped for a full read, and a copy that is garbage is no copy."""
    import json

    import resqa.store as store_module

    first = Pipeline(Settings(index_dir=index_copy))
    copy = index_copy / "cache" / "registry-resqa.json"
    assert json.loads(copy.read_text())["docs"]
    expected = first.ask(Q).to_json()["citations"]
    reads = []
    real = store_module.Store.read_registry
    monkeypatch.setattr(store_module.Store, "read_registry", lambda self: reads.append(1) or real(self))
    assert Pipeline(Settings(index_dir=index_copy)).ask(Q).to_json()["citations"] == expected
    assert reads == []  # same stamp: the copy served

    inflated = json.loads(copy.read_text())
    for d in inflated["docs"]:
        d["records"] += 1000  # a copy claiming more records than the store holds
    copy.write_text(json.dumps(inflated))
    assert Pipeline(Settings(index_dir=index_copy)).ask(Q).to_json()["citations"] == expected
    assert reads == [1]  # the check caught it and the registry was read in full, and copied again
    assert json.loads(copy.read_text())["docs"] != inflated["docs"]

    copy.write_text("{not json")
    assert Pipeline(Settings(index_dir=index_copy)).ask(Q).to_json()["citations"] == expected
    assert reads == [1, 1]

    Pipeline(Settings(index_dir=index_copy)).index.store.bump_stamp()  # a writer's bump
    reads.clear()
    Pipeline(Settings(index_dir=index_copy))
    assert reads == [1]  # another stamp: read in full


def test_peek_reads_the_store_as_chromadb_reports_it(index_copy):
    """store.peek reads chromadb's own tables with sqlite3 (a cold start without chromadb): it
    must agree with chromadb's API, and every record write or delete must move its log position
    — this is the test that fails first if a chromadb release changes that layout."""
    from resqa.store import peek

    settings = Settings(index_dir=index_copy)
    pipe = Pipeline(settings)
    seen = peek(settings)
    assert seen is not None and seen.stamp == pipe.index.store.stamp() and seen.stamp
    assert {k: seen.manifest.get(k) for k in pipe.index.manifest} == pipe.index.manifest
    col = _client(index_copy).get_collection("resqa_clauses")
    col.delete(ids=col.get(limit=1)["ids"])
    moved = peek(settings)
    assert moved is not None and moved.stamp == seen.stamp and moved.log != seen.log
    pipe.index.store.bump_stamp()
    assert peek(settings).stamp != seen.stamp
    assert peek(Settings(index_dir=index_copy / "absent")) is None


def test_a_sealed_index_is_served_without_chromadb_until_it_changes(index_copy, tmp_path):
    """A full open or an ingest seals the registry copy with the store's state; a later process
    that finds that state serves from the caches without importing chromadb (0.6 s of a cold
    ask), with the same answer, and still sees what a writer adds afterwards."""
    import json

    first = Pipeline(Settings(index_dir=index_copy))
    expected = first.ask(Q).to_json()["citations"]
    assert (index_copy / "cache" / "registry-resqa.json.seal").exists()
    code = ("import json, sys\nfrom resqa.config import Settings\nfrom resqa.pipeline import Pipeline\n"
            f"p = Pipeline(Settings(index_dir={str(index_copy)!r}))\n"
            f"print(json.dumps([p.ask({Q!r}).to_json()['citations'], 'chromadb' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [expected, False]

    reader = Pipeline(Settings(index_dir=index_copy))
    assert reader.index._store is None and reader.ask(Q).to_json()["citations"] == expected
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "note.md").write_text("# Ransomware note\n\nHospitals hit by ransomware must report the attack "
                                    "to the national contact point within 24 hours.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "resqa.cli", "ingest", str(folder), "--index", str(index_copy)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    res = reader.search("Within how many hours must hospitals report a ransomware attack?")
    assert res.hits[0].clause.doc_id == "note" and reader.index._store is not None
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert again.returncode == 0 and json.loads(again.stdout)[1] is False  # the ingest sealed its index


def test_a_registry_copy_the_store_has_moved_past_is_not_sealed(index_copy):
    """A writer killed between switching a document's registry record and bumping the stamp
    leaves the stamp as it was, so the next open takes the registry from its copy (the version
    before). That open must not seal the copy: a seal would serve the old version for good."""
    first = Pipeline(Settings(index_dir=index_copy))
    assert first.ask(Q).answerable
    seal = index_copy / "cache" / "registry-resqa.json.seal"
    assert seal.exists()
    seal.unlink()
    registry = _client(index_copy).get_collection("resqa_documents")
    got = registry.get(ids=[DOC], include=["metadatas"])
    registry.update(ids=[DOC], metadatas=[{**got["metadatas"][0], "hash": "0" * 64}])  # the switch, no bump
    Pipeline(Settings(index_dir=index_copy))
    assert not seal.exists()


def test_a_segment_chromadb_cannot_replay_is_reported_as_damage_naming_the_rebuild():
    """What chromadb 1.5.9 raises when a kill left a collection's HNSW segment half-written
    (seen in test_ingest_survives_sigkill_at_random_points): a damaged index, fixed by a rebuild."""
    from chromadb.errors import InternalError

    from resqa.store import chroma_errors

    with pytest.raises(IndexDamagedError, match=r"interrupted write.*resqa ingest --rebuild"):
        with chroma_errors("reading clauses"):
            raise InternalError("Error executing plan: Error sending backfill request to compactor: "
                                "Failed to apply logs to the hnsw segment writer")
    assert _broken_by_chroma(IndexDamagedError.exit_code, "resqa: an interrupted write left the index's vectors "
                             "unreadable (reading clauses) — rebuild it with `resqa ingest --rebuild`")
    assert not _broken_by_chroma(IndexDamagedError.exit_code, "resqa: the index disagrees with its registry")
    with pytest.raises(IndexDamagedError, match=r"interrupted write.*resqa ingest --rebuild"):
        with chroma_errors("reading vectors"):  # the next ingest after a SIGKILL, once in CI (2026-12-07)
            raise InternalError("Error executing plan: Internal error: Error getting embedding")


def test_a_long_lived_reader_rewrites_the_registry_copy_only_when_the_registry_changed(index_copy, monkeypatch):
    from resqa.catalogue import RegistryCopy

    writes = []
    real = RegistryCopy.write
    monkeypatch.setattr(RegistryCopy, "write", lambda self, stamp, docs: writes.append(stamp) or real(self, stamp, docs))
    reader = Pipeline(Settings(index_dir=index_copy))
    first = len(writes)
    for _ in range(3):
        reader.index.refresh(force=True)  # what the FULL_CHECK_S read does: the same registry
    assert len(writes) == first
    Pipeline(Settings(index_dir=index_copy)).index.store.bump_stamp()  # another writer's bump
    reader.index.refresh()
    assert len(writes) == first + 1
