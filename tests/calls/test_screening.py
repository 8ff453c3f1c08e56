"""Calls refused or cut short before any buyer: unknown numbers, blocked and anonymous callers,
duplicates, and the existing-customer branch of the menu."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ivr.sim.script import CallScript, HangupDuringCommand, Press

from . import flows
from .harness import Harness, StoredCall

ZERO = Decimal("0")
DEDUPE_S = 30 * 86400  # demo dedupe_days


async def test_unknown_number_hears_not_in_service(harness: Harness) -> None:
    report = await harness.call(CallScript(did="18005559999", caller=flows.CHICAGO))

    call = await harness.stored(report)
    assert report.commands == [
        flows.ANSWER, 'STREAM FILE "ivr/ivr-not-in-service" ""', flows.DONE
    ]  # fmt: skip
    assert report.server_closed and report.agistatus == "SUCCESS"
    assert call["disposition"] == "unknown_number" and call["status"] == "closed"
    assert call["campaign_id"] is None and call["did"] == "+18005559999"
    assert "attribution.unknown" in call.event_kinds()
    _assert_nothing_billed(call)


async def test_blocked_caller_is_rejected_without_answer(harness: Harness) -> None:
    def block(plan: dict[str, Any]) -> None:
        plan["campaigns"][0]["screening"]["blocklist"] = [flows.CHICAGO]

    await harness.apply(block)
    report = await harness.call(flows.auto_call())

    call = await harness.stored(report)
    assert report.commands == [flows.DONE]
    assert report.answered_at is None and report.server_closed
    assert call["disposition"] == "rejected" and call["reject_reason"] == "blocked"
    assert call["answered_at"] is None and call.seconds("ivr_s") == ZERO
    _assert_nothing_billed(call)


async def test_anonymous_caller_is_rejected_without_answer(harness: Harness) -> None:
    # The header values of corpus 08c (Privacy: id, untrusted endpoint).
    script = CallScript(
        did=flows.DEMO_DID, caller="anonymous", caller_name="Anonymous", calling_pres=0
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    assert report.commands == [flows.DONE] and report.answered_at is None
    assert call["disposition"] == "rejected" and call["reject_reason"] == "anonymous"
    assert call["caller_number"] == "anonymous"  # the raw caller ID, kept for the console
    _assert_nothing_billed(call)


async def test_existing_customer_is_filtered_with_goodbye(harness: Harness) -> None:
    report = await harness.call(flows.auto_call(presses=(Press("2"),)))

    call = await harness.stored(report)
    assert report.commands == [
        flows.ANSWER, flows.WELCOME, flows.MAIN_MENU,
        'STREAM FILE "ivr/ivr-existing-goodbye" ""', flows.DONE,
    ]  # fmt: skip
    assert call["disposition"] == "filtered" and call["tags"] == []
    assert call.events_of("menu.end") == [{"outcome": "hangup", "error": None}]
    _assert_nothing_billed(call)


async def test_duplicate_inside_the_window_is_routed_but_not_billable(harness: Harness) -> None:
    first = await harness.stored(await harness.call(flows.auto_call(dial_outcomes=_answers())))
    harness.clock.advance(DEDUPE_S - 3600)  # well inside the 30 days

    report = await harness.call(flows.auto_call(dial_outcomes=_answers()))

    second = await harness.stored(report)
    assert first["billable"] is True and first["duplicate"] is False
    assert second["disposition"] == "connected" and second["duplicate"] is True
    assert second["billable"] is False and second["billable_reason"] == "duplicate"
    assert second.seconds("talk_s") == Decimal("95.000")
    assert second.events_of("screen")[0]["reason"] == "duplicate"
    _assert_nothing_billed(second)


async def test_duplicate_rejected_when_the_campaign_says_so(harness: Harness) -> None:
    def reject_duplicates(plan: dict[str, Any]) -> None:
        plan["campaigns"][0]["screening"]["duplicate_action"] = "reject"

    await harness.apply(reject_duplicates)
    await harness.stored(await harness.call(flows.auto_call(dial_outcomes=_answers())))
    harness.clock.advance(600)

    report = await harness.call(flows.auto_call(dial_outcomes=_answers()))

    call = await harness.stored(report)
    assert report.commands == [flows.DONE]
    assert call["disposition"] == "rejected" and call["reject_reason"] == "duplicate"
    _assert_nothing_billed(call)


async def test_same_caller_just_outside_the_window_is_billable(harness: Harness) -> None:
    first = await harness.stored(await harness.call(flows.auto_call(dial_outcomes=_answers())))
    harness.clock.set(harness.clock.time() + DEDUPE_S + 1)  # the first call started earlier

    report = await harness.call(flows.auto_call(dial_outcomes=_answers()))

    second = await harness.stored(report)
    assert first["billable"] is True
    assert second["duplicate"] is False and second["billable"] is True
    assert second.events_of("screen")[0]["reason"] == "accepted"
    assert second.money("revenue") == Decimal("20.00")


async def test_fourth_call_within_the_hour_is_refused(harness: Harness) -> None:
    for _ in range(3):  # max_calls_per_caller: 3 in 60 minutes
        await harness.stored(await harness.call(flows.auto_call(dial_outcomes=_answers())))
        harness.clock.advance(300)

    report = await harness.call(flows.auto_call(dial_outcomes=_answers()))

    call = await harness.stored(report)
    assert report.commands == [flows.DONE] and report.answered_at is None
    assert call["disposition"] == "rejected" and call["reject_reason"] == "velocity"
    _assert_nothing_billed(call)


def _answers() -> dict[str, Any]:
    return {"buyer-a-overflow": flows.ANSWER_95}


def _assert_nothing_billed(call: StoredCall) -> None:
    assert call["status"] == "closed" and call["billable"] is False
    assert call.attempts == [] or call["duplicate"]
    assert (call.money("revenue"), call.money("payout"), call.money("margin")) == (ZERO,) * 3


async def test_existing_customer_leaving_during_goodbye_is_still_filtered(
    harness: Harness,
) -> None:
    script = flows.auto_call(presses=(Press("2"),), hangup=HangupDuringCommand(4, 1.0))
    report = await harness.call(script)

    call = await harness.stored(report)
    assert report.commands[3:] == ['STREAM FILE "ivr/ivr-existing-goodbye" ""', flows.DONE]
    assert call["disposition"] == "filtered"
