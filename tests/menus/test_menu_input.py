"""Menu and gather: selection, timeout, invalid entry, retries, failure, type-ahead."""

from __future__ import annotations

from typing import Any

import pytest
from menu_builders import make_ctx, menu
from menu_fake_channel import FakeChannel, KeyPress, press

from ivr.clock import ManualClock
from ivr.menus import MenuOutcome, MenuResult, StepResult, run_menu
from ivr.plans.schema import Menu

ENDS: dict[str, dict[str, Any]] = {
    "one": {"type": "tag", "tags": ["one"], "next": "done"},
    "hash": {"type": "tag", "tags": ["hash"], "next": "done"},
    "done": {"type": "route"},
    "failed": {"type": "hangup", "prompt": "ivr-goodbye", "disposition": "ivr_hangup"},
}


def choice_menu(**menu_fields: Any) -> Menu:
    ask = {
        "type": "menu",
        "prompt": "ivr-main-menu",
        "options": {"1": "one"},
        "tries": 3,
        "timeout_s": 5,
        "failure": "failed",
        **menu_fields,
    }
    return menu("ask", ask=ask, **ENDS)


def zip_menu(**gather_fields: Any) -> Menu:
    gather = {
        "type": "gather",
        "prompt": "ivr-enter-zip",
        "digits": 5,
        "validate_as": "zip",
        "save_as": "zip",
        "tries": 2,
        "timeout_s": 3,
        "next": "done",
        "failure": "failed",
        **gather_fields,
    }
    return menu("zip", zip=gather, **ENDS)


async def run(plan: Menu, keys: list[KeyPress], **ctx: Any) -> tuple[MenuResult, FakeChannel]:
    clock = ManualClock()
    channel = FakeChannel(clock, keys=keys)
    return await run_menu(plan, channel, make_ctx(clock, **ctx)), channel


def trail(result: MenuResult) -> list[tuple[str, StepResult, str | None]]:
    return [(s.node_id, s.result, s.input) for s in result.steps]


# --- menu ------------------------------------------------------------------------------------


async def test_menu_key_barges_into_the_prompt() -> None:
    result, channel = await run(choice_menu(), press(0.5, "1"))
    assert channel.log[0] == ("get_data", "ivr/ivr-main-menu", 5.0, 1)
    assert trail(result)[0] == ("ask", StepResult.SELECTED, "1")
    assert result.steps[0].next_node == "one"
    assert result.tags >= {"one"} and result.outcome is MenuOutcome.ROUTE


async def test_menu_timeout_plays_the_timeout_prompt_and_asks_again() -> None:
    # First try: 2 s prompt + 5 s silence, then 2 s timeout prompt; the key comes on try 2.
    result, channel = await run(choice_menu(timeout_prompt="ivr-please-hold"), press(10.0, "1"))
    assert channel.played() == ["ivr/ivr-main-menu", "ivr/ivr-please-hold", "ivr/ivr-main-menu"]
    assert trail(result)[:2] == [
        ("ask", StepResult.TIMEOUT, None),
        ("ask", StepResult.SELECTED, "1"),
    ]
    assert [s.attempt for s in result.steps[:2]] == [1, 2]


async def test_menu_invalid_key_plays_the_invalid_prompt_and_asks_again() -> None:
    result, channel = await run(choice_menu(), press(0.5, "9") + press(5.0, "1"))
    assert channel.played() == ["ivr/ivr-main-menu", "ivr/ivr-invalid", "ivr/ivr-main-menu"]
    assert trail(result)[:2] == [
        ("ask", StepResult.INVALID, "9"),
        ("ask", StepResult.SELECTED, "1"),
    ]


async def test_a_key_during_the_invalid_prompt_answers_the_next_try() -> None:
    # 9 ends at 0.7; the invalid prompt runs 0.7-2.7 and 1 ends at 1.7 inside it.
    result, channel = await run(choice_menu(), press(0.5, "9") + press(1.5, "1"))
    assert channel.log[1] == ("stream_file", "ivr/ivr-invalid", "1")
    assert channel.played() == ["ivr/ivr-main-menu", "ivr/ivr-invalid"]
    assert trail(result)[1] == ("ask", StepResult.SELECTED, "1")
    assert result.steps[1].prompt is None


async def test_menu_gives_up_after_its_tries() -> None:
    result, channel = await run(choice_menu(tries=2), press(0.5, "7") + press(5.0, "8"))
    assert [s.result for s in result.steps[:2]] == [StepResult.INVALID, StepResult.INVALID]
    assert [s.next_node for s in result.steps[:2]] == [None, "failed"]
    # The last invalid prompt cannot be interrupted: nothing is left to answer.
    assert channel.log[-2] == ("stream_file", "ivr/ivr-invalid", "")
    assert (result.outcome, result.disposition) == (MenuOutcome.HANGUP, "ivr_hangup")


