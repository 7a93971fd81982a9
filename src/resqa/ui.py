"""What the Streamlit page needs beyond rendering: turns, feedback and uploads, with no
Streamlit import, so it is unit-tested like the rest of the package."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from resqa.config import MAX_HISTORY_CHARS
from resqa.load import SUFFIXES, check_isolated
from resqa.model import Answer

FEEDBACK_KINDS = ("helpful", "wrong citation", "should have refused")


@dataclass
class Turn:
    question: str
    answer: Answer


def history_of(turns: list[Turn]) -> list[str]:
    """The earlier questions, latest last, as many of the latest as fit MAX_HISTORY_CHARS."""
    out: list[str] = []
    total = 0
    for t in reversed(turns):
        total += len(t.question)
        if total > MAX_HISTORY_CHARS:
            break
        out.append(t.question)
    return out[::-1]


def record_feedback(path: Path, turn: Turn, kind: str) -> None:
    """Append one feedback line (question, answer, citations) so real questions can grow the eval set."""
    if kind not in FEEDBACK_KINDS:
        raise ValueError(f"unknown feedback {kind!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    rec = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "feedback": kind, **turn.answer.to_json()}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


@dataclass(frozen=True)
class UploadResult:
    name: str
    ok: bool
    message: str
    path: Path | None = None


def safe_upload_name(name: str, data: bytes) -> str:
    """A file name that can never be a path: basename only, safe characters, content hash prefix."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, suffix = base.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else base).strip("-")[:60] or "upload"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower()) if dot else ""
    return f"{hashlib.sha256(data).hexdigest()[:10]}-{stem}.{suffix}"


def accept_upload(name: str, data: bytes, folder: Path, max_bytes: int, parse_timeout: float = 30.0) -> UploadResult:
    """Check type and size, store under `folder`, and parse it; a rejected file leaves nothing behind."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in SUFFIXES:
        return UploadResult(name, False, f"{name}: unsupported type; upload {', '.join(SUFFIXES)}")
    if len(data) > max_bytes:
        return UploadResult(name, False, f"{name}: {len(data)} bytes is over the {max_bytes} byte limit")
    if not data.strip():
        return UploadResult(name, False, f"{name}: the file is empty")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_upload_name(name, data)
    path.write_bytes(data)
    errors = check_isolated(path, parse_timeout)
    if errors:
        path.unlink(missing_ok=True)
        return UploadResult(name, False, "; ".join(e.replace(str(path), name) for e in errors))
    return UploadResult(name, True, f"{name}: accepted", path)
