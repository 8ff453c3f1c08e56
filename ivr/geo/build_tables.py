"""Regenerate the two data files of ``ivr.geo`` (run: ``python -m ivr.geo.build_tables``).

* ``area_code_states.txt``: NANP area code -> US state, from phonenumbers' own geocoder data
  (the library the app already uses). Each ``1NPA...`` prefix there is described either by a
  state name ("Illinois") or "City, ST" ("Chicago, IL"); the area-code-wide entry wins, else the
  state named by most of its exchanges. Only area codes phonenumbers places in the US or Puerto
  Rico are kept, so Canadian and Caribbean codes map to nothing.
* ``zip_states.txt``: 3-digit ZIP prefix -> state, the state holding most ZIP codes of that
  prefix in the ``zipcodes`` package (USPS data, offline), plus every 5-digit ZIP whose state
  differs from its prefix's (e.g. 06390, Fishers Island NY, inside Connecticut's 063). Military
  (AA/AE/AP) and territories other than PR are left out: they are not plan states.

``zipcodes`` is needed only here (``pip install zipcodes``), never at run time.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import phonenumbers
from phonenumbers import geodata

from ivr.plans.schema import US_STATES

HERE = Path(__file__).resolve().parent
STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA",
    "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE", "Washington D.C.": "DC",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
    "Puerto Rico": "PR",
}  # fmt: skip
CITY_STATE_RE = re.compile(r", ([A-Z]{2})$")
AREA_WIDE_WEIGHT = 1_000_000  # an area-code-wide description outweighs any exchange count


def _state_of_description(description: str) -> str | None:
    match = CITY_STATE_RE.search(description)
    state = match.group(1) if match else STATE_NAMES.get(description)
    return state if state in US_STATES else None


def _region_of_area_code(npa: str) -> str | None:
    return phonenumbers.region_code_for_number(phonenumbers.parse(f"+1{npa}2345678"))


def area_code_states() -> dict[str, str]:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for prefix, names in geodata.GEOCODE_DATA.items():
        if not prefix.startswith("1") or len(prefix) < 4:
            continue
        state = _state_of_description(names.get("en", ""))
        if state is not None:
            votes[prefix[1:4]][state] += AREA_WIDE_WEIGHT if len(prefix) == 4 else 1
    table = {npa: count.most_common(1)[0][0] for npa, count in votes.items()}
    for npa in (f"{n}" for n in range(200, 1000)):
        if _region_of_area_code(npa) == "PR":
            table[npa] = "PR"
    return {npa: st for npa, st in table.items() if _region_of_area_code(npa) in ("US", "PR")}


def zip_states(records: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """(zip5, state) records -> (prefix table, 5-digit exceptions)."""
    rows = list(records)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for zip5, state in rows:
        votes[zip5[:3]][state] += 1
    prefixes = {p: c.most_common(1)[0][0] for p, c in votes.items()}
    prefixes = {p: st for p, st in prefixes.items() if st in US_STATES}
    exceptions = {
        zip5: state
        for zip5, state in rows
        if state in US_STATES and prefixes.get(zip5[:3]) != state
    }
    return prefixes, exceptions


def _write(path: Path, header: str, table: dict[str, str]) -> None:
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"{key} {value}" for key, value in sorted(table.items())]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def main() -> None:
    zipcodes = importlib.import_module("zipcodes")  # build-time only: not a dependency

    _write(
        HERE / "area_code_states.txt",
        "NANP area code -> US state (PR included). Built by ivr/geo/build_tables.py from\n"
        f"phonenumbers {phonenumbers.__version__} geocoder data.",
        area_code_states(),
    )
    prefixes, exceptions = zip_states((z["zip_code"], z["state"]) for z in zipcodes.list_all())
    _write(
        HERE / "zip_states.txt",
        "3-digit ZIP prefix -> state, then 5-digit ZIPs whose state differs from their prefix's.\n"
        "Built by ivr/geo/build_tables.py from the zipcodes package (USPS data).",
        {**prefixes, **exceptions},
    )


if __name__ == "__main__":
    main()
