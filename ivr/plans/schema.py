"""The call plan: everything an admin configures, as typed, validated models.

A plan is what a YAML file holds (see ``ivr/plans/demo.yaml``). Each model checks itself;
cross-references (a number naming a campaign, a campaign naming a menu) are checked in
``ivr.plans.validate``. Unknown keys are errors everywhere (``extra="forbid"``).

These models are plain data: business rules (routing, billing, menus) read them directly.
"""

from __future__ import annotations

import itertools
import re
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    field_validator,
    model_validator,
)
from pydantic import Tag as UnionTag

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


# --- parties -------------------------------------------------------------------------------


class Publisher(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=200)


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


class Schedule(Strict):
    """Weekly opening hours in the target's time zone. A day left out is closed."""

    timezone: TimeZone
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[TimeRange]]

    @field_validator("hours", mode="before")
    @classmethod
    def _compact_ranges(cls, value: object) -> object:
        if isinstance(value, dict):
            return {day: _parse_ranges(ranges) for day, ranges in value.items()}
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> Schedule:
        for day, ranges in self.hours.items():
            ordered = sorted(ranges, key=lambda r: r.start)
            for earlier, later in itertools.pairwise(ordered):
                if later.start < earlier.end:
                    raise ValueError(
                        f"{day}: {earlier.start:%H:%M}-{earlier.end:%H:%M} overlaps "
                        f"{later.start:%H:%M}-{later.end:%H:%M}"
                    )
        return self


class Caps(Strict):
    """Most connected calls a target takes per clock hour, day and month (its time zone)."""

    hourly: int | None = Field(default=None, ge=0)
    daily: int | None = Field(default=None, ge=0)
    monthly: int | None = Field(default=None, ge=0)


