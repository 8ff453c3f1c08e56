"""Phone numbers as the app keeps them: E.164, whatever form the carrier or caller sent."""

from __future__ import annotations

import functools

import phonenumbers

_URI_SCHEMES = ("sip:", "sips:", "tel:")


def _user_part(raw: str) -> str:
    """``<sip:+15551230004@host;user=phone>`` -> ``+15551230004``; other text is kept as is."""
    text = raw.strip().strip("<>")
    lowered = text.lower()
    for scheme in _URI_SCHEMES:
        if lowered.startswith(scheme):
            text = text[len(scheme) :]
            break
    else:
        return text
    return text.split("@", 1)[0].split(";", 1)[0]


def parse_number(raw: str, default_region: str = "US") -> phonenumbers.PhoneNumber | None:
    """The valid phone number in ``raw``, or None (unparseable, impossible or unassigned)."""
    text = _user_part(raw)
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


# A tracking number arrives on every call to it, and callers call again: parsing one with
# phonenumbers costs about as much as the rest of attribution, and the answer never changes.
NORMALIZED_CACHE = 4_096


@functools.lru_cache(maxsize=NORMALIZED_CACHE)
def normalize_number(raw: str, default_region: str = "US") -> str | None:
    """E.164 form of a DID or caller number (``18005550100``, ``8005550100``,
    ``+18005550100``, ``sip:+18005550100@host``), or None when it is not a valid number."""
    number = parse_number(raw, default_region)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def nanp_area_code(e164: str) -> str | None:
    """The area code of a NANP number in E.164 (``+13125550100`` -> ``312``), else None."""
    if len(e164) == 12 and e164.startswith("+1") and e164[2:].isdigit():
        return e164[2:5]
    return None
