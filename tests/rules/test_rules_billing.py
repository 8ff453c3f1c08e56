from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rules_plan import make_campaign, make_target

from ivr.billing import (
    CallOutcome,
    Money,
    Qualification,
    UnknownPublisher,
    payout_for,
    price,
    qualify,
)
from ivr.plans.schema import FixedPayout, RevenueSharePayout

CAMPAIGN = make_campaign(billable_after_s=60)
TARGET = make_target(revenue="25.00")
BILLABLE = Qualification(True, "billable")


def test_answered_long_enough_is_billable() -> None:
    q = qualify(CallOutcome(answered=True, talk_s=Decimal("60")), CAMPAIGN, TARGET)
    assert q == Qualification(True, "billable") and q.code == "billable"


@pytest.mark.parametrize(
    ("talk", "reason"),
    [
        (Decimal("59.999"), "short_call: 59.999s < 60s"),
        (42, "short_call: 42s < 60s"),
        (59.9, "short_call: 59.9s < 60s"),
        (Decimal("0"), "short_call: 0s < 60s"),
    ],
)
def test_short_call_below_the_campaign_threshold(talk: Decimal | float, reason: str) -> None:
    q = qualify(CallOutcome(answered=True, talk_s=talk), CAMPAIGN, TARGET)
    assert q == Qualification(False, reason) and q.code == "short_call"


def test_float_talk_exactly_at_threshold_counts() -> None:
    assert qualify(CallOutcome(True, 60.0), CAMPAIGN, TARGET).billable
    assert not qualify(CallOutcome(True, 59.99999), CAMPAIGN, TARGET).billable


def test_target_threshold_beats_the_campaigns_including_zero() -> None:
    strict = make_target(min_billable_s=90, revenue="25")
    assert qualify(CallOutcome(True, 75), CAMPAIGN, strict).reason == "short_call: 75s < 90s"
    lenient = make_target(min_billable_s=0, revenue="25")
    assert qualify(CallOutcome(True, 0), CAMPAIGN, lenient).billable
    assert qualify(CallOutcome(True, 75), CAMPAIGN, None).billable  # no target: campaign's


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (CallOutcome(answered=False, talk_s=0), "not_connected"),
        (CallOutcome(answered=False, talk_s=500, duplicate=True), "not_connected"),
        (CallOutcome(answered=True, talk_s=500, duplicate=True), "duplicate"),
        (CallOutcome(answered=True, talk_s=5, duplicate=True, geo_allowed=False), "duplicate"),
        (CallOutcome(answered=True, talk_s=500, geo_allowed=False), "out_of_area"),
        (CallOutcome(answered=True, talk_s=5, geo_allowed=False), "out_of_area"),
    ],
)
def test_not_billable_reasons_in_order(outcome: CallOutcome, reason: str) -> None:
    assert qualify(outcome, CAMPAIGN, TARGET) == Qualification(False, reason)


def assert_money(money: Money, revenue: str, payout: str, margin: str) -> None:
    for value in (money.revenue, money.payout, money.margin):
        assert type(value) is Decimal
        assert value.as_tuple().exponent == -4
    assert (money.revenue, money.payout, money.margin) == (
        Decimal(revenue),
        Decimal(payout),
        Decimal(margin),
    )


def test_fixed_payout_on_billable_call() -> None:
    assert_money(price(BILLABLE, TARGET, FixedPayout(fixed=Decimal("10"))), "25", "10", "15")


def test_fixed_payout_above_revenue_gives_negative_margin() -> None:
    money = price(BILLABLE, TARGET, FixedPayout(fixed=Decimal("30.5")))
    assert_money(money, "25", "30.5", "-5.5")


def test_revenue_share_rounds_half_to_even() -> None:
    target = make_target(revenue="12.3451")
    share = RevenueSharePayout(revenue_share=Decimal("0.5"))
    assert_money(price(BILLABLE, target, share), "12.3451", "6.1726", "6.1725")  # 6.17255
    target = make_target(revenue="12.3453")
    assert_money(price(BILLABLE, target, share), "12.3453", "6.1726", "6.1727")  # 6.17265


def test_nothing_moves_for_an_unbillable_call() -> None:
    for payout in (
        FixedPayout(fixed=Decimal("10")),
        RevenueSharePayout(revenue_share=Decimal("1")),
    ):
        assert_money(price(Qualification(False, "duplicate"), TARGET, payout), "0", "0", "0")


def test_billable_call_without_target_earns_nothing_but_pays_fixed() -> None:
    assert_money(price(BILLABLE, None, FixedPayout(fixed=Decimal("4"))), "0", "4", "-4")
    share = RevenueSharePayout(revenue_share=Decimal("0.4"))
    assert_money(price(BILLABLE, None, share), "0", "0", "0")


def test_payout_lookup() -> None:
    campaign = make_campaign(
        publishers=[
            {"publisher": "p1", "payout": {"fixed": "10"}},
            {"publisher": "p2", "payout": {"revenue_share": "0.35"}},
        ]
    )
    assert payout_for(campaign, "p1") == FixedPayout(fixed=Decimal("10"))
    assert payout_for(campaign, "p2") == RevenueSharePayout(revenue_share=Decimal("0.35"))
    with pytest.raises(UnknownPublisher, match="'p3' is not on campaign 'c1'"):
        payout_for(campaign, "p3")


money_amounts = st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False)
shares = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False)


@given(revenue=money_amounts, share=shares)
def test_revenue_share_properties(revenue: Decimal, share: Decimal) -> None:
    money = price(BILLABLE, make_target(revenue=revenue), RevenueSharePayout(revenue_share=share))
    assert money.revenue == revenue
    assert Decimal(0) <= money.payout <= money.revenue
    assert money.revenue == money.payout + money.margin  # exact: no cent lost
    assert abs(money.payout - revenue * share) <= Decimal("0.00005")
