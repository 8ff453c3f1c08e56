"""``plan_to_yaml`` writes YAML that loads back to an equal Plan, readably and deterministically."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.plans.dump import plan_to_yaml
from ivr.plans.loader import load_plan_files
from ivr.plans.schema import (
    BranchCase,
    BranchNode,
    Buyer,
    Campaign,
    CampaignPublisher,
    CampaignTarget,
    Caps,
    Fallback,
    FixedPayout,
    GatherNode,
    HangupNode,
    Menu,
    MenuNode,
    Plan,
    PlayNode,
    Publisher,
    RevenueSharePayout,
    RouteNode,
    Schedule,
    TagNode,
    Target,
    TimeRange,
    TrackingNumber,
)
from ivr.plans.yaml_io import parse_yaml_text

from .conftest import DEMO_PLAN


def _reload(text: str) -> Plan:
    return Plan.model_validate(parse_yaml_text(text))


def test_demo_plan_round_trips_through_a_file(tmp_path: Path) -> None:
    plan = load_plan_files([DEMO_PLAN])
    text = plan_to_yaml(plan)
    path = tmp_path / "exported.yaml"
    path.write_text(text, encoding="utf-8")
    again = load_plan_files([path])
    assert again == plan
    assert plan_to_yaml(again) == text


def test_dump_is_readable_quoted_and_leaves_defaults_out() -> None:
    text = plan_to_yaml(load_plan_files([DEMO_PLAN]))
    assert 'mon: ["09:00-17:00"]' in text
    assert 'revenue: "35.00"' in text and 'fixed: "12.00"' in text
    assert 'number: "+18005550101"' in text
    assert "states: [NY, NJ, CT, PA]" in text
    assert "ring_timeout_s: 20" not in text  # the default
    assert "enabled: true" in text  # recording.enabled differs from its default
    assert text.index("publishers:") < text.index("buyers:") < text.index("campaigns:")


def test_days_come_out_in_week_order_and_seconds_survive() -> None:
    schedule = Schedule(
        timezone="UTC",
        hours={
            "sun": [TimeRange(start=time(10), end=time(12))],
            "mon": [TimeRange(start=time(8, 0, 30), end=time(9))],
        },
    )
    target = Target(id="t", endpoint="e", schedule=schedule)
    plan = Plan(buyers=[Buyer(id="b", name="B", targets=[target])])
    text = plan_to_yaml(plan)
    assert text.index("mon:") < text.index("sun:")
    assert '"08:00:30-09:00"' in text
    assert _reload(text) == plan


TRICKY_TEXT = st.sampled_from(
    [
        "yes",
        "no",
        "on",
        "1e3",
        "0.5",
        "+1",
        "12",
        "9:30",
        "a: b",
        "# x",
        "- y",
        "'q'",
        'say "hi"',
        "Café Ünïcode",
        "null",
        "~",
        "[x]",
        "{y}",
        "&a",
        "*b",
        "!tag",
        "%p",
        "@at",
        "`bt`",
    ]
)
NAMES = (
    st.one_of(
        TRICKY_TEXT,
        st.text(
            st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), min_size=1, max_size=30
        ),
    )
    .map(str.strip)
    .filter(bool)
)
MONEY = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
SHARE = st.decimals(min_value=0, max_value=1, places=4)
SLUG_IDS = st.lists(
    st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True), min_size=1, max_size=4, unique=True
)
NUMBERS = st.sampled_from(["+12125550123", "+18005550101", "+442079460018", "+33142685300"])


@st.composite
def ranges(draw: st.DrawFn) -> list[TimeRange]:
    points = sorted(draw(st.sets(st.integers(0, 23 * 60 + 59), min_size=0, max_size=6)))
    pairs = list(zip(points[::2], points[1::2], strict=False))
    return [TimeRange(start=time(a // 60, a % 60), end=time(b // 60, b % 60)) for a, b in pairs]


@st.composite
def targets(draw: st.DrawFn, target_id: str) -> Target:
    kind = draw(st.sampled_from(["endpoint", "number", "sip_uri"]))
    value = {"endpoint": "line-1", "number": draw(NUMBERS), "sip_uri": "sip:buyer@example.com"}[
        kind
    ]
    days = draw(st.sets(st.sampled_from(["mon", "tue", "sat", "sun"])))
    schedule = draw(
        st.none()
        | st.builds(
            lambda h: Schedule(timezone="America/Chicago", hours=h),
            st.fixed_dictionaries({d: ranges() for d in days}),
        )
    )
    caps = Caps(
        hourly=draw(st.none() | st.integers(0, 9)), monthly=draw(st.none() | st.integers(0, 9999))
    )
    return Target(
        id=target_id,
        name=draw(st.just("") | NAMES),
        schedule=schedule,
        caps=caps,
        states=draw(st.lists(st.sampled_from(["NY", "TX", "PR"]), max_size=3)),
        area_codes=draw(st.lists(st.sampled_from(["212", "415", "907"]), max_size=2)),
        zip_prefixes=draw(st.lists(st.sampled_from(["021", "10001", "606"]), max_size=2)),
        required_tags=draw(st.lists(st.sampled_from(["auto", "home", "a.b:c"]), max_size=2)),
        revenue=draw(MONEY),
        priority=draw(st.integers(1, 100)),
        enabled=draw(st.booleans()),
        **{kind: value},
    )


@st.composite
def menus(draw: st.DrawFn) -> Menu:
    tries = draw(st.integers(1, 10))
    timeout = draw(st.sampled_from([0.5, 5.0, 7.25, 60.0]))
    nodes = {
        "start": PlayNode(
            type="play", prompt="beep", barge_in=draw(st.sampled_from(["", "1#"])), next="pick"
        ),
        "pick": MenuNode(
            type="menu",
            prompt="digits/1",
            options={"1": "zip", "*": "start", "0": "end"},
            tries=tries,
            timeout_s=timeout,
            invalid_prompt=draw(st.none() | st.just("beep")),
            failure="end",
        ),
        "zip": GatherNode(
            type="gather",
            prompt="beep",
            digits=5,
            validate_as=draw(st.sampled_from(["zip", "digits", None])),
            pattern=draw(st.none() | st.just(r"^\d{5}$")),
            next="branch",
            failure="end",
        ),
        "branch": BranchNode(
            type="branch",
            default="tag",
            cases=[
                BranchCase(tag="auto", next="route"),
                BranchCase(
                    hours=draw(ranges()) or [TimeRange(start=time(9), end=time(17))],
                    days=["mon", "fri"],
                    states=["CA"],
                    next="end",
                ),
            ],
        ),
        "tag": TagNode(type="tag", tags=["auto", "x:y"], next="route"),
        "route": RouteNode(type="route"),
        "end": HangupNode(
            type="hangup",
            prompt=draw(st.none() | st.just("goodbye")),
            disposition=draw(st.sampled_from(["filtered", "ivr_hangup", "failed_ivr"])),
        ),
    }
    return Menu(id="m", name=draw(st.just("") | NAMES), start="start", nodes=nodes)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    pubs = [Publisher(id=i, name=draw(NAMES)) for i in draw(SLUG_IDS)]
    target_list = [draw(targets(f"t-{i}")) for i in draw(SLUG_IDS)]
    payouts = st.builds(FixedPayout, fixed=MONEY) | st.builds(
        RevenueSharePayout, revenue_share=SHARE
    )
    campaign = Campaign(
        id="c",
        name=draw(NAMES),
        timezone=draw(st.sampled_from(["UTC", "America/New_York"])),
        publishers=[CampaignPublisher(publisher=p.id, payout=draw(payouts)) for p in pubs],
        targets=[
            CampaignTarget(target=t.id, weight=draw(st.none() | st.integers(1, 1000)))
            for t in target_list
        ],
        menu=draw(st.none() | st.just("m")),
        dedupe_days=draw(st.integers(0, 3650)),
        fallback=draw(
            st.just(Fallback())
            | st.builds(Fallback, number=NUMBERS, ring_timeout_s=st.integers(1, 300))
        ),
    )
    numbers = [
        TrackingNumber(number=n, campaign="c", publisher=pubs[0].id)
        for n in draw(st.lists(NUMBERS, unique=True, max_size=3))
    ]
    return Plan(
        publishers=pubs,
        buyers=[Buyer(id="b", name=draw(NAMES), targets=target_list)],
        campaigns=[campaign],
        numbers=numbers,
        menus=[draw(menus())],
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_generated_plans_round_trip(plan: Plan) -> None:
    text = plan_to_yaml(plan)
    again = _reload(text)
    assert again == plan
    assert plan_to_yaml(again) == text


def test_money_is_never_a_float_after_a_round_trip() -> None:
    plan = Plan(publishers=[Publisher(id="p", name="0.1")])
    assert _reload(plan_to_yaml(plan)).publishers[0].name == "0.1"
    target = Target(id="t", endpoint="e", revenue=Decimal("0.1000"))
    reloaded = _reload(plan_to_yaml(Plan(buyers=[Buyer(id="b", name="B", targets=[target])])))
    revenue = reloaded.buyers[0].targets[0].revenue
    assert isinstance(revenue, Decimal) and revenue == Decimal("0.1")
