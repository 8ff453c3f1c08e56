"""Should this caller get through, and may the call be billed? Pure rules, no store access.

Windows, both half-open on the old side so "within N" means strictly less than N ago:
* velocity: the store counts this caller's earlier calls that started in
  ``(now - velocity_window_minutes, now]`` (``velocity_window_start``); a call exactly one window
  ago no longer counts. ``max_calls_per_caller`` is the most calls allowed in a window, this one
  included, so the call is refused when the earlier calls already reach it.
* duplicate: a previous call from the same number on the same campaign that started in
  ``(now - dedupe_days days, now]`` (``dedupe_window_start``); exactly ``dedupe_days`` days ago
  is no longer a duplicate. ``dedupe_days = 0`` turns the check off.

Order: blocklist, anonymous, invalid caller ID, velocity, duplicate; the first that applies wins.
A caller without a usable number (anonymous or invalid) is refused only when the campaign blocks
anonymous callers; when it lets them in, there is no number to count or dedupe, so they pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ivr.geo.callerid import CallerId, CallerKind
from ivr.plans.schema import Campaign, DuplicateAction, Screening


@dataclass(frozen=True, slots=True)
class CallerHistory:
    """What the store knows about the caller, counted with the windows above."""

    recent_calls: int = 0  # earlier calls from this number inside the velocity window
    last_campaign_call_at: datetime | None = None  # start of its latest call on this campaign


class ScreenReason(StrEnum):
    ACCEPTED = "accepted"
    BLOCKED = "blocked"
    ANONYMOUS = "anonymous"
    INVALID_CALLER = "invalid_caller"
    VELOCITY = "velocity"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class ScreenDecision:
    accept: bool
    billable: bool  # False for a duplicate routed anyway (duplicate_action=route_unbillable)
    reason: ScreenReason
    detail: str


def velocity_window_start(screening: Screening, now: datetime) -> datetime:
    """Calls that started strictly after this instant count towards the velocity limit."""
    return now - timedelta(minutes=screening.velocity_window_minutes)


def dedupe_window_start(campaign: Campaign, now: datetime) -> datetime | None:
    """A previous call that started strictly after this instant makes a duplicate (None: off)."""
    if campaign.dedupe_days == 0:
        return None
    return now - timedelta(days=campaign.dedupe_days)


def _reject(reason: ScreenReason, detail: str) -> ScreenDecision:
    return ScreenDecision(accept=False, billable=False, reason=reason, detail=detail)


def _identity_check(screening: Screening, caller: CallerId) -> ScreenDecision | None:
    if caller.number is not None and caller.number in screening.blocklist:
        return _reject(ScreenReason.BLOCKED, f"{caller.number} is on the blocklist")
    if not screening.block_anonymous:
        return None
    if caller.kind is CallerKind.ANONYMOUS:
        return _reject(ScreenReason.ANONYMOUS, f"caller ID withheld ({caller.raw!r})")
    if caller.kind is CallerKind.INVALID:
        return _reject(ScreenReason.INVALID_CALLER, f"caller ID {caller.raw!r} is not a number")
    return None


def _velocity_check(screening: Screening, history: CallerHistory) -> ScreenDecision | None:
    limit = screening.max_calls_per_caller
    if limit is not None and history.recent_calls >= limit:
        return _reject(
            ScreenReason.VELOCITY,
            f"{history.recent_calls + 1} calls in {screening.velocity_window_minutes} min"
            f" > {limit}",
        )
    return None


def _duplicate_check(
    screening: Screening, history: CallerHistory, campaign: Campaign, now: datetime
) -> ScreenDecision | None:
    start = dedupe_window_start(campaign, now)
    last = history.last_campaign_call_at
    if start is None or last is None or last <= start:
        return None
    detail = f"called campaign {campaign.id} at {last.isoformat()} (< {campaign.dedupe_days}d)"
    if screening.duplicate_action is DuplicateAction.REJECT:
        return _reject(ScreenReason.DUPLICATE, detail)
    return ScreenDecision(accept=True, billable=False, reason=ScreenReason.DUPLICATE, detail=detail)


def screen_caller(
    screening: Screening,
    caller: CallerId,
    history: CallerHistory,
    campaign: Campaign,
    now: datetime,
) -> ScreenDecision:
    decision = _identity_check(screening, caller)
    if decision is None and caller.number is not None:
        decision = _velocity_check(screening, history) or _duplicate_check(
            screening, history, campaign, now
        )
    return decision or ScreenDecision(
        accept=True, billable=True, reason=ScreenReason.ACCEPTED, detail="accepted"
    )
