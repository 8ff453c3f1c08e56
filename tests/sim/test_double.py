"""Behaviour of the double beyond the transcripts: recordings, a server that is down."""

from __future__ import annotations

import asyncio
import socket
import wave
from pathlib import Path

from ivr.clock import ManualClock
from ivr.sim.double import AsteriskDouble
from ivr.sim.script import CallScript, DialOutcome

COMMANDS = [
    b"ANSWER\n",
    b'EXEC MixMonitor "/var/spool/asterisk/monitor/x/rec.wav,b"\n',
    b'EXEC Dial "PJSIP/buyer-a,30,gU(ivr-buyer-answered)"\n',
    b"GET VARIABLE IVR_ANSWERED_AT\n",
]


async def run_server(commands: list[bytes]) -> tuple[asyncio.Server, int, list[str]]:
    replies: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readline() not in (b"\n", b""):
            pass
        for command in commands:
            writer.write(command)
            replies.append((await reader.readline()).decode()[:-1])
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], replies


async def test_bridged_recording_is_a_wav_of_the_talk_time(tmp_path: Path) -> None:
    clock = ManualClock(start=1_795_255_073.0)
    script = CallScript(
        did="18005550100", dial_outcomes={"buyer-a": DialOutcome.answer(95.0, ring_s=3.0)}
    )
    server, port, replies = await run_server(COMMANDS)
    async with server:
        report = await AsteriskDouble(clock, tmp_path).place_call("127.0.0.1", port, script)
    answered = 1_795_255_073.0 + 0.5 + 3.0
    assert replies == [
        "200 result=0",
        "200 result=0",
        "200 result=0",
        f"200 result=1 ({answered:.3f})",
    ]
    with wave.open(str(tmp_path / "x" / "rec.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getnframes() == 95 * 8000
    assert report.dials[0].dialstatus == "ANSWER" and report.dials[0].talk_s == 95.0
    assert report.agistatus == "SUCCESS"
    assert clock.time() >= answered + 95.0


async def test_nothing_listening_gives_agistatus_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    report = await AsteriskDouble(ManualClock()).place_call(
        "127.0.0.1", port, CallScript(did="18005550103")
    )
    assert not report.connected
    assert report.variables["AGISTATUS"] == "FAILURE"
