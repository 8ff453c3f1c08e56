"""Done when: a call whose AGI socket is cut mid-bridge ends with the same durations and billable
outcome as if nothing had happened. The same scripted call runs twice: once normally, once with
the FastAGI socket cut while the buyer talks; AMI reports what Asterisk saw meanwhile."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from calls import flows
from calls.gate import DialGate
from calls.harness import StoredCall

from ivr.sim.ami.call_stream import call_stream
from ivr.sim.report import CallReport
from ivr.sim.script import DialOutcome

from .conftest import LiveHarness
from .waits import until

COMPARED = ("talk_s", "ring_s", "billable", "billable_reason", "revenue", "payout", "margin",
            "target_id", "disposition", "campaign_id", "publisher_id")  # fmt: skip
ANSWERS = {"buyer-a-overflow": DialOutcome.answer(talk_s=95, ring_s=3)}


async def _emit_call(live: LiveHarness, report: CallReport) -> None:
    for event in call_stream(report):
        await live.asterisk.emit(event)


async def _run_normally(live: LiveHarness) -> StoredCall:
    report = await live.call(flows.auto_call(dial_outcomes=ANSWERS, uniqueid="1795546800.61"))
    await _emit_call(live, report)  # AMI sees the same call; the live session closed it
    await until(lambda: live.switch.reconciler.stats.settled == 1, what="AMI end settled")
    await live.switch.reconciler.drain()
    return await live.stored(report)


async def _run_cut(live: LiveHarness) -> tuple[StoredCall, CallReport]:
    assert live.switch.agi_address is not None
    gate = DialGate(live.switch.agi_address)
    host, port = await gate.start()
    # Another Chicago caller: the same one again would be screened as a duplicate.
    script = flows.auto_call("+13125550124", dial_outcomes=ANSWERS, uniqueid="1795546800.62")
    try:
        held = asyncio.create_task(live.double.place_call(host, port, script))
        await asyncio.wait_for(gate.dial_reached.wait(), 5)
        gate.cut()  # mid-bridge: the double has played the Dial, the app never hears of it
        report = await asyncio.wait_for(held, 5)
    finally:
        await gate.close()
    await until(lambda: live.switch.agi.active_calls == 0, what="session closed")
    lost = await live.stored(report)
    assert lost["disposition"] == "failed" and lost["data_source"] == "agi"
    await _emit_call(live, report)
    await until(lambda: live.switch.reconciler.stats.reconciled == 1, what="reconciled")
    await live.switch.reconciler.drain()
    return await live.stored(report), report


async def test_cut_mid_bridge_gives_the_same_record(live: LiveHarness) -> None:
    await until(lambda: live.switch.ami is not None and live.switch.ami.live.rebuilds == 1)
    normal = await _run_normally(live)
    cut, report = await _run_cut(live)

    for field in COMPARED:
        assert cut[field] == normal[field], field
    assert normal["data_source"] == "agi" and cut["data_source"] == "ami"
    assert cut["status"] == "closed" and cut["disposition"] == "connected"
    assert cut.seconds("talk_s") == Decimal("95.000") and cut.seconds("ring_s") == Decimal("3.000")
    assert cut["billable"] is True and cut.money("revenue") == Decimal("20.00")
    assert cut.money("payout") == Decimal("8.00") and cut.money("margin") == Decimal("12.00")
    kinds = cut.event_kinds()
    assert kinds.index("session.lost") < kinds.index("ami.reconciled") < len(kinds) - 1
    assert kinds[-1] == "call.end"
    [attempt] = cut.attempts
    assert attempt["dial_status"] == "ANSWER" and attempt["hangup_cause"] == 16
    assert report.dials[0].answered_at is not None
    # The cap slot of the connected call is kept, its live slot given back: exactly one each.
    load = await live.load_of("buyer-a-overflow")
    assert load.active == 0 and load.daily == 2  # the normal call and the cut one
    assert live.switch.reconciler.stats.releases == 1
