"""Branch nodes: tag, region (caller state or ZIP), hours and days in the campaign's zone."""

from __future__ import annotations

from typing import Any

import pytest
from menu_builders import MONDAY_15_UTC, make_ctx, menu
from menu_fake_channel import FakeChannel, press

from ivr.clock import ManualClock
from ivr.menus import MenuResult, StepResult, run_menu
from ivr.plans.schema import Menu

ENDS = {name: {"type": "tag", "tags": [name], "next": "done"} for name in ("yes", "no")}


def branch_menu(*cases: dict[str, Any], before: dict[str, Any] | None = None) -> Menu:
    nodes: dict[str, Any] = {
        "pick": {"type": "branch", "cases": list(cases), "default": "no"},
        "done": {"type": "route"},
        **ENDS,
    }
    if before is not None:
        nodes["first"] = before
    return menu("first" if before else "pick", **nodes)


async def run(plan: Menu, at: float = MONDAY_15_UTC, **ctx: Any) -> MenuResult:
    clock = ManualClock(at)
    channel = FakeChannel(clock, keys=ctx.pop("keys", []))
    return await run_menu(plan, channel, make_ctx(clock, **ctx))


def went(result: MenuResult) -> str:
    step = next(s for s in result.steps if s.node_type == "branch")
    assert step.result is StepResult.BRANCHED
    return str(step.next_node)


@pytest.mark.parametrize(("tags", "expected"), [({"vip"}, "yes"), ({"other"}, "no")])
async def test_branch_on_a_tag(tags: set[str], expected: str) -> None:
    result = await run(branch_menu({"tag": "vip", "next": "yes"}), tags=frozenset(tags))
    assert went(result) == expected


@pytest.mark.parametrize(("state", "expected"), [("IL", "yes"), ("NY", "no"), (None, "no")])
async def test_branch_on_the_callers_state(state: str | None, expected: str) -> None:
    plan = branch_menu({"states": ["IL", "WI"], "next": "yes"})
    assert went(await run(plan, caller_state=state)) == expected


async def test_a_gathered_zip_overrides_the_callers_state() -> None:
    gather = {
        "type": "gather",
        "prompt": "ivr-enter-zip",
        "digits": 5,
        "validate_as": "zip",
        "save_as": "zip",
        "next": "pick",
        "failure": "no",
    }
    plan = branch_menu({"states": ["IL"], "next": "yes"}, before=gather)
    result = await run(plan, caller_state="NY", keys=press(0.5, "60601"))
    assert went(result) == "yes" and result.region == "IL"


@pytest.mark.parametrize(
    ("timezone", "expected"),
    [
        ("America/New_York", "yes"),  # Monday 10:00 there: open
        ("America/Los_Angeles", "no"),  # Monday 07:00 there: not yet
    ],
)
async def test_branch_hours_are_read_in_the_campaign_zone(timezone: str, expected: str) -> None:
    plan = branch_menu({"hours": ["08:00-20:00"], "next": "yes"})
    assert went(await run(plan, timezone=timezone)) == expected


@pytest.mark.parametrize(
    ("at", "timezone", "expected"),
    [
        (MONDAY_15_UTC, "America/New_York", "yes"),
        # Monday 03:00 UTC is still Sunday evening in Los Angeles.
        (MONDAY_15_UTC - 12 * 3600, "America/Los_Angeles", "no"),
        (MONDAY_15_UTC - 12 * 3600, "UTC", "yes"),
    ],
)
async def test_branch_days_are_read_in_the_campaign_zone(
    at: float, timezone: str, expected: str
) -> None:
    plan = branch_menu({"days": ["mon", "tue", "wed", "thu", "fri"], "next": "yes"})
    assert went(await run(plan, at=at, timezone=timezone)) == expected


async def test_every_test_of_a_case_must_hold_and_the_first_case_wins() -> None:
    plan = branch_menu(
        {"tag": "vip", "states": ["CA"], "next": "yes"},  # tag holds, state does not
        {"tag": "vip", "next": "no"},
        {"tag": "vip", "next": "yes"},
    )
    result = await run(plan, tags=frozenset({"vip"}), caller_state="NY")
    assert went(result) == "no"
    assert "no" in result.tags and "yes" not in result.tags
