"""Regenerate data/places.tsv: the names of countries and regions in the languages resqa reads,
from the Unicode CLDR as Babel ships it. Run `python -m resqa.tools.places` with Babel installed
(`pip install babel`; only this generator needs it). The file is committed: resqa reads it at
run time without Babel. CLDR's data is under the Unicode License (data/places.LICENSE)."""

from __future__ import annotations

import sys
from pathlib import Path

LANGUAGES = ("en", "fr", "es", "de", "ar", "ru")  # the UN's languages resqa folds, and German (the seed's)
SKIP = {"UN", "EZ", "ZZ", "QO", "XA", "XB", "001"}  # the UN itself, the euro area, placeholders, the world


def rows() -> list[tuple[str, str, str]]:
    from babel import Locale  # noqa: PLC0415 (a generator's own dependency)

    out = []
    for lang in LANGUAGES:
        for code, name in sorted(Locale(lang).territories.items()):
            if code not in SKIP:
                out.append((code, lang, name))
    return out


def main(argv: list[str] | None = None) -> int:
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "data" / "places.tsv"
    lines = ["# code\tlanguage\tname  (Unicode CLDR territory names via Babel; resqa.tools.places)"]
    lines += ["\t".join(r) for r in rows()]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 1} names -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