async def test_silent_caller_hears_the_menu_tries_times_then_failure() -> None:
    result, channel = await run(choice_menu(tries=3), [])
    assert channel.played() == ["ivr/ivr-main-menu"] * 3 + ["ivr/ivr-goodbye"]
    assert [s.result for s in result.steps] == [StepResult.TIMEOUT] * 3 + [StepResult.HANGUP]


async def test_pound_can_be_an_option() -> None:
    result, _ = await run(choice_menu(options={"1": "one", "#": "hash"}), press(0.5, "#"))
    assert trail(result)[0] == ("ask", StepResult.SELECTED, "#")
    assert "hash" in result.tags


async def test_pound_is_invalid_when_not_an_option() -> None:
    result, _ = await run(choice_menu(), press(0.5, "#") + press(5.0, "1"))
    assert trail(result)[0] == ("ask", StepResult.INVALID, "#")


async def test_type_ahead_from_a_play_answers_the_menu_without_asking() -> None:
    plan = choice_menu()
    nodes = dict(plan.nodes)
    welcome = {"type": "play", "prompt": "ivr-welcome", "barge_in": "12", "next": "ask"}
    plan = menu("hi", hi=welcome, **{k: v.model_dump() for k, v in nodes.items()})
    result, channel = await run(plan, press(0.5, "1"))
    assert channel.log == [("stream_file", "ivr/ivr-welcome", "12")]
    assert trail(result)[:2] == [
        ("hi", StepResult.BARGE_IN, "1"),
        ("ask", StepResult.SELECTED, "1"),
    ]


async def test_a_key_that_is_not_a_barge_in_digit_is_lost() -> None:
    welcome = {"type": "play", "prompt": "ivr-welcome", "barge_in": "12", "next": "ask"}
    plan = menu("hi", hi=welcome, **{k: v.model_dump() for k, v in choice_menu().nodes.items()})
    result, channel = await run(plan, press(0.5, "5"))
    assert channel.played() == ["ivr/ivr-welcome"] + ["ivr/ivr-main-menu"] * 3 + ["ivr/ivr-goodbye"]
    assert result.steps[0].result is StepResult.PLAYED


# --- gather ----------------------------------------------------------------------------------


async def test_zip_with_pound_is_saved_and_sets_the_region() -> None:
    result, channel = await run(zip_menu(), press(0.5, "60601#"), caller_state="NY")
    assert channel.log[0] == ("get_data", "ivr/ivr-enter-zip", 3.0, 5)
    assert result.gathered == {"zip": "60601"}
    assert result.region == "IL"
    assert trail(result)[0] == ("zip", StepResult.GATHERED, "60601")


async def test_region_stays_the_callers_state_without_a_zip() -> None:
    result, _ = await run(menu("done", done={"type": "route"}), [], caller_state="TX")
    assert result.region == "TX"


@pytest.mark.parametrize(
    ("keys", "entered"),
    [
        ("00000", "00000"),  # five digits, but no state has this ZIP prefix
        ("606#", "606"),  # too short, ended with #
        ("42", "42"),  # too short, then silence
        ("#", None),  # nothing but #
    ],
)
async def test_bad_zip_gets_the_invalid_prompt_and_another_try(keys: str, entered: str) -> None:
    result, channel = await run(zip_menu(), press(0.5, keys) + press(7.0, "33101"))
    assert trail(result)[0] == ("zip", StepResult.INVALID, entered)
    assert channel.played()[:3] == ["ivr/ivr-enter-zip", "ivr/ivr-invalid", "ivr/ivr-enter-zip"]
    assert result.gathered == {"zip": "33101"} and result.region == "FL"


async def test_gather_silence_asks_again_without_the_invalid_prompt() -> None:
    result, channel = await run(zip_menu(tries=2), [])
    assert channel.played() == ["ivr/ivr-enter-zip"] * 2 + ["ivr/ivr-goodbye"]
    assert [s.result for s in result.steps[:2]] == [StepResult.TIMEOUT] * 2
    assert result.steps[1].next_node == "failed"
    assert result.gathered == {} and result.region == "NY"


async def test_gather_gives_up_after_its_tries() -> None:
    result, _ = await run(zip_menu(tries=2), press(0.5, "00000") + press(7.0, "11111"))
    assert [s.result for s in result.steps[:2]] == [StepResult.INVALID] * 2
    assert (result.outcome, result.disposition) == (MenuOutcome.HANGUP, "ivr_hangup")


@pytest.mark.parametrize(
    ("keys", "accepted"),
    [("1234", True), ("0234", False), ("123#", False)],
)
async def test_gather_digits_with_a_pattern(keys: str, accepted: bool) -> None:
    plan = zip_menu(validate_as="digits", digits=4, pattern=r"[1-9]\d*", save_as="pin", tries=1)
    result, _ = await run(plan, press(0.5, keys))
    assert (result.gathered == {"pin": keys}) is accepted
    assert result.outcome is (MenuOutcome.ROUTE if accepted else MenuOutcome.HANGUP)
