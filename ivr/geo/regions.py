"""Where a caller is: US state of a NANP area code or of a ZIP code, from the shipped tables.

The tables are plain text files beside this module (``key STATE`` per line, ``#`` comments);
``build_tables.py`` says where they come from and regenerates them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


def _load(name: str) -> dict[str, str]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="ascii")
    table: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, state = line.split()
            table[key] = state
    return table


@cache
def _area_codes() -> dict[str, str]:
    return _load("area_code_states.txt")


@cache
def _zips() -> dict[str, str]:
    return _load("zip_states.txt")


def state_of_area_code(code: str | None) -> str | None:
    """``"312"`` -> ``"IL"``; None for a non-geographic (800), Canadian or unknown code."""
    if not code:
        return None
    return _area_codes().get(code)


def state_of_zip(zip5: str | None) -> str | None:
    """``"90210"`` -> ``"CA"``; the 5-digit exception list wins over the 3-digit prefix."""
    if not zip5 or len(zip5) != 5 or not zip5.isdigit():
        return None
    zips = _zips()
    return zips.get(zip5) or zips.get(zip5[:3])
