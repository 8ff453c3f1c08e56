"""The value types of the call plan: slugs, E.164 numbers, time zones, money, states, times.

Each one validates itself with a message a plan author can act on. ``Strict`` is the base of
every plan model: unknown keys are errors, and models are frozen.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise ValueError(
            "must be a slug: lower-case letters, digits, '-' or '_',"
            " starting with a letter or digit"
        )
    return value


def _e164(value: str) -> str:
    """Accept only numbers already written in E.164 (``+`` and country code)."""
    if not value.startswith("+"):
        raise ValueError(f"{value!r} is not E.164: it must start with '+' and the country code")
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{value!r} is not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{value!r} is not a valid phone number")
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if formatted != value:
        raise ValueError(f"{value!r} is not E.164: write it as {formatted}")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


def _int_as_text(value: object) -> object:
    """YAML reads ``1`` or ``212`` unquoted as a number; digits here are text (keys, codes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Slug = Annotated[str, AfterValidator(_slug)]
E164 = Annotated[str, BeforeValidator(_int_as_text), AfterValidator(_e164)]
TimeZone = Annotated[str, AfterValidator(_timezone)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=4)]
Digit = Annotated[str, BeforeValidator(_int_as_text), Field(pattern=r"^[0-9*#]$")]
PromptName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,127}$")]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.:-]{0,62}$")]
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split()
)


def _state(value: str) -> str:
    if value.upper() not in US_STATES:
        raise ValueError(f"unknown US state code {value!r}")
    return value.upper()


StateCode = Annotated[str, AfterValidator(_state)]
AreaCode = Annotated[str, BeforeValidator(_int_as_text), Field(pattern=r"^[2-9][0-9]{2}$")]
ZipPrefix = Annotated[str, BeforeValidator(_int_as_text), Field(pattern=r"^[0-9]{3,5}$")]


class TimeRange(Strict):
    """Opening hours within one day: ``start`` inclusive, ``end`` exclusive (24:00 is 23:59)."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


def _parse_ranges(value: object) -> object:
    """Allow the compact form ``"09:00-17:00"`` for a range."""
    if isinstance(value, list):
        out: list[object] = []
        for item in value:
            if isinstance(item, str) and "-" in item:
                start, _, end = item.partition("-")
                out.append({"start": start.strip(), "end": end.strip()})
            else:
                out.append(item)
        return out
    return value
