import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rules_plan import make_campaign, make_target, utc

from ivr.routing import cap_periods, cap_timezone

CHICAGO = {"timezone": "America/Chicago", "hours": {"mon": ["09:00-17:00"]}}


def test_periods_follow_the_target_schedule_zone() -> None:
    target = make_target(schedule=CHICAGO)
    campaign = make_campaign(timezone="America/New_York")
    assert cap_timezone(target, campaign) == "America/Chicago"
    periods = cap_periods(target, campaign, utc(2026, 11, 24, 5, 30))  # Mon 23:30 CST
    assert (periods.hour_key, periods.day_key, periods.month_key) == (
        "2026-11-23T23-0600",
        "2026-11-23",
        "2026-11",
    )
    assert periods.hour_start == utc(2026, 11, 24, 5, 0)
    assert periods.day_start == utc(2026, 11, 23, 6, 0)
    assert periods.month_start == utc(2026, 11, 1, 5, 0)  # Nov 1 00:00 was still CDT


def test_target_without_schedule_uses_the_campaign_zone() -> None:
    target = make_target()
    campaign = make_campaign(timezone="America/New_York")
    assert cap_timezone(target, campaign) == "America/New_York"
    assert cap_periods(target, campaign, utc(2026, 12, 1, 4, 59, 59)).month_key == "2026-11"
    assert cap_periods(target, campaign, utc(2026, 12, 1, 5, 0, 0)).month_key == "2026-12"
    assert cap_periods(target, campaign, utc(2026, 12, 1, 5, 0, 0)).day_key == "2026-12-01"


def test_repeated_fall_back_hour_is_two_counters_in_one_day() -> None:
    target = make_target()
    campaign = make_campaign(timezone="America/New_York")
    first = cap_periods(target, campaign, utc(2026, 11, 1, 5, 30))  # 01:30 EDT
    second = cap_periods(target, campaign, utc(2026, 11, 1, 6, 30))  # 01:30 EST
    assert first.hour_key == "2026-11-01T01-0400"
    assert second.hour_key == "2026-11-01T01-0500"
    assert (first.hour_start, second.hour_start) == (utc(2026, 11, 1, 5), utc(2026, 11, 1, 6))
    assert first.day_key == second.day_key == "2026-11-01"
    assert first.day_start == second.day_start == utc(2026, 11, 1, 4)


def test_half_hour_offset_zone_hours() -> None:
    target = make_target(schedule={"timezone": "Asia/Kolkata", "hours": {}})
    periods = cap_periods(target, make_campaign(), utc(2026, 11, 23, 18, 45))  # 00:15 IST
    assert periods.hour_key == "2026-11-24T00+0530"
    assert periods.hour_start == utc(2026, 11, 23, 18, 30)
    assert periods.day_start == utc(2026, 11, 23, 18, 30)


def _periods_computed_at(timezone: str, at: datetime) -> tuple[object, ...]:
    """The periods from ``at`` itself, with no slot: what the cached slots must agree with."""
    tz = ZoneInfo(timezone)
    local = at.astimezone(tz)
    hour = local.replace(minute=0, second=0, microsecond=0)
    day = datetime(local.year, local.month, local.day, tzinfo=tz)
    month = datetime(local.year, local.month, 1, tzinfo=tz)
    return (f"{local:%Y-%m-%dT%H%z}", f"{local:%Y-%m-%d}", f"{local:%Y-%m}",
            hour.astimezone(UTC), day.astimezone(UTC), month.astimezone(UTC))  # fmt: skip


def test_periods_of_a_15_minute_slot_are_those_of_every_instant_in_it() -> None:
    """Instants across two years of clock changes, in zones with 30- and 45-minute offsets and
    a 30-minute clock change (Lord Howe), on and just beside slot boundaries."""
    rng = random.Random(11)
    zones = ["America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
             "Pacific/Chatham", "Europe/London", "America/St_Johns"]  # fmt: skip
    start = utc(2026, 1, 1).timestamp()
    instants = [start + rng.uniform(0, 2 * 365 * 86400) for _ in range(3000)]
    instants += [start + 900 * rng.randrange(70_000) + edge for edge in (0, -1e-6, 1e-6)
                 for _ in range(300)]  # fmt: skip
    for timezone in zones:
        target = make_target(schedule={"timezone": timezone, "hours": {}})
        for seconds in instants:
            at = datetime.fromtimestamp(seconds, UTC)
            p = cap_periods(target, make_campaign(), at)
            cached = (p.hour_key, p.day_key, p.month_key, p.hour_start, p.day_start, p.month_start)
            assert cached == _periods_computed_at(timezone, at), (timezone, at)
