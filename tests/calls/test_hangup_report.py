"""The ``hangup`` entry point: Asterisk's hangup handler reports the end of every call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from ivr.calls.record import CallLog
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript

from . import flows
from .gate import DialGate
from .harness import Harness

ANSWERS = {"buyer-a-overflow": flows.ANSWER_95}


def hangup_report(uniqueid: str, cause: str) -> CallScript:
    """What the dialplan's hangup handler runs: ``AGI(agi://.../hangup,${HANGUPCAUSE})``."""
    return CallScript(
        did=flows.DEMO_DID, caller=flows.CHICAGO, script="hangup", args=(cause,), uniqueid=uniqueid
    )


async def _live_overflow_claims(harness: Harness) -> int:
    return (await harness.load_of("buyer-a-overflow")).active


async def test_report_for_a_live_call_adds_its_cause(harness: Harness) -> None:
    assert harness.switch.agi_address is not None
    gate = DialGate(harness.switch.agi_address)
    host, port = await gate.start()
    uniqueid = "1795546800.42"
    script = flows.auto_call(dial_outcomes=ANSWERS, uniqueid=uniqueid)
    try:
        held = asyncio.create_task(harness.double.place_call(host, port, script))
        await asyncio.wait_for(gate.dial_reached.wait(), 5)
        reported = await harness.call(hangup_report(uniqueid, "16"))
        gate.release()
        report = await asyncio.wait_for(held, 5)
    finally:
        await gate.close()

    call = await harness.stored(report)
    assert reported.commands == [] and reported.server_closed
    assert call.events_of("hangup.report") == [{"cause": "16"}]
    assert call["disposition"] == "connected" and call["billable"] is True  # untouched
    assert call.event_kinds()[-1] == "call.end"


async def test_session_cut_mid_dial_leaves_no_open_record(harness: Harness) -> None:
    assert harness.switch.agi_address is not None
    gate = DialGate(harness.switch.agi_address)
    host, port = await gate.start()
    uniqueid = "1795546800.43"
    script = flows.auto_call(dial_outcomes=ANSWERS, uniqueid=uniqueid)
    try:
        held = asyncio.create_task(harness.double.place_call(host, port, script))
        await asyncio.wait_for(gate.dial_reached.wait(), 5)
        assert await _live_overflow_claims(harness) == 1
        gate.cut()  # Asterisk restarted, or the network between it and the app went down
        report = await asyncio.wait_for(held, 5)
        await _until_no_live_calls(harness)
        await harness.call(hangup_report(uniqueid, "16"))
    finally:
        await gate.close()

    call = await harness.stored(report)
    # Nobody knows whether the caller left or was talking: failed, not "abandoned".
    assert call["status"] == "closed" and call["disposition"] == "failed"
    assert call.event_kinds()[-2:] == ["session.lost", "call.end"]
    assert call["billable"] is False and call.money("revenue") == Decimal("0")
    [attempt] = call.attempts
    assert attempt["target_id"] == "buyer-a-overflow" and attempt["dial_status"] is None
    assert await _live_overflow_claims(harness) == 0


async def test_report_closes_a_record_whose_session_died(harness: Harness) -> None:
    # A record left open by a session that died with the app (it was checkpointed while
    # ringing, with the target's slot claimed), then the hangup handler reports the end.
    view = harness.switch.plan.view
    started = harness.clock.time()
    orphan = CallLog("1795546800.44", "PJSIP/carrier-0000002c", flows.DEMO_DID, flows.CHICAGO,
                     "Carrier Test", started, did="+18005550101", caller=flows.CHICAGO,
                     campaign_id="auto-insurance", publisher_id="leadgen-east")  # fmt: skip
    orphan.begin_attempt(started + 20, "PJSIP/buyer-a-overflow", "buyer-a-overflow", "buyer-a")
    at = datetime.fromtimestamp(started, UTC)
    target, campaign = view.targets["buyer-a-overflow"], view.campaigns["auto-insurance"]
    assert await harness.switch.store.claim(orphan.id, target, campaign, at)
    await harness.switch.store.checkpoint(orphan)
    harness.clock.advance(60)

    reported = await harness.call(hangup_report(orphan.uniqueid, "16"))

    fake = CallReport(reported.script, orphan.channel, orphan.uniqueid, started_at=started)
    call = await harness.stored(fake)
    assert reported.commands == [] and reported.server_closed
    assert call["status"] == "closed" and call["disposition"] == "failed"
    assert call["billable"] is False
    assert call["billable_reason"] == "session lost; hangup cause 16"
    ended = datetime.fromisoformat(call["ended_at"]).timestamp()
    assert ended == harness.clock.time()
    assert await _live_overflow_claims(harness) == 0


async def test_report_for_an_unknown_call_changes_nothing(harness: Harness) -> None:
    reported = await harness.call(hangup_report("1795546800.45", "16"))
    assert reported.commands == [] and reported.server_closed
    assert await harness.get_json("/api/calls") == []


async def _until_no_live_calls(harness: Harness) -> None:
    for _ in range(100):
        if harness.switch.agi.active_calls == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the switch still handles the cut call")
