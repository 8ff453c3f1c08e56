"""The double under load: calls on their own timelines, and bridges held until released."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from ivr.clock import ManualClock, SystemClock
from ivr.sim.double import AsteriskDouble, Timeline
from ivr.sim.hold import BridgeHold
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript, DialOutcome, HangupPoint, HangupWhileRinging

START = 1_795_255_073.0
DIAL = b'EXEC Dial "PJSIP/buyer-a,30,gU(ivr-buyer-answered)"\n'
SESSION = [
    b"ANSWER\n",
    DIAL,
    b"GET VARIABLE ANSWEREDTIME_MS\n",
    b"GET VARIABLE IVR_ANSWERED_AT\n",
]


class ScriptedServer:
    """Sends the same commands on every connection; remembers when each Dial got its reply."""

    def __init__(self, commands: list[bytes]) -> None:
        self.commands = commands
        self.dial_replies = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readline() not in (b"\n", b""):
            pass
        for command in self.commands:
            writer.write(command)
            await reader.readline()
            self.dial_replies += command == DIAL
        writer.close()


@asynccontextmanager
async def listening(server: ScriptedServer) -> AsyncIterator[int]:
    listener = await asyncio.start_server(server.serve, "127.0.0.1", 0, backlog=256)
    async with listener:
        yield listener.sockets[0].getsockname()[1]


def script(
    outcome: DialOutcome, *, max_call_s: float = 3600.0, hangup: HangupPoint | None = None
) -> CallScript:
    return CallScript(
        did="18005550100",
        dial_outcomes={"buyer-a": outcome},
        max_call_s=max_call_s,
        hangup=hangup,
    )


async def place_many(
    double: AsteriskDouble, port: int, scripts: list[CallScript]
) -> list[CallReport]:
    return list(await asyncio.gather(*(double.place_call("127.0.0.1", port, s) for s in scripts)))


async def test_per_call_timelines_do_not_push_each_other() -> None:
    """40 calls of 100 s talk in flight together: on their own timelines each one lasts what
    its script says, however long the others take, and the base clock is left alone."""
    clock = ManualClock(START)
    double = AsteriskDouble(clock, timeline=Timeline.PER_CALL)
    calls = [script(DialOutcome.answer(100.0, ring_s=2.0), max_call_s=150.0)] * 40
    async with listening(ScriptedServer(SESSION)) as port:
        reports = await place_many(double, port, calls)
    assert clock.time() == START
    for report in reports:
        (dial,) = report.dials
        assert (dial.dialstatus, dial.talk_s, dial.caller_hung_up) == ("ANSWER", 100.0, False)
        assert report.started_at == START
        assert dial.answered_at == START + 0.5 + 2.0
        assert report.agistatus == "SUCCESS"


async def test_the_shared_timeline_is_pushed_by_every_call_in_flight() -> None:
    """The same load on one shared clock: the calls push it past the callers' patience, so
    some are cut short. This is why load runs use Timeline.PER_CALL."""
    clock = ManualClock(START)
    double = AsteriskDouble(clock)
    calls = [script(DialOutcome.answer(100.0, ring_s=2.0), max_call_s=150.0)] * 40
    async with listening(ScriptedServer(SESSION)) as port:
        reports = await place_many(double, port, calls)
    assert clock.time() >= START + 150.0
    assert any(report.dials[0].caller_hung_up for report in reports if report.dials)


def test_a_shared_timeline_needs_a_clock_it_can_move() -> None:
    with pytest.raises(TypeError):
        AsteriskDouble(SystemClock())
    assert AsteriskDouble(SystemClock(), timeline=Timeline.PER_CALL).timeline is Timeline.PER_CALL


async def test_held_bridges_stay_up_until_released() -> None:
    hold = BridgeHold()
    server = ScriptedServer(SESSION)
    double = AsteriskDouble(SystemClock(), timeline=Timeline.PER_CALL)
    async with listening(server) as port:
        calls = asyncio.gather(
            *(
                double.place_call("127.0.0.1", port, script(DialOutcome.answer_until(hold)))
                for _ in range(30)
            )
        )
        await asyncio.wait_for(hold.wait_for_held(30), 10)
        await asyncio.sleep(0.2)
        assert (hold.held, server.dial_replies) == (30, 0)  # nobody's Dial has returned
        hold.release()
        reports = await asyncio.wait_for(calls, 10)
    assert (hold.held, hold.total, server.dial_replies) == (0, 30, 30)
    for report in reports:
        (dial,) = report.dials
        assert dial.dialstatus == "ANSWER" and dial.result == 0
        assert 0.2 <= dial.talk_s < 10  # the real time it was held
        answered_ms = int(report.exchanges[2].replies[0].split("(")[1].rstrip(")"))
        assert answered_ms >= 200  # ANSWEREDTIME counts the held talk (from the caller's answer)


async def test_a_dial_that_does_not_bridge_is_not_held() -> None:
    hold = BridgeHold()
    rings_too_long = script(DialOutcome.answer_until(hold, ring_s=40.0))
    caller_leaves = script(
        DialOutcome.answer_until(hold, ring_s=5.0), hangup=HangupWhileRinging(1, 1.0)
    )
    double = AsteriskDouble(ManualClock(START), timeline=Timeline.PER_CALL)
    async with listening(ScriptedServer(SESSION)) as port:
        reports = await asyncio.wait_for(
            place_many(double, port, [rings_too_long, caller_leaves]), 5
        )
    assert [r.dials[0].dialstatus for r in reports] == ["NOANSWER", "CANCEL"]
    assert hold.total == 0 and not hold.released


async def test_a_released_hold_lets_later_bridges_through_at_once() -> None:
    hold = BridgeHold()
    hold.release()
    double = AsteriskDouble(ManualClock(START), timeline=Timeline.PER_CALL)
    async with listening(ScriptedServer(SESSION)) as port:
        (report,) = await asyncio.wait_for(
            place_many(double, port, [script(DialOutcome.answer_until(hold))]), 5
        )
    assert report.dials[0].dialstatus == "ANSWER"
    assert report.dials[0].talk_s < 1.0
    assert hold.total == 1


async def test_without_transcript_the_report_keeps_the_outcome_only() -> None:
    double = AsteriskDouble(ManualClock(START), timeline=Timeline.PER_CALL, transcript=False)
    async with listening(ScriptedServer(SESSION)) as port:
        (report,) = await place_many(double, port, [script(DialOutcome.answer(30.0))])
    assert (report.lines, report.exchanges) == ([], [])
    assert [c.split()[0] for c in report.commands] == ["ANSWER", "EXEC", "GET", "GET"]
    assert report.dials[0].talk_s == 30.0 and report.agistatus == "SUCCESS"
