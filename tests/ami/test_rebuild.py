"""Killing the double mid-call: the client reconnects and rebuilds state from CoreShowChannels."""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.ami import AmiClient, CallStateTracker, LiveCalls
from ivr.clock import ManualClock
from ivr.sim.ami import AmiDouble

from .helpers import call_events


async def _until(predicate: Callable[[], bool], timeout_s: float = 3.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_kill_mid_stream_then_restart_rebuilds_live_state(
    shared_asterisk: Path, make_client: Callable[..., AmiClient]
) -> None:
    events = call_events(shared_asterisk, "01-happy")
    ringing = next(i for i, e in enumerate(events) if e.event == "DialState")
    bridged = [i for i, e in enumerate(events) if e.event == "BridgeEnter"][-1]
    clock = ManualClock(start=0.0)
    double = AmiDouble(clock=clock, timestamp_events=True)
    await double.start()
    live = LiveCalls(CallStateTracker())
    client = make_client(double.port, clock=clock, on_connected=live.rebuild)
    live.attach(client)
    await client.start()
    await _until(lambda: live.rebuilds == 1)

    await double.replay(events[: ringing + 1])
    await client.action({"Action": "Ping"})
    [call] = live.tracker.live_calls()
    assert (call.phase, call.target) == ("ringing", "PJSIP/buyer1")
    assert live.tracker.concurrency() == {"PJSIP/buyer1": 1}

    await double.kill()  # the answer and the bridge happen while the link is down
    await double.replay(events[ringing + 1 : bridged + 1])
    await _until(lambda: not client.connected)
    [stale] = live.tracker.live_calls()
    assert stale.phase == "ringing"
    await double.restart()
    await _until(lambda: live.rebuilds == 2)

    assert client.stats.reconnects == 1
    [call] = live.tracker.live_calls()
    assert (call.phase, call.target) == ("talking", "PJSIP/buyer1")
    assert live.tracker.concurrency() == {"PJSIP/buyer1": 1}

    await double.replay(events[bridged + 1 :])
    await client.action({"Action": "Ping"})
    assert live.tracker.live_calls() == []
    [record] = live.tracker.take_finished()
    [leg] = record.legs
    assert (record.hangup_cause, leg.dial_status, leg.hangup_cause) == (16, "ANSWER", 16)
    assert len(record.cdrs) == 1
    # Talk counted from the reconnect (last event seen by the double before it) to BridgeLeave.
    assert record.total_talk_seconds == pytest.approx(63.608146 - 55.250629, abs=1e-5)
    await client.close()
    await double.stop()


def test_rebuild_ends_calls_that_vanished_and_adopts_new_ones() -> None:
    tracker = CallStateTracker()
    tracker.apply(
        {"Event": "Newchannel", "Channel": "PJSIP/c-1", "Uniqueid": "1.1", "Linkedid": "1.1"}, 10.0
    )
    item = {
        "Channel": "PJSIP/buyer2-0000000a", "Uniqueid": "2.2", "Linkedid": "2.1",
        "ChannelStateDesc": "Up", "Duration": "00:00:30", "BridgeId": "b-1",
    }  # fmt: skip
    caller = {
        "Channel": "PJSIP/c-2", "Uniqueid": "2.1", "Linkedid": "2.1", "ChannelStateDesc": "Up",
        "Application": "Dial", "ApplicationData": "PJSIP/buyer2,30,g",
        "Duration": "00:01:00", "BridgeId": "b-1",
    }  # fmt: skip
    tracker.rebuild([item, caller], 100.0)
    [gone] = tracker.take_finished()
    assert gone.linkedid == "1.1" and gone.ended_unobserved
    [call] = tracker.live_calls()
    assert (call.linkedid, call.phase, call.target) == ("2.1", "talking", "PJSIP/buyer2")
    assert call.since == 70.0  # at most as old as the buyer's channel
    assert tracker.concurrency() == {"PJSIP/buyer2": 1}
