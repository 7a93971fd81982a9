"""The index folder on disk: what resqa owns in it (its marker says so), whether `--rebuild` may
delete it, and the errors that name the fix when this user may not write it."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

from resqa.config import Settings
from resqa.errors import IndexAccessError, InputError

SCHEMA = 1
MARKER = "resqa-index.json"  # written into every index folder resqa creates
OWN_ENTRIES = ("chroma", "cache", MARKER)  # what `--rebuild` may delete (ingest.lock stays: it is held)
LOCK_NAME = "ingest.lock"


def access_error(index_dir: Path, exc: OSError, doing: str) -> IndexAccessError:
    if isinstance(exc, (NotADirectoryError, FileExistsError)) or (index_dir.exists() and not index_dir.is_dir()):
        return IndexAccessError(f"{index_dir} is a file, not an index folder — pass another --index")
    return IndexAccessError(f"cannot {doing} in {index_dir}: {exc.strerror or exc} — the index needs write "
                            "access for this user (check the folder's owner and permissions)")


def read_only_message(index_dir: Path) -> str:
    return (f"the index at {index_dir} is read-only for this user: it can be searched (resqa serves a "
            "private copy of it) but not written. The index itself is fine — ask its owner to ingest, "
            f"or work on a copy: cp -r {index_dir} <folder> and pass --index <folder> (or RESQA_INDEX)")


def files_signature(folder: Path) -> tuple:
    """(name, size, mtime) of a Chroma folder's SQLite files: every write changes them (a writer
    bumps the registry's stamp after each document), and refresh checks them on every search, so
    only these few files are looked at, not the vector segments."""
    return tuple((p.name, st.st_size, st.st_mtime_ns) for p in sorted(folder.glob("chroma.sqlite3*"))
                 if (st := p.stat()))


def is_resqa_folder(index_dir: Path) -> bool:
    """Empty, absent, or a folder resqa made: its marker is there, or (an index made before the
    marker existed) it holds nothing but what resqa writes, with a Chroma store in it."""
    index_dir = Path(index_dir)
    if not index_dir.exists():
        return True
    if not index_dir.is_dir():
        return False
    names = {p.name for p in index_dir.iterdir()}
    if not names or MARKER in names:
        return True
    made_by_resqa = (index_dir / "chroma" / "chroma.sqlite3").is_file() or LOCK_NAME in names
    return names <= {*OWN_ENTRIES, LOCK_NAME} and made_by_resqa


def check_droppable(settings: Settings) -> None:
    """Refuse `--rebuild` on a folder that is not a resqa index: it would delete the user's files."""
    d = Path(settings.index_dir)
    if d.exists() and not d.is_dir():
        raise InputError(f"{d} is a file, not an index folder — pass another --index")
    if not is_resqa_folder(d):
        raise InputError(f"{d} is not a resqa index (no {MARKER} in it, and it holds other files) — "
                         "`--rebuild` deletes only a resqa index; pass an empty or new folder as --index")


def write_marker(index_dir: Path) -> None:
    marker = Path(index_dir) / MARKER
    if not marker.exists():
        marker.write_text(json.dumps({"resqa_schema": SCHEMA, "owns": list(OWN_ENTRIES)}) + "\n", encoding="utf-8")


def make_index_folder(index_dir: Path) -> None:
    """Create the folder (and mark it as resqa's), or say why this user cannot."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        write_marker(index_dir)
    except OSError as exc:
        raise access_error(index_dir, exc, "create the index") from None


def remove_owned(index_dir: Path, owned: tuple[str, ...]) -> None:
    """Delete what resqa wrote in its folder (`--rebuild`), and nothing else."""
    for name in owned:
        p = index_dir / name
        try:
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        except OSError as exc:
            raise access_error(index_dir, exc, f"delete {name}") from None


def snapshot(index_dir: Path, path: Path, cache_root: Path) -> tuple[Path, tuple, Path]:
    """A private copy of a store this user may read but not write, to serve from:
    (the copy, the original's files_signature, the clause cache folder to use).

    chromadb writes to its store even to read it (chroma-core/chroma#1438), so a shared
    read-only index is served from a copy in the temporary folder, taken again when the
    original changes (refresh compares its SQLite files' sizes and times). The clause cache goes
    beside the copy when the index's own cache folder is read-only too. Writing (ingest)
    still needs the original and is refused by its lock."""
    import atexit
    import tempfile

    try:
        signature = files_signature(path)
        root = Path(tempfile.mkdtemp(prefix="resqa-readonly-"))
        atexit.register(shutil.rmtree, root, True)
        copy = root / "chroma"
        shutil.copytree(path, copy)
        for p in [copy, *copy.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)
    except OSError as exc:
        raise access_error(index_dir, exc, "copy the read-only index") from None
    if not os.access(cache_root, os.W_OK) and cache_root.parent != root:
        cache_root = root / "cache"
        cache_root.mkdir(exist_ok=True)
        with contextlib.suppress(OSError):  # start from the owner's cache where it is readable
            for entry in (index_dir / "cache").iterdir():
                shutil.copytree(entry, cache_root / entry.name)
        for p in [cache_root, *cache_root.rglob("*")]:  # copied with the owner's read-only modes: the
            with contextlib.suppress(OSError):  # cache is rewritten here, and removed at exit
                p.chmod(p.stat().st_mode | 0o200)
    return copy, signature, cache_root
