from datetime import timedelta

import pytest
from rules_plan import make_campaign, utc

from ivr.geo import classify_caller
from ivr.plans.schema import Screening
from ivr.screening import (
    CallerHistory,
    ScreenReason,
    dedupe_window_start,
    screen_caller,
    velocity_window_start,
)

NOW = utc(2026, 11, 21, 15, 0, 0)
GOOD = classify_caller("+13125550100", "Bob", "0")
NONE = CallerHistory()


def screen(caller=GOOD, history=NONE, **screening):  # type: ignore[no-untyped-def]
    campaign_fields = {k: screening.pop(k) for k in ("dedupe_days",) if k in screening}
    campaign = make_campaign(screening=screening, **campaign_fields)
    return screen_caller(campaign.screening, caller, history, campaign, NOW)


def test_clean_caller_is_accepted_and_billable() -> None:
    decision = screen()
    assert (decision.accept, decision.billable, decision.reason) == (
        True,
        True,
        ScreenReason.ACCEPTED,
    )


def test_blocklisted_number_is_rejected_even_when_presentation_is_restricted() -> None:
    for pres in ("0", "32"):
        caller = classify_caller("3125550100", "", pres)
        decision = screen(caller, blocklist=["+13125550100"])
        assert not decision.accept and decision.reason is ScreenReason.BLOCKED
    assert screen(blocklist=["+12125550100"]).accept


@pytest.mark.parametrize(
    ("callerid", "pres"), [("anonymous", "0"), ("", "0"), ("3125550100", "32")]
)
def test_anonymous_caller_rejected_when_blocked(callerid: str, pres: str) -> None:
    caller = classify_caller(callerid, "Anonymous", pres)
    decision = screen(caller)
    assert not decision.accept and not decision.billable
    assert decision.reason is ScreenReason.ANONYMOUS


def test_invalid_caller_rejected_when_anonymous_callers_are_blocked() -> None:
    caller = classify_caller("carrier", "Carrier Test", "0")
    assert screen(caller).reason is ScreenReason.INVALID_CALLER
    assert not screen(caller).accept


def test_anonymous_and_invalid_pass_when_allowed_without_history_checks() -> None:
    busy = CallerHistory(recent_calls=99, last_campaign_call_at=NOW - timedelta(minutes=1))
    for caller in (classify_caller("anonymous", "", "0"), classify_caller("carrier", "", "0")):
        decision = screen(caller, busy, block_anonymous=False, max_calls_per_caller=1)
        assert decision.accept and decision.billable


def test_restricted_caller_with_a_number_still_gets_velocity_when_allowed() -> None:
    caller = classify_caller("3125550100", "", "32")
    decision = screen(
        caller, CallerHistory(recent_calls=2), block_anonymous=False, max_calls_per_caller=2
    )
    assert decision.reason is ScreenReason.VELOCITY


def test_velocity_limit_counts_this_call() -> None:
    assert screen(GOOD, CallerHistory(recent_calls=2), max_calls_per_caller=3).accept  # 3rd: ok
    decision = screen(GOOD, CallerHistory(recent_calls=3), max_calls_per_caller=3)  # 4th
    assert not decision.accept and decision.reason is ScreenReason.VELOCITY
    assert decision.detail == "4 calls in 60 min > 3"
    assert screen(GOOD, CallerHistory(recent_calls=1000)).accept  # no limit set


def test_velocity_window_is_open_on_the_old_side() -> None:
    screening = Screening(velocity_window_minutes=15)
    assert velocity_window_start(screening, NOW) == NOW - timedelta(minutes=15)


def test_dedupe_window_start_and_off_switch() -> None:
    assert dedupe_window_start(make_campaign(dedupe_days=30), NOW) == NOW - timedelta(days=30)
    assert dedupe_window_start(make_campaign(dedupe_days=0), NOW) is None


@pytest.mark.parametrize(
    ("ago", "duplicate"),
    [
        (timedelta(days=30), False),  # exactly dedupe_days ago: outside
        (timedelta(days=30) - timedelta(microseconds=1), True),  # just inside
        (timedelta(days=30, seconds=1), False),
        (timedelta(0), True),
        (timedelta(seconds=-5), True),  # a clock a little ahead still counts
    ],
)
def test_duplicate_window_boundary(ago: timedelta, duplicate: bool) -> None:
    history = CallerHistory(last_campaign_call_at=NOW - ago)
    decision = screen(GOOD, history, dedupe_days=30)
    assert (decision.reason is ScreenReason.DUPLICATE) is duplicate
    assert decision.accept  # route_unbillable is the default
    assert decision.billable is not duplicate


def test_duplicate_rejected_when_action_is_reject() -> None:
    history = CallerHistory(last_campaign_call_at=NOW - timedelta(days=1))
    decision = screen(GOOD, history, duplicate_action="reject")
    assert not decision.accept and decision.reason is ScreenReason.DUPLICATE


def test_dedupe_days_zero_disables_duplicates() -> None:
    history = CallerHistory(last_campaign_call_at=NOW - timedelta(seconds=1))
    assert screen(GOOD, history, dedupe_days=0).reason is ScreenReason.ACCEPTED


def test_first_failing_rule_wins() -> None:
    history = CallerHistory(recent_calls=5, last_campaign_call_at=NOW - timedelta(hours=1))
    blocked = screen(GOOD, history, blocklist=["+13125550100"], max_calls_per_caller=1)
    assert blocked.reason is ScreenReason.BLOCKED
    assert screen(GOOD, history, max_calls_per_caller=1).reason is ScreenReason.VELOCITY
