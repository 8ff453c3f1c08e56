"""The demo-like two-level menu end to end: timings, outcomes, and a caller leaving anywhere.

Timeline of the happy call (every prompt lasts 2 s, a key counts 0.2 s after it is pressed):
welcome 0-2, main menu 2-2.7 (1), coverage 2.7-3.2 (1), ZIP 3.2-5.3 (60601, fifth key ends it).
"""

from __future__ import annotations

import pytest
from menu_builders import demo_menu, make_ctx
from menu_fake_channel import FakeChannel, KeyPress, press

from ivr.clock import ManualClock
from ivr.menus import MenuOutcome, MenuResult, StepResult, run_menu

START = 1_795_255_073.0
HAPPY_KEYS = press(2.5, "1") + press(3.0, "1") + press(3.5, "60601")


async def call(
    keys: list[KeyPress], hangup_at: float | None = None
) -> tuple[MenuResult, FakeChannel]:
    clock = ManualClock(START)
    channel = FakeChannel(clock, keys=keys, hangup_at=hangup_at)
    return await run_menu(demo_menu(), channel, make_ctx(clock, caller_state="NY")), channel


async def test_new_auto_quote_with_zip_routes_with_tags_and_zip() -> None:
    result, channel = await call(HAPPY_KEYS)
    assert result.outcome is MenuOutcome.ROUTE and result.disposition is None
    assert result.tags == {"pub:acme", "new-quote", "auto"}
    assert result.gathered == {"zip": "60601"}
    assert result.region == "IL"
    assert result.last_node == "qualified"
    assert channel.played() == [
        "ivr/ivr-welcome",
        "ivr/ivr-main-menu",
        "ivr/ivr-coverage-menu",
        "ivr/ivr-enter-zip",
    ]


async def test_every_step_is_timed_by_the_clock() -> None:
    result, _ = await call(HAPPY_KEYS)
    timed = [
        (s.node_id, s.node_type, round(s.started_at - START, 3), round(s.ended_at - START, 3))
        for s in result.steps
    ]
    assert timed == [
        ("welcome", "play", 0.0, 2.0),
        ("main", "menu", 2.0, 2.7),
        ("new", "tag", 2.7, 2.7),
        ("coverage", "menu", 2.7, 3.2),
        ("auto", "tag", 3.2, 3.2),
        ("zip", "gather", 3.2, 5.3),
        ("qualified", "route", 5.3, 5.3),
    ]
    assert [(s.prompt, s.input, s.result) for s in result.steps[:2]] == [
        ("ivr-welcome", None, StepResult.PLAYED),
        ("ivr-main-menu", "1", StepResult.SELECTED),
    ]


async def test_existing_customer_is_filtered_with_a_goodbye() -> None:
    result, channel = await call(press(2.5, "2"))
    assert (result.outcome, result.disposition) == (MenuOutcome.HANGUP, "filtered")
    assert channel.played()[-1] == "ivr/ivr-existing-goodbye"
    assert result.tags == {"pub:acme"} and result.gathered == {}


async def test_existing_customer_can_answer_during_the_welcome() -> None:
    result, channel = await call(press(0.5, "2"))
    assert (result.outcome, result.disposition) == (MenuOutcome.HANGUP, "filtered")
    assert channel.played() == ["ivr/ivr-welcome", "ivr/ivr-existing-goodbye"]


@pytest.mark.parametrize("node_id", ["welcome", "main", "coverage", "zip"])
async def test_caller_hangup_at_every_step_keeps_the_partial_steps(node_id: str) -> None:
    happy, _ = await call(HAPPY_KEYS)
    index = next(i for i, s in enumerate(happy.steps) if s.node_id == node_id)
    step = happy.steps[index]
    hangup_at = (step.started_at + step.ended_at) / 2 - START

    result, channel = await call(HAPPY_KEYS, hangup_at=hangup_at)

    assert result.outcome is MenuOutcome.CALLER_HANGUP
    assert result.disposition == "caller_hangup"
    assert result.steps[:index] == happy.steps[:index]
    partial = result.steps[index]
    assert (partial.node_id, partial.result) == (node_id, StepResult.CALLER_HANGUP)
    assert partial.started_at == step.started_at
    assert partial.ended_at == pytest.approx(START + hangup_at)
    assert len(result.steps) == index + 1
    assert result.last_node == node_id
    # Tags and values gathered before the hang-up are kept; nothing after it happened.
    assert result.tags == {"pub:acme", *(t for s in happy.steps[:index] for t in _tags(s.node_id))}
    assert channel.log[-1][0] in ("stream_file", "get_data")


def _tags(node_id: str) -> list[str]:
    return {"new": ["new-quote"], "auto": ["auto"]}.get(node_id, [])
