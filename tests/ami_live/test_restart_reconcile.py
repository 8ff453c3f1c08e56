"""A call bridged when its switch stops (a restart) or dies (a crash) is finished from AMI by
the next switch on the same database: true durations, qualification and money, and the target's
slot given back exactly once."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from calls import flows
from calls.gate import DialGate
from calls.harness import TUESDAY_2PM, Harness
from sqlalchemy import update

from ivr.app import Switch
from ivr.clock import ManualClock
from ivr.sim.ami import AmiDouble
from ivr.sim.ami.call_stream import call_stream
from ivr.sim.double import AsteriskDouble
from ivr.sim.report import CallReport
from ivr.sim.script import DialOutcome
from ivr.store.db import Database
from ivr.store.models import Call

from .conftest import REPO_ROOT, switch_settings
from .waits import until

ANSWERS = {"buyer-a-overflow": DialOutcome.answer(talk_s=95, ring_s=3)}


async def _bridged_when_switch_stops(
    switch: Switch, clock: ManualClock, tmp_path: Path
) -> CallReport:
    assert switch.agi_address is not None
    double = AsteriskDouble(clock, tmp_path / "rec", REPO_ROOT / "prompts")
    gate = DialGate(switch.agi_address)
    host, port = await gate.start()
    script = flows.auto_call(dial_outcomes=ANSWERS, uniqueid="1795546800.71")
    try:
        held = asyncio.create_task(double.place_call(host, port, script))
        await asyncio.wait_for(gate.dial_reached.wait(), 15)
        await switch.stop()  # the Dial never returned: the session is lost with the process
        gate.cut()
        return await asyncio.wait_for(held, 15)
    finally:
        await gate.close()


@pytest.mark.parametrize("left_by", ["restart", "crash"])
async def test_next_switch_finishes_the_call_from_ami(
    left_by: str, tmp_path: Path, sqlite_url: str
) -> None:
    ami = AmiDouble(auth_failure_delay_s=0.05)
    await ami.start()
    clock = ManualClock(TUESDAY_2PM)
    settings = switch_settings(tmp_path, sqlite_url, ami.port)
    first = Switch(settings, clock=clock, seed=1)
    await first.start(demo=True)
    report = await _bridged_when_switch_stops(first, clock, tmp_path)
    if left_by == "crash":  # a dead process closes nothing: only the routed checkpoint landed
        await _reopen(first, report.uniqueid, settings.effective_database_url)

    second = Switch(settings, clock=clock, seed=2)
    await second.start()
    try:
        assert second.ami is not None
        await second.ami.client.wait_connected(15)
        ami_service = second.ami
        await until(lambda: ami_service.live.rebuilds >= 1, 15, what="state rebuilt after login")
        for event in call_stream(report):
            await ami.emit(event)
        await until(
            lambda: second.reconciler.stats.reconciled == 1,
            15,
            what=f"reconciled ({second.reconciler.stats})",
        )
        await second.reconciler.drain()
        harness = Harness(second, clock, AsteriskDouble(clock), tmp_path)
        call = await harness.stored(report)
        load = await harness.load_of("buyer-a-overflow")
    finally:
        await second.stop()
        await ami.stop()

    assert call["status"] == "closed" and call["disposition"] == "connected"
    assert call["data_source"] == "ami"
    assert call.seconds("talk_s") == Decimal("95.000")
    assert call.seconds("ring_s") == Decimal("3.000")
    assert call["billable"] is True and call["billable_reason"] == "billable"
    assert (call.money("revenue"), call.money("payout"), call.money("margin")) == (
        Decimal("20"), Decimal("8"), Decimal("12"),
    )  # fmt: skip
    assert "ami.reconciled" in call.event_kinds()
    assert load.active == 0 and load.daily == 1  # live slot back, the connected call counted


async def _reopen(switch: Switch, uniqueid: str, url: str) -> None:
    """Make the stored record look as a crash leaves it: open, nothing closed."""
    async with Database(url) as db, db.write() as session:
        await session.execute(
            update(Call).where(Call.uniqueid == uniqueid).values(status="open", disposition=None)
        )
