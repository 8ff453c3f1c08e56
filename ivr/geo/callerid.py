"""What the caller ID of a call says: anonymous, unusable, or a real number.

Seen from a real Asterisk 22 (shared/asterisk corpus 08a-08g): a withheld From arrives as
``agi_callerid: anonymous`` / ``agi_calleridname: Anonymous`` with ``agi_callingpres: 0`` (PJSIP
ignores ``Privacy: id`` on an untrusted trunk); a trusted trunk with P-Asserted-Identity and
Privacy gives the real number with ``agi_callingpres: 32`` (prohibited). So anonymity is told by
the number text *and* by the presentation; a restricted caller's number is still kept, because
blocklists, velocity and duplicates must work on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ivr.geo.numbers import nanp_area_code, normalize_number
from ivr.geo.regions import state_of_area_code

# Number texts carriers and SIP stacks use for "no caller ID" (compared lower-case).
ANONYMOUS_TEXTS = frozenset(
    {"", "anonymous", "unknown", "restricted", "private", "unavailable", "withheld", "blocked"}
)
# Asterisk presentation: bits 0x60 give the restriction (0x00 allowed, 0x20 prohibited,
# 0x40 number unavailable); CALLERID(pres) gives the same as names.
_RESTRICTION_MASK = 0x60
_RESTRICTED_NAMES = ("prohib", "unavailable")


class CallerKind(StrEnum):
    VALID = "valid"
    ANONYMOUS = "anonymous"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class CallerId:
    kind: CallerKind
    number: str | None  # E.164 when the number is valid, even for a restricted presentation
    area_code: str | None  # NANP area code of ``number``
    state: str | None  # US state of ``area_code``, when it is a geographic US one
    restricted: bool  # presentation prohibited or unavailable
    raw: str  # the caller ID text as received


def presentation_restricted(callingpres: str) -> bool:
    """``agi_callingpres`` (``0``, ``32``...) or a CALLERID(pres) name -> is it withheld?"""
    text = callingpres.strip().lower()
    if text.isdigit():
        return int(text) & _RESTRICTION_MASK in (0x20, 0x40)
    return text.startswith(_RESTRICTED_NAMES)


def classify_caller(callerid: str, calleridname: str = "", callingpres: str = "0") -> CallerId:
    raw = callerid.strip()
    restricted = presentation_restricted(callingpres)
    number = None if raw.lower() in ANONYMOUS_TEXTS else normalize_number(raw)
    area_code = nanp_area_code(number) if number else None
    if restricted or raw.lower() in ANONYMOUS_TEXTS:
        kind = CallerKind.ANONYMOUS
    elif number is None:
        # Non-numeric text under an "Anonymous" display name is a withheld ID, not a bad one.
        named_anonymous = calleridname.strip().lower() in ANONYMOUS_TEXTS - {""}
        has_digits = any(ch.isdigit() for ch in raw)
        kind = CallerKind.ANONYMOUS if named_anonymous and not has_digits else CallerKind.INVALID
    else:
        kind = CallerKind.VALID
    return CallerId(kind, number, area_code, state_of_area_code(area_code), restricted, raw)
