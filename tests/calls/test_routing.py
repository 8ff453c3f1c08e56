"""Which targets a call may reach: business hours, geography, tags, caps and concurrency."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from ivr.sim.script import DialOutcome, Press

from . import flows
from .gate import DialGate
from .harness import TUESDAY_2PM, Harness, StoredCall, target_of, wav_seconds

ZERO = Decimal("0")
FALLBACK = "PJSIP/+16175550100@ivr-trunk-out"
HOME = "PJSIP/+13125550100@ivr-trunk-out"
FALLBACK_ANSWERS = {"+16175550100": DialOutcome.answer(talk_s=60)}


def _exclusions(call: StoredCall) -> dict[str, str]:
    [route] = call.events_of("route.decision")
    return {e["target"]: e["reason"] for e in route["excluded"]}


def _dials(call: StoredCall) -> list[tuple[str, str]]:
    return [(a["dial_string"], a["dial_status"]) for a in call.attempts]


async def test_after_hours_every_target_is_closed_and_the_fallback_answers(
    harness: Harness,
) -> None:
    harness.clock.set(TUESDAY_2PM + 7 * 3600)  # 21:00 in New York, 20:00 in Chicago
    report = await harness.call(flows.auto_call(dial_outcomes=FALLBACK_ANSWERS))

    call = await harness.stored(report)
    file_name = call["recording_path"]
    assert report.commands == [
        *flows.MENU_TO_HOLD,
        flows.ANNOUNCE,  # the fallback's call is recorded like a buyer's
        *flows.dial_commands(FALLBACK, 30, "PJSIP/ivr-trunk-out-00000001",
                             flows.recording_path(file_name)),
        flows.DONE,
    ]  # fmt: skip
    assert wav_seconds(harness.recordings_dir / file_name) == Decimal("60")
    assert _exclusions(call) == dict.fromkeys(
        ("buyer-a-main", "buyer-a-overflow", "buyer-b-home"), "closed"
    )
    assert call["disposition"] == "fallback" and _dials(call) == [(FALLBACK, "ANSWER")]
    assert call.seconds("talk_s") == Decimal("60.000") and call["billable"] is False


OUT_OF_AREA = [
    # (caller, ZIP keyed, why Homestead's home line refuses the call)
    ("+12145550123", "75201", "out_of_state"),  # a Dallas caller with a Dallas ZIP
    (flows.CHICAGO, "75201", "out_of_state"),  # the ZIP's state wins over the caller's
    (flows.CHICAGO, "62701", "zip_mismatch"),  # Illinois, but not a ZIP prefix it takes
    ("+16305550123", "60601", "area_code_mismatch"),  # Illinois area code 630 is not listed
]


@pytest.mark.parametrize(("caller", "zip_code", "reason"), OUT_OF_AREA)
async def test_out_of_area_home_caller_goes_to_the_fallback(
    harness: Harness, caller: str, zip_code: str, reason: str
) -> None:
    presses = (Press("1"), Press("2"), Press(zip_code))
    script = flows.auto_call(caller=caller, presses=presses, dial_outcomes=FALLBACK_ANSWERS)
    report = await harness.call(script)

    call = await harness.stored(report)
    assert call["tags"] == ["home"] and call["gathered"] == {"zip": zip_code}
    assert _exclusions(call)["buyer-b-home"] == reason
    assert _exclusions(call)["buyer-a-overflow"] == "missing_tags"
    assert call["disposition"] == "fallback" and _dials(call) == [(FALLBACK, "ANSWER")]
    assert report.commands[-1] == flows.DONE and report.server_closed


@pytest.mark.parametrize(
    ("talk_s", "billable", "reason", "money"),
    [
        (100, False, "short_call: 100s < 120s", (ZERO, ZERO, ZERO)),  # target's own minimum
        (120, True, "billable", (Decimal("28.50"), Decimal("11.40"), Decimal("17.10"))),
    ],
)
async def test_home_caller_reaches_the_home_line(
    harness: Harness, talk_s: int, billable: bool, reason: str, money: tuple[Decimal, ...]
) -> None:
    script = flows.auto_call(
        caller=flows.NEW_YORK,
        presses=(Press("1"), Press("2"), Press("10001")),
        dial_outcomes={"+13125550100": DialOutcome.answer(talk_s=talk_s)},
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    record_to = flows.recording_path(call["recording_path"])
    assert report.commands[len(flows.MENU_TO_HOLD) :] == [
        flows.ANNOUNCE,
        *flows.dial_commands(HOME, 25, "PJSIP/ivr-trunk-out-00000001", record_to),
        flows.DONE,
    ]
    assert _exclusions(call) == {"buyer-a-main": "missing_tags", "buyer-a-overflow": "missing_tags"}
    assert call["disposition"] == "connected" and call["target_id"] == "buyer-b-home"
    assert call["tags"] == ["home"] and call.seconds("talk_s") == Decimal(talk_s)
    assert (call["billable"], call["billable_reason"]) == (billable, reason)
    assert (call.money("revenue"), call.money("payout"), call.money("margin")) == money


async def test_daily_cap_counts_only_connected_calls(harness: Harness) -> None:
    def one_a_day(plan: dict[str, Any]) -> None:
        target_of(plan, "buyer-a-overflow")["caps"] = {"daily": 1}

    await harness.apply(one_a_day)
    busy = await harness.stored(
        await harness.call(flows.auto_call(dial_outcomes={"buyer-a-overflow": DialOutcome.busy()}))
    )
    taken = await harness.stored(
        await harness.call(flows.auto_call(dial_outcomes={"buyer-a-overflow": flows.ANSWER_95}))
    )
    report = await harness.call(
        flows.auto_call(dial_outcomes={"buyer-a-overflow": flows.ANSWER_95, **FALLBACK_ANSWERS})
    )

    capped = await harness.stored(report)
    assert busy["disposition"] == "no_answer"  # busy, then the fallback did not answer
    assert taken["disposition"] == "connected" and taken["target_id"] == "buyer-a-overflow"
    assert _exclusions(capped)["buyer-a-overflow"] == "daily_cap"
    assert capped["disposition"] == "fallback" and _dials(capped) == [(FALLBACK, "ANSWER")]


async def test_concurrency_full_while_a_call_is_bridged(harness: Harness) -> None:
    def one_at_a_time(plan: dict[str, Any]) -> None:
        target_of(plan, "buyer-a-overflow")["concurrency"] = 1

    await harness.apply(one_at_a_time)
    assert harness.switch.agi_address is not None
    gate = DialGate(harness.switch.agi_address)
    host, port = await gate.start()
    answers = {"buyer-a-overflow": flows.ANSWER_95, **FALLBACK_ANSWERS}
    try:
        held = asyncio.create_task(
            harness.double.place_call(host, port, flows.auto_call(dial_outcomes=answers))
        )
        await asyncio.wait_for(gate.dial_reached.wait(), 5)
        second = await harness.call(flows.auto_call(caller="+17735550123", dial_outcomes=answers))
        gate.release()
        first = await asyncio.wait_for(held, 5)
    finally:
        await gate.close()

    bridged, refused = await harness.stored(first), await harness.stored(second)
    assert bridged["disposition"] == "connected" and bridged["target_id"] == "buyer-a-overflow"
    assert _exclusions(refused)["buyer-a-overflow"] == "concurrency_full"
    assert refused["disposition"] == "fallback" and _dials(refused) == [(FALLBACK, "ANSWER")]
