"""A scripted FastAGI server for the double's tests: sends fixed command lines, one at a time,
and keeps what the double answered."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from ivr.clock import ManualClock
from ivr.sim.double import AsteriskDouble
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript

START = 1_795_255_073.0


@dataclass
class Heard:
    header: list[str] = field(default_factory=list)
    replies: list[list[str]] = field(default_factory=list)  # per command, HANGUP left out
    hangups: int = 0


async def _read_reply(reader: asyncio.StreamReader, heard: Heard) -> list[str]:
    lines: list[str] = []
    while line := await reader.readline():
        text = line.decode("utf-8")[:-1]
        if text == "HANGUP":
            heard.hangups += 1
            continue
        lines.append(text)
        if not lines[0].startswith("520-") or text.startswith("520 "):
            break  # a 520 reply runs from "520-..." to "520 End of proper usage."
    return lines


async def call_with_commands(
    commands: list[bytes],
    script: CallScript,
    *,
    recordings_dir: Path | None = None,
    close: bool = True,
    silence_limit_s: float | None = None,
) -> tuple[CallReport, Heard]:
    """Place one call from the double into a server that sends ``commands``; with
    ``close=False`` the server then stays silent until the double hangs up on it."""
    heard = Heard()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (line := await reader.readline()) not in (b"\n", b""):
            heard.header.append(line.decode("utf-8")[:-1])
        for command in commands:
            writer.write(command)
            heard.replies.append(await _read_reply(reader, heard))
        if not close:
            await reader.read()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    double = AsteriskDouble(
        ManualClock(start=START),
        recordings_dir,
        idle_grace_s=0.05,
        server_silence_limit_s=silence_limit_s,
    )
    async with server:
        report = await asyncio.wait_for(double.place_call("127.0.0.1", port, script), 10)
    return report, heard
