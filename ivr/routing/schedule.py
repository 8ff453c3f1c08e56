"""Weekly opening hours compiled once per schedule, asked "open at this instant?" per call.

A range is start-inclusive, end-exclusive, in the schedule's own time zone, on wall-clock time:
on a DST change day, 09:00-17:00 still means 09:00-17:00 local, and a wall-clock hour that
occurs twice (fall back) is open both times. A plan cannot write 24:00, so an end of 23:59 or
later means "until midnight" (schema: "24:00 is 23:59").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ivr.plans.schema import WEEKDAYS, Schedule, TimeRange

END_OF_DAY = time(23, 59)
# (start, end) with end None = until midnight; one tuple of ranges per weekday, Monday first.
DayRanges = tuple[tuple[time, time | None], ...]

_zones: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    """ZoneInfo by name, looked up once: constructing one per call is measurably slow."""
    found = _zones.get(name)
    if found is None:
        found = _zones[name] = ZoneInfo(name)
    return found


@dataclass(frozen=True, slots=True)
class CompiledSchedule:
    tz: ZoneInfo
    tz_name: str
    days: tuple[DayRanges, ...]

    def is_open(self, local: datetime) -> bool:
        """``local`` is the instant already converted to ``tz``."""
        now = local.time()
        for start, end in self.days[local.weekday()]:
            if start <= now and (end is None or now < end):
                return True
        return False

    def next_opening(self, local: datetime) -> str:
        """Human text of the next range start after ``local`` (wall clock), for reports."""
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for start, _ in self.days[day.weekday()]:
                if offset > 0 or start > local.time():
                    return f"opens {WEEKDAYS[day.weekday()]} {start:%H:%M} {self.tz_name}"
        return f"no opening hours ({self.tz_name})"


def compile_schedule(schedule: Schedule) -> CompiledSchedule:
    by_day: dict[str, list[TimeRange]] = dict(schedule.hours.items())
    days: list[DayRanges] = []
    for name in WEEKDAYS:
        ranges = sorted(by_day.get(name, []), key=lambda r: r.start)
        days.append(tuple((r.start, None if r.end >= END_OF_DAY else r.end) for r in ranges))
    return CompiledSchedule(zone(schedule.timezone), schedule.timezone, tuple(days))
