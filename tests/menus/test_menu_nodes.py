"""Each node type on its own, over the scripted caller (prompts last 2 s unless told)."""

from __future__ import annotations

import logging

import pytest
from menu_builders import make_ctx, menu
from menu_fake_channel import FakeChannel, press

from ivr.agi.api import AgiCommandError, DigitInput
from ivr.clock import ManualClock
from ivr.menus import MenuOutcome, StepResult, run_menu

ROUTE = {"type": "route"}


async def test_play_resolves_app_and_core_prompts_then_goes_on() -> None:
    clock = ManualClock()
    channel = FakeChannel(clock)
    plan = menu(
        "hello",
        hello={"type": "play", "prompt": "ivr-please-hold", "next": "beep"},
        beep={"type": "play", "prompt": "beep", "next": "done"},
        done=ROUTE,
    )
    result = await run_menu(plan, channel, make_ctx(clock))
    assert channel.log == [("stream_file", "ivr/ivr-please-hold", ""), ("stream_file", "beep", "")]
    assert [s.result for s in result.steps] == [
        StepResult.PLAYED,
        StepResult.PLAYED,
        StepResult.ROUTE,
    ]
    assert result.steps[0].prompt == "ivr-please-hold"
    assert result.outcome is MenuOutcome.ROUTE and result.disposition is None


async def test_missing_prompt_is_logged_and_the_menu_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    channel = FakeChannel(clock, missing={"ivr/ivr-welcome"})
    plan = menu("hi", hi={"type": "play", "prompt": "ivr-welcome", "next": "done"}, done=ROUTE)
    with caplog.at_level(logging.WARNING):
        result = await run_menu(plan, channel, make_ctx(clock))
    assert result.steps[0].result is StepResult.MISSING_PROMPT
    assert result.outcome is MenuOutcome.ROUTE
    assert "ivr-welcome" in caplog.text


async def test_tag_adds_to_the_initial_tags() -> None:
    clock = ManualClock()
    plan = menu("t", t={"type": "tag", "tags": ["auto", "hot-lead"], "next": "done"}, done=ROUTE)
    result = await run_menu(plan, FakeChannel(clock), make_ctx(clock))
    assert result.tags == {"pub:acme", "auto", "hot-lead"}
    assert result.steps[0].result is StepResult.TAGGED and result.steps[0].next_node == "done"


@pytest.mark.parametrize("disposition", ["filtered", "ivr_hangup", "failed_ivr"])
async def test_hangup_plays_its_prompt_and_reports_its_disposition(disposition: str) -> None:
    clock = ManualClock()
    channel = FakeChannel(clock)
    plan = menu("bye", bye={"type": "hangup", "prompt": "ivr-goodbye", "disposition": disposition})
    result = await run_menu(plan, channel, make_ctx(clock))
    # The engine does not hang up itself: the fake would have failed the test on hangup().
    assert channel.log == [("stream_file", "ivr/ivr-goodbye", "")]
    assert result.outcome is MenuOutcome.HANGUP
    assert result.disposition == disposition
    assert result.last_node == "bye"


async def test_hangup_without_prompt_touches_nothing() -> None:
    clock = ManualClock()
    channel = FakeChannel(clock)
    result = await run_menu(menu("bye", bye={"type": "hangup"}), channel, make_ctx(clock))
    assert channel.log == []
    assert (result.outcome, result.disposition) == (MenuOutcome.HANGUP, "filtered")


async def test_caller_leaving_during_the_goodbye_keeps_the_disposition() -> None:
    clock = ManualClock()
    channel = FakeChannel(clock, hangup_at=1.0)
    plan = menu("bye", bye={"type": "hangup", "prompt": "ivr-goodbye", "disposition": "filtered"})
    result = await run_menu(plan, channel, make_ctx(clock))
    assert (result.outcome, result.disposition) == (MenuOutcome.HANGUP, "filtered")
    assert result.steps[0].result is StepResult.CALLER_HANGUP


