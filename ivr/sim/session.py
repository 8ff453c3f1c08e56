"""One FastAGI session driven the way Asterisk's run_agi drives it: header, then one command
at a time, the unsolicited ``HANGUP`` line, 511 on a dead channel, AGISTATUS at the end.

The double never closes the socket: the channel lives until the server closes it (flowE).
"""

from __future__ import annotations

import asyncio
import time

from ivr.clock import ManualClock
from ivr.sim.apps import dial_hold
from ivr.sim.asterisk_parse import find_command, parse_args, runs_on_dead_channel, strip_line
from ivr.sim.call import Call
from ivr.sim.handlers import run_command
from ivr.sim.report import FROM_ASTERISK, TO_ASTERISK, AgiExchange, CallReport, TranscriptLine
from ivr.sim.wire import CommandReader

DEAD = "511 Command Not Permitted on a dead channel or intercept routine"
UNKNOWN = "510 Invalid or unknown command"


class AgiSession:
    def __init__(
        self,
        call: Call,
        clock: ManualClock | None,
        report: CallReport,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        idle_grace_s: float,
        silence_limit_s: float | None = None,
        *,
        transcript: bool = True,
    ) -> None:
        """``clock``: the shared clock the call pushes, or None for its own timeline.
        ``transcript`` False: the report keeps no lines and no exchanges (``commands`` and
        everything else stay), which roughly halves what a held call costs the double."""
        self.call = call
        self.channel = call.channel
        self.clock = clock
        self.report = report
        self._reader = CommandReader(reader)
        self._writer = writer
        self._idle_grace_s = idle_grace_s
        self._silence_limit_s = silence_limit_s
        self._commands = 0
        self._hangup_real: float | None = None
        self._transcript = transcript

    async def run(self, header: list[str]) -> None:
        await self._send(header)
        del header  # a held call should not keep its 23 header lines alive
        while True:
            line = await self._next_command()
            if line is None:
                break
            await self._handle(line)
        self._finish()

    async def _next_command(self) -> bytes | None:
        """Wait for the server; a caller due to hang up while the server is silent makes
        Asterisk push HANGUP with no command pending (06e)."""
        while True:
            due = self.call.caller.hangup_at
            hangup_pending = not self.channel.hung_up and due is not None
            timeout = self._idle_grace_s if hangup_pending else self._silence_limit_s
            try:
                return await self._reader.next_line(timeout)
            except TimeoutError:
                if not hangup_pending:
                    self.report.gave_up_on_server = True
                    return None
                assert due is not None
                self.channel.now = max(self.channel.now, due)
                self.call.mark_hung_up()
                await self._push_hangup()
            except ConnectionError:
                return None

    async def _handle(self, raw: bytes) -> None:
        self._sync_from_clock()
        text = strip_line(raw)
        self._log(TO_ASTERISK, text)
        self.report.commands.append(text)
        self._commands += 1
        caller = self.call.caller
        caller.command_started(self._commands, self.channel.now)
        if self._hangup_due():  # the caller left while no command ran: HANGUP comes first
            self.call.mark_hung_up()
            await self._push_hangup()
        sent_at = self.channel.epoch()
        argv = parse_args(text)
        hold = dial_hold(self.call, argv)
        if hold is not None:  # the buyer stays on the line until the hold is released
            self.call.held_talk_s = await hold.hold_bridge()
        replies = self._reply(argv)
        if self._transcript:
            exchange = AgiExchange(
                raw, text, tuple(argv), tuple(replies), sent_at, self.channel.epoch()
            )
            self.report.exchanges.append(exchange)
        await self._send(replies)
        self._sync_to_clock()
        if caller.hangs_up_after(self._commands):
            caller.hang_up_now(self.channel.now)
        if self._hangup_due():
            self.call.mark_hung_up()
        if self.call.hangup_seen:
            await self._push_hangup()

    def _reply(self, argv: list[str]) -> list[str]:
        command = find_command(argv)
        if command is None:
            return [UNKNOWN]
        if self.channel.hung_up and not runs_on_dead_channel(command):
            return [DEAD]
        return run_command(self.call, command, argv)

    def _hangup_due(self) -> bool:
        due = self.call.caller.hangup_at
        return not self.channel.hung_up and due is not None and due <= self.channel.now

    async def _push_hangup(self) -> None:
        self.call.hangup_seen = False
        self.report.hangup_pushed_at = self.channel.epoch()
        self._hangup_real = time.monotonic()
        await self._send(["HANGUP"])

    async def _send(self, lines: list[str]) -> None:
        for line in lines:
            self._log(FROM_ASTERISK, line)
        data = "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape")
        try:
            self._writer.write(data)
            await self._writer.drain()
        except ConnectionError:
            pass  # the server went away; its close is seen by the next read

    def _log(self, direction: str, text: str) -> None:
        if self._transcript:
            self.report.lines.append(TranscriptLine(direction, text, self.channel.epoch()))

    def _sync_from_clock(self) -> None:
        """Time the server spent between commands (its clock moved) passes on the channel.
        Without a shared clock the call keeps its own timeline and nothing moves it."""
        if self.clock is not None:
            self.channel.now = max(self.channel.now, self.clock.time() - self.channel.epoch0)

    def _sync_to_clock(self) -> None:
        if self.clock is None:
            return
        ahead = self.channel.epoch() - self.clock.time()
        if ahead > 0:
            self.clock.advance(ahead)

    def _finish(self) -> None:
        self._sync_from_clock()
        report, call = self.report, self.call
        if not report.gave_up_on_server:
            report.server_closed_at = self.channel.epoch()
        if self._hangup_real is not None:
            report.kept_after_hangup_real_s = time.monotonic() - self._hangup_real
        call.stop_monitor()  # the dialplan ends the call after the AGI returns
        if self.channel.hung_up:
            report.agistatus = "HANGUP"
        else:
            report.agistatus = "FAILURE" if self.channel.agi_failed else "SUCCESS"
        self.channel.variables["AGISTATUS"] = report.agistatus
