"""Package data: word lists, lexicons, prompts and templates as TOML, read through one loader."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


def read_toml(path) -> dict[str, Any]:
    """A TOML file (a Path, or a package resource) as a dict."""
    with path.open("rb") as fh:
        return tomllib.load(fh)


@cache
def toml(name: str) -> dict[str, Any]:
    """One of this package's TOML files (`language.toml`, `prompts.toml` …), read once per process."""
    return read_toml(resources.files(__name__).joinpath(name))