async def test_unknown_node_fails_the_ivr() -> None:
    clock = ManualClock()
    plan = menu("a", a={"type": "tag", "tags": ["x"], "next": "nowhere"})
    result = await run_menu(plan, FakeChannel(clock), make_ctx(clock))
    assert result.outcome is MenuOutcome.FAILED_IVR
    assert result.disposition == "failed_ivr"
    assert result.error is not None and "nowhere" in result.error


async def test_an_agi_error_fails_the_ivr_and_keeps_the_partial_step() -> None:
    class RefusingChannel(FakeChannel):
        async def get_data(self, prompt: str, timeout_s: float, max_digits: int) -> DigitInput:
            raise AgiCommandError("GET DATA", 520, "Invalid command syntax")

    clock = ManualClock()
    plan = menu(
        "hi",
        hi={"type": "play", "prompt": "ivr-welcome", "next": "ask"},
        ask={"type": "menu", "prompt": "ivr-main-menu", "options": {"1": "done"}, "failure": "x"},
        done=ROUTE,
        x={"type": "hangup"},
    )
    result = await run_menu(plan, RefusingChannel(clock), make_ctx(clock))
    assert result.outcome is MenuOutcome.FAILED_IVR
    assert [(s.node_id, s.result) for s in result.steps] == [
        ("hi", StepResult.PLAYED),
        ("ask", StepResult.ERROR),
    ]
    assert result.error is not None and "520" in result.error


async def test_a_caller_already_gone_is_not_routed() -> None:
    clock = ManualClock()
    channel = FakeChannel(clock, hangup_at=0.0)
    plan = menu("t", t={"type": "tag", "tags": ["x"], "next": "done"}, done=ROUTE)
    result = await run_menu(plan, channel, make_ctx(clock))
    assert result.outcome is MenuOutcome.CALLER_HANGUP
    assert result.steps == ()


async def test_max_steps_guard_stops_a_loop_that_plays() -> None:
    clock = ManualClock()
    plan = menu(
        "a",
        a={"type": "play", "prompt": "beep", "next": "b"},
        b={"type": "play", "prompt": "ivr-please-hold", "next": "a"},
    )
    channel = FakeChannel(clock)
    result = await run_menu(plan, channel, make_ctx(clock, max_steps=7))
    assert result.outcome is MenuOutcome.FAILED_IVR
    assert result.disposition == "failed_ivr"
    assert len(result.steps) == 7 and len(channel.log) == 7
    assert result.error is not None and "loops" in result.error


async def test_max_steps_guard_stops_a_silent_loop() -> None:
    clock = ManualClock()
    plan = menu(
        "a",
        a={"type": "tag", "tags": ["x"], "next": "b"},
        b={"type": "branch", "cases": [{"tag": "x", "next": "a"}], "default": "a"},
    )
    result = await run_menu(plan, FakeChannel(clock), make_ctx(clock))
    assert result.outcome is MenuOutcome.FAILED_IVR
    assert len(result.steps) == 100


async def test_type_ahead_from_a_play_answers_the_next_gather() -> None:
    clock = ManualClock()
    channel = FakeChannel(clock, keys=press(1.0, "60601"))
    plan = menu(
        "hi",
        hi={"type": "play", "prompt": "ivr-enter-zip", "barge_in": "0123456789", "next": "zip"},
        zip={
            "type": "gather",
            "prompt": "ivr-enter-zip",
            "digits": 5,
            "validate_as": "zip",
            "save_as": "zip",
            "next": "done",
            "failure": "done",
        },
        done=ROUTE,
    )
    result = await run_menu(plan, channel, make_ctx(clock))
    assert result.gathered == {"zip": "60601"}
    # The first key stopped the play; the rest were read key by key, no second prompt.
    assert [c[0] for c in channel.log] == ["stream_file"] + ["wait_for_digit"] * 4
    assert result.steps[1].prompt is None and result.steps[1].input == "60601"