class Target(Strict):
    """One line of a buyer: where a call is bridged, and what it accepts."""

    id: Slug
    name: str = Field(default="", max_length=200)
    # Exactly one destination: a PJSIP endpoint defined in asterisk_conf, an E.164 number sent
    # through the outbound trunk, or a SIP URI.
    endpoint: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    number: E164 | None = None
    sip_uri: str | None = Field(default=None, pattern=r"^sips?:[^\s,|&;\"'()]{3,200}$")
    ring_timeout_s: int = Field(default=20, ge=1, le=300)
    concurrency: int | None = Field(default=None, ge=0)
    caps: Caps = Caps()
    schedule: Schedule | None = None
    states: list[StateCode] = []
    area_codes: list[AreaCode] = []
    zip_prefixes: list[ZipPrefix] = []
    required_tags: list[Tag] = []
    min_billable_s: int | None = Field(default=None, ge=0)
    revenue: Money = Decimal("0")
    priority: int = Field(default=1, ge=1, le=100)
    weight: int = Field(default=1, ge=1, le=1000)
    enabled: bool = True

    @model_validator(mode="after")
    def _one_destination(self) -> Target:
        given = [d for d in (self.endpoint, self.number, self.sip_uri) if d is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of endpoint, number or sip_uri")
        return self


class Buyer(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    targets: list[Target] = []


# --- campaigns -----------------------------------------------------------------------------


class FixedPayout(Strict):
    fixed: Money


class RevenueSharePayout(Strict):
    revenue_share: Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]


def _payout_kind(value: object) -> str | None:
    """Which payout a mapping is, by its one key, so an error names one kind, not both."""
    if isinstance(value, FixedPayout | RevenueSharePayout):
        return "fixed" if isinstance(value, FixedPayout) else "revenue_share"
    if isinstance(value, dict):
        kinds = [kind for kind in ("fixed", "revenue_share") if kind in value]
        return kinds[0] if len(kinds) == 1 else None
    return None


Payout = Annotated[
    Annotated[FixedPayout, UnionTag("fixed")]
    | Annotated[RevenueSharePayout, UnionTag("revenue_share")],
    Discriminator(
        _payout_kind,
        custom_error_type="payout_kind",
        custom_error_message="give exactly one of 'fixed: <amount>' or 'revenue_share: <0..1>'",
    ),
]


class CampaignPublisher(Strict):
    """A publisher allowed on a campaign, and what it earns for a billable call."""

    publisher: Slug
    payout: Payout


class CampaignTarget(Strict):
    """A target the campaign may route to; priority and weight may be overridden per campaign."""

    target: Slug
    priority: int | None = Field(default=None, ge=1, le=100)
    weight: int | None = Field(default=None, ge=1, le=1000)


class DuplicateAction(StrEnum):
    ROUTE_UNBILLABLE = "route_unbillable"
    REJECT = "reject"


class Screening(Strict):
    block_anonymous: bool = True
    blocklist: list[E164] = []
    # Repeat-call velocity: more than this many calls from one caller within the window is refused.
    max_calls_per_caller: int | None = Field(default=None, ge=1)
    velocity_window_minutes: int = Field(default=60, ge=1, le=10080)
    duplicate_action: DuplicateAction = DuplicateAction.ROUTE_UNBILLABLE


class Recording(Strict):
    enabled: bool = False
    announce: bool = False
    announce_prompt: PromptName = "ivr-call-recorded"


class Fallback(Strict):
    """Where a call goes when every target failed: a number or endpoint, else a message."""

    number: E164 | None = None
    endpoint: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    prompt: PromptName = "ivr-all-busy"
    ring_timeout_s: int = Field(default=30, ge=1, le=300)

    @model_validator(mode="after")
    def _at_most_one(self) -> Fallback:
        if self.number is not None and self.endpoint is not None:
            raise ValueError("give number or endpoint, not both")
        return self


class Campaign(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    timezone: TimeZone = "America/New_York"
    publishers: list[CampaignPublisher] = Field(min_length=1)
    targets: list[CampaignTarget] = Field(min_length=1)
    menu: Slug | None = None
    billable_after_s: int = Field(default=60, ge=0, le=86400)
    dedupe_days: int = Field(default=30, ge=0, le=3650)
    recording: Recording = Recording()
    screening: Screening = Screening()
    fallback: Fallback = Fallback()
    enabled: bool = True


class TrackingNumber(Strict):
    number: E164
    campaign: Slug
    publisher: Slug


# --- menus ---------------------------------------------------------------------------------


class PlayNode(Strict):
    type: Literal["play"]
    prompt: PromptName
    barge_in: str = Field(default="", pattern=r"^[0-9*#]*$")
    next: Slug


class MenuNode(Strict):
    """Press a digit to go on: tries, timeout, invalid-input prompt and a failure exit."""

    type: Literal["menu"]
    prompt: PromptName
    options: dict[Digit, Slug] = Field(min_length=1)
    tries: int = Field(default=3, ge=1, le=10)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    invalid_prompt: PromptName | None = "ivr-invalid"
    timeout_prompt: PromptName | None = None
    failure: Slug


class GatherNode(Strict):
    """Read N digits, validated (``zip``: a 5-digit US ZIP, or a regular expression)."""

    type: Literal["gather"]
    prompt: PromptName
    digits: int = Field(ge=1, le=32)
    validate_as: Literal["zip", "digits"] | None = "digits"
    pattern: str | None = None
    save_as: Slug = "input"
    tries: int = Field(default=3, ge=1, le=10)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    invalid_prompt: PromptName | None = "ivr-invalid"
    next: Slug
    failure: Slug

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return value


class BranchCase(Strict):
    """One test of a branch; the first case that holds wins."""

    tag: Tag | None = None
    states: list[StateCode] = []
    hours: list[TimeRange] = []
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = []
    next: Slug

    @field_validator("hours", mode="before")
    @classmethod
    def _compact(cls, value: object) -> object:
        return _parse_ranges(value)

    @model_validator(mode="after")
    def _tests_something(self) -> BranchCase:
        if self.tag is None and not self.states and not self.hours and not self.days:
            raise ValueError("a case needs tag, states, hours or days")
        return self


class BranchNode(Strict):
    type: Literal["branch"]
    cases: list[BranchCase] = Field(min_length=1)
    default: Slug


class TagNode(Strict):
    type: Literal["tag"]
    tags: list[Tag] = Field(min_length=1)
    next: Slug


class RouteNode(Strict):
    type: Literal["route"]


class HangupNode(Strict):
    """End the call here; ``disposition`` says why (``filtered`` for a caller screened out)."""

    type: Literal["hangup"]
    prompt: PromptName | None = None
    disposition: Literal["filtered", "ivr_hangup", "failed_ivr"] = "filtered"


Node = Annotated[
    PlayNode | MenuNode | GatherNode | BranchNode | TagNode | RouteNode | HangupNode,
    Field(discriminator="type"),
]


class Menu(Strict):
    id: Slug
    name: str = Field(default="", max_length=200)
    start: Slug
    nodes: dict[Slug, Node] = Field(min_length=1)


# --- the whole plan ------------------------------------------------------------------------


class Plan(Strict):
    """One or more YAML files merged: every section is optional in a single file."""

    publishers: list[Publisher] = []
    buyers: list[Buyer] = []
    campaigns: list[Campaign] = []
    numbers: list[TrackingNumber] = []
    menus: list[Menu] = []

    def targets(self) -> dict[str, Target]:
        return {t.id: t for b in self.buyers for t in b.targets}

    def target_buyers(self) -> dict[str, str]:
        return {t.id: b.id for b in self.buyers for t in b.targets}
