"""Menu paths off the happy road: silence, no ZIP, a missing prompt."""

from __future__ import annotations

from decimal import Decimal

from ivr.sim.script import CallScript, Press

from . import flows
from .harness import Harness

ZERO = Decimal("0")


async def test_silent_caller_hears_goodbye_after_three_tries(harness: Harness) -> None:
    report = await harness.call(CallScript(did=flows.DEMO_DID, caller=flows.CHICAGO))

    call = await harness.stored(report)
    assert report.commands == [
        flows.ANSWER, flows.WELCOME, flows.MAIN_MENU, flows.MAIN_MENU, flows.MAIN_MENU,
        'STREAM FILE "ivr/ivr-goodbye" ""', flows.DONE,
    ]  # fmt: skip
    assert report.replies()[2:5] == ["200 result= (timeout)"] * 3  # corpus 01a
    # Not "filtered": nobody screened this caller out, the menu gave up on them.
    assert call["disposition"] == "ivr_hangup" and call["status"] == "closed"
    assert call.events_of("menu.end") == [{"outcome": "hangup", "error": None}]
    assert call["billable"] is False and call.money("revenue") == ZERO
    assert call.attempts == []


async def test_caller_without_zip_is_routed_on_the_caller_id_state(harness: Harness) -> None:
    script = flows.auto_call(
        presses=(Press("1"), Press("1")), dial_outcomes={"buyer-a-overflow": flows.ANSWER_95}
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    assert report.commands[4:8] == [flows.ZIP, flows.ZIP, flows.ZIP, flows.HOLD]
    assert call["gathered"] == {} and call["caller_state"] == "IL"
    [route] = call.events_of("route.decision")
    assert route["ranked"] == ["buyer-a-overflow"]
    assert {e["target"]: e["reason"] for e in route["excluded"]} == {
        "buyer-a-main": "out_of_state",  # IL from the caller ID
        "buyer-b-home": "unknown_location",  # it takes only some ZIP prefixes
    }
    assert call["disposition"] == "connected" and call["billable"] is True


async def test_missing_welcome_prompt_does_not_drop_the_caller(harness: Harness) -> None:
    script = flows.auto_call(
        dial_outcomes={"buyer-a-overflow": flows.ANSWER_95},
        missing_files=frozenset({"ivr/ivr-welcome"}),
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    assert report.replies()[1] == "200 result=-1 endpos=0"  # corpus 02c
    assert report.commands[2] == flows.MAIN_MENU
    assert call.events_of("menu.step")[0]["result"] == "missing_prompt"
    assert call["disposition"] == "connected" and call.seconds("talk_s") == Decimal("95")
    assert report.ivr_done
