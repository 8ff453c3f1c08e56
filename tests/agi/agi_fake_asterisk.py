"""Asterisk's side of a FastAGI connection, for tests: a replayer of recorded transcripts and a
small scripted Asterisk that follows the hang-up rules of shared/asterisk/README.md.

Both read the app's commands the way Asterisk does (``ivr.sim.asterisk_parse``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace

from agi_transcripts import Exchange

from ivr.agi.server import FastAgiServer
from ivr.sim.asterisk_parse import find_command, parse_args, runs_on_dead_channel

StartServer = Callable[..., Awaitable[tuple[FastAgiServer, str, int]]]
IO_TIMEOUT_S = 5.0
DEAD = b"511 Command Not Permitted on a dead channel or intercept routine"


def header(script: str, *args: str, uniqueid: str = "1795254452.0") -> bytes:
    """An ``agi_*`` header as Asterisk 22 sends it (agi-environment-reference.txt)."""
    lines = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        f"agi_request: agi://127.0.0.1:4573/{script}",
        "agi_channel: PJSIP/carrier-00000000",
        "agi_language: en",
        "agi_type: PJSIP",
        f"agi_uniqueid: {uniqueid}",
        "agi_version: 22.10.1",
        "agi_callerid: 15551234567",
        "agi_calleridname: Carrier Test",
        "agi_dnid: 18005550100",
        "agi_context: from-carrier",
        "agi_extension: 18005550100",
        "agi_accountcode: ",
    ]
    lines += [f"agi_arg_{n}: {arg}" for n, arg in enumerate(args, 1)]
    return ("\n".join(lines) + "\n\n").encode()


async def read_command(reader: asyncio.StreamReader) -> bytes:
    """The next command line, or b"" once the app closed the socket."""
    return await asyncio.wait_for(reader.readline(), IO_TIMEOUT_S)


async def expect_closed(reader: asyncio.StreamReader) -> None:
    rest = await asyncio.wait_for(reader.read(), IO_TIMEOUT_S)
    assert rest == b"", f"the app sent more after its last command: {rest!r}"


def same_command(sent: bytes, recorded: bytes) -> bool:
    """Equal as Asterisk reads them: command words match case-insensitively, arguments exactly."""
    got, want = parse_args(sent), parse_args(recorded)
    command = find_command(want)
    if command is None or find_command(got) != command:
        return got == want
    return got[len(command) :] == want[len(command) :]


@dataclass
class ReplayAsterisk:
    """Plays Asterisk from a transcript: sends the header, expects each recorded command
    (compared as Asterisk parses it), answers with the recorded reply lines, and pushes HANGUP
    where it was recorded. A command that Asterisk answered 511 may be left out by the app
    (it knows the channel is dead): such an exchange is skipped when the app sent the next one.
    """

    header: Sequence[bytes]
    exchanges: Sequence[Exchange]
    received: list[bytes] = field(default_factory=list)
    skipped: list[bytes] = field(default_factory=list)
    probes: list[bytes] = field(default_factory=list)  # CHANNEL STATUS probes, not recorded

    async def run(self, host: str, port: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(b"".join(line + b"\n" for line in self.header) + b"\n")
            await self._play(reader, writer)
            await expect_closed(reader)
        finally:
            writer.close()
            await writer.wait_closed()

    async def _play(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pending = list(self.exchanges)
        line = await read_command(reader)
        while pending:
            exchange = pending.pop(0)
            if line == b"CHANNEL STATUS\n" and not same_command(line, exchange.sent):
                # The app's probe after GET DATA -1 (hang-up or missing prompt?). Asterisk answers
                # it from the channel's state: dead if the transcript's next reply follows HANGUP.
                dead = exchange.hangup_before_reply
                writer.write(
                    b"HANGUP\n511 Command Not Permitted on a dead channel or intercept routine\n"
                    if dead
                    else b"200 result=6\n"
                )
                self.probes.append(line)
                exchange = replace(exchange, hangup_before_reply=False) if dead else exchange
                pending.insert(0, exchange)
                line = await read_command(reader)
                continue
            if not same_command(line, exchange.sent):
                assert exchange.reply == [DEAD], f"expected {exchange.sent!r}, got {line!r}"
                self.skipped.append(exchange.sent)
                continue
            self.received.append(line)
            out = [b"HANGUP"] if exchange.hangup_before_reply else []
            out += exchange.reply
            out += [b"HANGUP"] if exchange.hangup_after_reply else []
            writer.write(b"".join(part + b"\n" for part in out))
            line = await read_command(reader)
        assert line == b"", f"unexpected extra command {line!r}"


LIVE_REPLIES = {
    ("answer",): b"200 result=0",
    ("stream", "file"): b"200 result=0 endpos=8000",
    ("wait", "for", "digit"): b"200 result=49",
    ("say", "digits"): b"200 result=0",
    ("channel", "status"): b"200 result=6",
    ("verbose",): b"200 result=1",
    ("exec",): b"200 result=0",
}
FAILED_BY_HANGUP = {("stream", "file"): b"200 result=-1 endpos=4000"}


@dataclass
class ScriptedAsterisk:
    """An Asterisk that answers by the rules seen in the transcripts and hangs up once:

    * ``hangup_at=(n, "idle")``: HANGUP is pushed at once after the reply to command n-1
      (no command running), as in corpus/06e;
    * ``hangup_at=(n, "during")``: command n is running when the caller leaves: a channel
      command answers ``200 result=-1`` then HANGUP follows; a command that does not touch the
      channel answers normally, then HANGUP (corpus/06c, calls/hangup-during-getdata).

    Afterwards channel commands get 511, variable commands / VERBOSE / EXEC still 200.
    GET DATA answers the digits of its prompt name after ``digits-``; GET VARIABLE answers
    ``value-of-<name>``, so a reply given to the wrong command cannot go unnoticed.
    """

    hangup_at: tuple[int, str] | None = None
    split_writes: bool = False  # send "-1" and HANGUP in two writes, with a pause
    received: list[list[str]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    dead: bool = False

    async def run(self, host: str, port: int, script: str = "test") -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(header(script))
            if self.hangup_at == (0, "idle"):
                await self._hang_up(writer)
            while line := await read_command(reader):
                await self._answer(parse_args(line), writer)
                if self.hangup_at == (len(self.received), "idle") and not self.dead:
                    await self._hang_up(writer)
        finally:
            writer.close()
            await writer.wait_closed()

    async def _answer(self, argv: list[str], writer: asyncio.StreamWriter) -> None:
        position = len(self.received)
        self.received.append(argv)
        command = find_command(argv)
        if command is None:
            writer.write(b"510 Invalid or unknown command\n")
            return
        if self.dead and not runs_on_dead_channel(command):
            writer.write(DEAD + b"\n")
            return
        if self.hangup_at == (position, "during") and not self.dead:
            failed = not runs_on_dead_channel(command)
            reply = FAILED_BY_HANGUP.get(command, b"200 result=-1") if failed else None
            writer.write((reply or self._reply(command, argv)) + b"\n")
            await self._hang_up(writer)
            return
        writer.write(self._reply(command, argv) + b"\n")

    async def _hang_up(self, writer: asyncio.StreamWriter) -> None:
        if self.split_writes:
            await writer.drain()
            await asyncio.sleep(0.01)
        self.dead = True
        writer.write(b"HANGUP\n")

    def _reply(self, command: tuple[str, ...], argv: list[str]) -> bytes:
        if command == ("get", "variable"):
            name = argv[2]
            value = self.variables.get(name, f"value-of-{name}")
            return f"200 result=1 ({value})".encode()
        if command == ("set", "variable"):
            self.variables[argv[2]] = argv[3]
            return b"200 result=1"
        if command == ("get", "data"):
            return f"200 result={argv[2].removeprefix('digits-')}".encode()
        return LIVE_REPLIES[command]
