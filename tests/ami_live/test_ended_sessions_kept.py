"""An ended session is remembered only while AMI may still report on it: kept until AMI's end
of the call settles it, then dropped (without AMI: tests/calls/test_connected.py)."""

from __future__ import annotations

from calls import flows

from ivr.sim.ami.call_stream import call_stream

from .conftest import LiveHarness
from .waits import until


async def test_an_ended_session_waits_for_ami_then_is_dropped(live: LiveHarness) -> None:
    report = await live.call(flows.auto_call(uniqueid="1795546800.71"))
    assert live.switch.reconciler.awaiting_ami == 1
    for event in call_stream(report):
        await live.asterisk.emit(event)
    await until(lambda: live.switch.reconciler.stats.settled == 1, what="AMI end settled")
    await live.switch.reconciler.drain()
    assert live.switch.reconciler.awaiting_ami == 0
