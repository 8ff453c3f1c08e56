"""Phone-number facts: E.164 numbers, caller-ID classes, area code and ZIP to US state."""

from ivr.geo.callerid import CallerId, CallerKind, classify_caller, presentation_restricted
from ivr.geo.numbers import nanp_area_code, normalize_number, parse_number
from ivr.geo.regions import state_of_area_code, state_of_zip

__all__ = [
    "CallerId",
    "CallerKind",
    "classify_caller",
    "nanp_area_code",
    "normalize_number",
    "parse_number",
    "presentation_restricted",
    "state_of_area_code",
    "state_of_zip",
]
