"""Which cap counters a connected call lands in: the target's clock hour, day and month.

The time zone is the target schedule's, else the campaign's. The hour key carries the UTC
offset, so the two 01:00 hours of a fall-back night are two counters (each a real hour), while
the day and month keys are plain local dates (a 23- or 25-hour day is still one day).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from ivr.plans.schema import Campaign, Target
from ivr.routing.schedule import zone


@dataclass(frozen=True, slots=True)
class CapPeriods:
    hour_key: str  # "2026-11-01T01-0400"
    day_key: str  # "2026-11-01"
    month_key: str  # "2026-11"
    hour_start: datetime  # UTC start of each period, for counting calls in the store
    day_start: datetime
    month_start: datetime


def cap_timezone(target: Target, campaign: Campaign) -> str:
    return target.schedule.timezone if target.schedule is not None else campaign.timezone


def cap_periods(target: Target, campaign: Campaign, at: datetime) -> CapPeriods:
    return periods_at(cap_timezone(target, campaign), slot_of(at))


# Every UTC offset in use is a multiple of 15 minutes, and clocks change on such a boundary too,
# so a local hour (and so its day and month) never starts inside a 15-minute slot of UTC: the
# periods are those of the slot. Cached, since every claim and every loads read asks for them.
SLOT_S = 900


def slot_of(at: datetime) -> int:
    """The 15-minute slot of UTC that ``at`` falls in: every instant in it has the same cap
    periods, in every time zone."""
    return int(at.timestamp()) // SLOT_S


@functools.lru_cache(maxsize=4_096)
def periods_at(timezone: str, slot: int) -> CapPeriods:
    """The periods of the ``slot``-th 15 minutes since the epoch, in ``timezone``."""
    tz = zone(timezone)
    local = datetime.fromtimestamp(slot * SLOT_S, UTC).astimezone(tz)
    hour = local.replace(minute=0, second=0, microsecond=0)
    day = datetime(local.year, local.month, local.day, tzinfo=tz)
    month = datetime(local.year, local.month, 1, tzinfo=tz)
    return CapPeriods(
        hour_key=f"{local:%Y-%m-%dT%H%z}",
        day_key=f"{local:%Y-%m-%d}",
        month_key=f"{local:%Y-%m}",
        hour_start=hour.astimezone(UTC),
        day_start=day.astimezone(UTC),
        month_start=month.astimezone(UTC),
    )
