"""The call plan: everything an admin configures, as typed, validated models.

A plan is what a YAML file holds (see ``ivr/plans/demo.yaml``). Each model checks itself;
cross-references (a number naming a campaign, a campaign naming a menu) are checked in
``ivr.plans.validate``. Unknown keys are errors everywhere (``extra="forbid"``).

These models are plain data: business rules (routing, billing, menus) read them directly.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    Discriminator,
    Field,
    field_validator,
    model_validator,
)
from pydantic import Tag as UnionTag

from ivr.plans.fields import (
    E164,
    SLUG_RE,
    US_STATES,
    WEEKDAYS,
    AreaCode,
    Digit,
    Money,
    PromptName,
    Slug,
    StateCode,
    Strict,
    Tag,
    TimeRange,
    TimeZone,
    ZipPrefix,
    _parse_ranges,
)
from ivr.plans.menu_schema import (
    BranchCase,
    BranchNode,
    GatherNode,
    HangupNode,
    Menu,
    MenuNode,
    Node,
    PlayNode,
    RouteNode,
    TagNode,
)

# Plan models and business rules import every plan type from this one module.
__all__ = [
    "E164", "SLUG_RE", "US_STATES", "WEEKDAYS", "AreaCode", "BranchCase", "BranchNode", "Buyer",
    "Campaign", "CampaignPublisher", "CampaignTarget", "Caps", "Digit", "DuplicateAction",
    "Fallback", "FixedPayout", "GatherNode", "HangupNode", "Menu", "MenuNode", "Money", "Node",
    "Payout", "Plan", "PlayNode", "PromptName", "Publisher", "Recording", "RevenueSharePayout",
    "RouteNode", "Schedule", "Screening", "Slug", "StateCode", "Strict", "Tag", "TagNode",
    "Target", "TimeRange", "TimeZone", "TrackingNumber", "ZipPrefix",
]  # fmt: skip


class Publisher(Strict):
    id: Slug
    name: str = Field(min_length=1, max_length=200)


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
