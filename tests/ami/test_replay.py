"""Every recorded AMI stream replayed through double -> TCP -> client -> state."""

from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.ami import AmiClient, CallRecord, CallStateTracker, LiveCalls
from ivr.clock import ManualClock
from ivr.sim.ami import AmiDouble

from .helpers import CALLS, call_events

# Read off each transcript: caller hangup cause, then per leg (target, DialStatus, leg
# cause, TechCause), then the Cdr dispositions, then talk time: from the second BridgeEnter to
# the first BridgeLeave (times of each event's first line in ami.log).
EXPECTED = {
    "01-happy": (16, [("PJSIP/buyer1", "ANSWER", 16, "")], ["ANSWERED"], 63.608146 - 55.250629),
    "02-fallback-busy": (
        16,
        [("PJSIP/buyer1", "BUSY", 17, "486"), ("PJSIP/buyer2", "ANSWER", 16, "")],
        ["BUSY", "ANSWERED"],
        18.703961 - 10.350726,
    ),
    "03-fallback-noanswer": (
        16,
        [("PJSIP/buyer1", "NOANSWER", 0, ""), ("PJSIP/buyer2", "ANSWER", 16, "")],
        ["NO ANSWER", "ANSWERED"],
        37.796567 - 30.443360,
    ),
    "04-flowB-agi-exec-dial-busy": (
        16,
        [("PJSIP/buyer1", "BUSY", 17, "486"), ("PJSIP/buyer2", "ANSWER", 16, "")],
        ["BUSY", "ANSWERED"],
        52.882046 - 44.522535,
    ),
    "allfail-busy-then-unreachable": (
        17,
        [("PJSIP/buyer1", "BUSY", 17, "486"), ("PJSIP/buyer2", "NOANSWER", 0, "")],
        ["BUSY", "NO ANSWER", "ANSWERED"],
        0.0,
    ),
    "flowC-panoramisk-hangup": (0, [], ["ANSWERED"], 0.0),
    "flowD-agi-server-down": (16, [], ["ANSWERED"], 0.0),
    "hangup-during-getdata": (0, [], ["ANSWERED"], 0.0),
    "reject-480-then-603": (
        21,
        [("PJSIP/buyer1", "NOANSWER", 19, "480"), ("PJSIP/buyer2", "NOANSWER", 21, "603")],
        ["NO ANSWER", "NO ANSWER", "ANSWERED"],
        0.0,
    ),
    "reject-503-then-404": (
        1,
        [("PJSIP/buyer1", "CONGESTION", 34, "503"), ("PJSIP/buyer2", "NOANSWER", 1, "404")],
        ["FAILED", "NO ANSWER", "ANSWERED"],
        0.0,
    ),
}


async def _replay_through_tcp(
    shared: Path, name: str, make_client: Callable[..., AmiClient]
) -> CallStateTracker:
    clock = ManualClock(start=0.0)
    double = AmiDouble(clock=clock, timestamp_events=True)
    await double.start()
    live = LiveCalls(CallStateTracker())
    client = make_client(double.port, clock=clock)
    live.attach(client)
    await client.start()
    await double.replay(call_events(shared, name))
    await client.action({"Action": "Ping"})  # answered after every event before it
    await client.close()
    await double.stop()
    # every recorded event, plus FullyBooted and SuccessfulAuth of our own login
    assert live.bus.published == len(call_events(shared, name)) + 2
    return live.tracker


@pytest.mark.parametrize("name", CALLS)
async def test_replayed_call_gives_the_recorded_outcome(
    name: str, shared_asterisk: Path, make_client: Callable[..., AmiClient]
) -> None:
    tracker = await _replay_through_tcp(shared_asterisk, name, make_client)
    if name == "flowE-agi-linger-after-hangup":  # the AGI kept the channel up: still live
        [live] = tracker.live_calls()
        assert (live.phase, live.caller_channel) == ("in_ivr", "PJSIP/carrier-00000029")
        assert not tracker.finished
        return
    assert tracker.live_calls() == [] and sum(tracker.concurrency().values()) == 0
    [record] = tracker.take_finished()
    cause, legs, dispositions, talk = EXPECTED[name]
    _assert_record(record, cause, legs, dispositions, talk)


def _assert_record(
    record: CallRecord,
    cause: int,
    legs: list[tuple[str, str, int, str]],
    dispositions: list[str],
    talk: float,
) -> None:
    assert record.hangup_cause == cause
    got = [(leg.endpoint, leg.dial_status, leg.hangup_cause, leg.tech_cause) for leg in record.legs]
    assert got == legs
    assert [cdr["Disposition"] for cdr in record.cdrs] == dispositions
    dial_cdrs = [c for c in record.cdrs if c["LastApplication"] == "Dial"]
    assert len(dial_cdrs) == len(record.legs)  # one Cdr per Dial attempt
    assert record.total_talk_seconds == pytest.approx(talk, abs=1e-5)
    assert not record.ended_unobserved


def test_every_corpus_stream_replays_to_a_quiet_state(shared_asterisk: Path) -> None:
    """The pure tracker on all 09*/0x corpus streams: every call that hung up is closed."""
    from ivr.sim.ami import parse_ami_log, recorded_events

    for log in sorted((shared_asterisk / "corpus").glob("*/ami.log")):
        tracker = CallStateTracker()
        blocks = recorded_events(parse_ami_log(log))
        for block in blocks:
            tracker.apply(block.as_dict(), block.at)
        hangups = {b.header("Uniqueid") for b in blocks if b.event == "Hangup"}
        for live in tracker.live_calls():
            assert live.linkedid not in hangups, f"{log.parent.name}: {live}"
        for record in tracker.finished.values():
            assert record.hangup_cause is not None, log.parent.name
