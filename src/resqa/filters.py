"""Restricting a question to some documents: by id and by metadata (organisation, session, year,
language, or any key a jsonl record carries).

A filter is a dict: key -> allowed values. `year=2015..2021` is a range; `organisation=INTERPOL,UN`
is a choice; keys are matched case-insensitively on their values. `language` is the language
resqa detected in the document; every other key is looked up in the document's metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from resqa.errors import InputError

Where = dict[str, list[str]]


def parse_where(items: Iterable[str]) -> Where:
    """`["year=2015..2021", "organisation=INTERPOL"]` -> {"year": ["2015..2021"], "organisation": ["INTERPOL"]}."""
    out: Where = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not key or not value:
            raise InputError(f"bad filter {item!r}: write key=value, e.g. year=2021, year=2015..2021 "
                             "or organisation=INTERPOL")
        out.setdefault(key, []).extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _value_matches(have: Any, wanted: str) -> bool:
    if have is None:
        return False
    if ".." in wanted:
        lo, _, hi = wanted.partition("..")
        try:
            x = float(have)
            return (not lo or x >= float(lo)) and (not hi or x <= float(hi))
        except (TypeError, ValueError):
            raise InputError(f"the range {wanted!r} needs numbers on both sides") from None
    return str(have).strip().casefold() == wanted.casefold()


def matches(language: str, metadata: Mapping[str, Any], where: Where) -> bool:
    meta = {str(k).lower(): v for k, v in metadata.items()}
    for key, wanted in where.items():
        have = language if key == "language" else meta.get(key)
        if not any(_value_matches(have, w) for w in wanted):
            return False
    return True


def facets(documents: Iterable[Mapping[str, Any]], keys: tuple[str, ...] = ("organisation", "year", "session",
                                                                               "language")) -> dict[str, list]:
    """The values each filter key takes in the corpus (for the page's selectors)."""
    out: dict[str, set] = {k: set() for k in keys}
    for d in documents:
        for k in keys:
            v = d.get("language") if k == "language" else (d.get("metadata") or {}).get(k)
            if v not in (None, ""):
                out[k].add(v)
    return {k: sorted(v, key=str) for k, v in out.items() if v}
