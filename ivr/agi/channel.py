"""``AgiChannel``: the typed ``CallChannel`` over one FastAGI connection.

One command at a time, one reply per command: a command is written, then its reply is read
(a ``520-`` usage block is read to its end), all within ``command_timeout_s``. Asterisk's
unsolicited ``HANGUP`` never reaches the reply reader (the connection takes it out), so the
replies cannot shift by one after a hang-up.

Hang-up is data. ``hung_up`` is true once Asterisk pushed ``HANGUP`` or answered 511. Commands
that need a live channel (ANSWER, STREAM FILE, GET DATA, WAIT FOR DIGIT, SAY DIGITS, CHANNEL
STATUS, HANGUP) then raise ``ChannelHungUp`` without being sent; they also raise it when they
come back with ``result=-1`` (hang-up or failure: Asterisk says no more). Variable commands,
VERBOSE and EXEC keep working on a dead channel, so the end of a call can still be read.

A command timeout makes the reply stream untrustworthy: the connection is aborted and the call
is over (``AgiTimeout``).
"""

from __future__ import annotations

import logging
import math
from typing import NoReturn

from ivr.agi.api import (
    AgiCommandError,
    AgiEnvironment,
    AgiTimeout,
    ChannelHungUp,
    DigitInput,
    Playback,
)
from ivr.agi.connection import AgiConnection
from ivr.agi.quoting import build_command
from ivr.agi.replies import (
    DEAD_CHANNEL,
    AgiReply,
    MalformedReply,
    is_last_line,
    parse_reply,
    reply_code,
)

log = logging.getLogger("ivr.agi.call")

ANSWER = ("ANSWER",)
STREAM_FILE = ("STREAM", "FILE")
GET_DATA = ("GET", "DATA")
WAIT_FOR_DIGIT = ("WAIT", "FOR", "DIGIT")
SAY_DIGITS = ("SAY", "DIGITS")
CHANNEL_STATUS = ("CHANNEL", "STATUS")
HANGUP = ("HANGUP",)
GET_VARIABLE = ("GET", "VARIABLE")
GET_FULL_VARIABLE = ("GET", "FULL", "VARIABLE")
SET_VARIABLE = ("SET", "VARIABLE")
EXEC = ("EXEC",)
VERBOSE = ("VERBOSE",)


def _milliseconds(timeout_s: float) -> str:
    """Asterisk takes milliseconds; a negative timeout means wait forever (-1)."""
    return "-1" if timeout_s < 0 else str(round(timeout_s * 1000))


def _digit(result: int) -> str | None:
    """A digit reply (ASCII code; 0 = none pressed)."""
    return chr(result) if result > 0 else None


class AgiChannel:
    """What a call handler talks to: one FastAGI session's commands, one at a time."""

    def __init__(
        self, env: AgiEnvironment, connection: AgiConnection, *, command_timeout_s: float
    ) -> None:
        self.env = env
        self._conn = connection
        self._timeout_s = command_timeout_s
        self._dead_reply = False  # a 511 came back
        self._debug = log.isEnabledFor(logging.DEBUG)  # decided once per call: keeps it cheap

    @property
    def hung_up(self) -> bool:
        return self._dead_reply or self._conn.hangup_seen

    @property
    def usable(self) -> bool:
        """Whether commands can still be sent (the socket is open and in step)."""
        return not self._conn.closing

    # --- the one command path ---------------------------------------------------------------

    async def command(
        self,
        words: tuple[str, ...],
        *args: str,
        needs_live_channel: bool = False,
        timeout_s: float | None = None,
    ) -> AgiReply:
        """Send one command, return its 200 reply; 511 -> ``ChannelHungUp``, other codes ->
        ``AgiCommandError``. ``timeout_s`` replaces the server's command timeout for commands
        that last as long as the caller wants (``math.inf``: no limit).

        The hot path of every call: one coroutine from here to the connection's reply line."""
        if needs_live_channel and self.hung_up:
            raise ChannelHungUp(f"{' '.join(words)}: the caller hung up")
        line = build_command(words, args)
        conn = self._conn
        deadline = conn.loop_time() + (self._timeout_s if timeout_s is None else timeout_s)
        conn.send(line)
        if self._debug:
            log.debug("%s >> %r", self.env.uniqueid, line)
        try:
            first = await conn.read_line(deadline)
            code, more = reply_code(first)
            lines = await self._read_block(first, code, deadline) if more else (first,)
            reply = parse_reply(lines, code)
        except (AgiTimeout, MalformedReply) as exc:
            self._give_up(line, exc)
        if self._debug:
            log.debug("%s << %r", self.env.uniqueid, reply.lines)
        if reply.code == 200:
            return reply
        if reply.code == DEAD_CHANNEL:
            self._dead_reply = True
            raise ChannelHungUp(f"{' '.join(words)}: {reply.text}")
        raise AgiCommandError(line[:-1].decode(), reply.code, reply.text)

    async def _read_block(self, first: str, code: int, deadline: float) -> tuple[str, ...]:
        """The rest of a multi-line (``520-``) reply, up to its ``520 `` line."""
        lines = [first]
        while True:
            line = await self._conn.read_line(deadline)
            lines.append(line)
            if is_last_line(code, line):
                return tuple(lines)

    def _give_up(self, line: bytes, exc: Exception) -> NoReturn:
        """No (usable) reply: the reply stream is out of step, so the call is over."""
        self._conn.abort()
        if isinstance(exc, AgiTimeout):
            raise AgiTimeout(f"{line[:-1].decode()!r}: no reply in time") from None
        raise AgiCommandError(line[:-1].decode(), 0, str(exc)) from None

    # --- CallChannel ------------------------------------------------------------------------

    async def answer(self) -> None:
        reply = await self.command(ANSWER, needs_live_channel=True)
        if reply.result_int < 0:
            raise ChannelHungUp("ANSWER failed: the caller is gone")

    async def stream_file(self, name: str, escape_digits: str = "") -> Playback:
        reply = await self.command(STREAM_FILE, name, escape_digits, needs_live_channel=True)
        result, endpos = reply.result_int, reply.endpos or 0
        if result >= 0:
            return Playback(digit=_digit(result), endpos=endpos)
        if endpos == 0 and not self.hung_up:
            return Playback(digit=None, endpos=0, missing=True)
        raise ChannelHungUp(f"STREAM FILE {name}: the caller hung up")

    async def get_data(self, prompt: str, timeout_s: float, max_digits: int) -> DigitInput:
        if timeout_s <= 0 or max_digits < 1:
            raise ValueError("GET DATA needs a positive timeout and max_digits")
        ms = _milliseconds(timeout_s)
        # the prompt plays first, then each digit may take up to timeout_s
        limit = self._timeout_s + timeout_s * (max_digits + 1)
        reply = await self.command(
            GET_DATA, prompt, ms, str(max_digits), needs_live_channel=True, timeout_s=limit
        )
        if reply.result == "-1":
            return await self._get_data_failed(prompt)
        return DigitInput(digits=reply.result, timed_out=reply.timed_out)

    async def _get_data_failed(self, prompt: str) -> DigitInput:
        """GET DATA answers -1 both when the caller hung up and when its prompt is missing.

        Asking the channel's status tells them apart: a dead channel pushes HANGUP or answers
        511 (both raise ChannelHungUp here). A live caller must not be dropped over a missing
        file: the read counts as silence, so the menu retries and then takes its failure exit.
        """
        await self.channel_status()
        log.warning(
            "%s GET DATA %s failed on a live channel: missing prompt?", self.env.uniqueid, prompt
        )
        return DigitInput(digits="", timed_out=True)

    async def wait_for_digit(self, timeout_s: float) -> str | None:
        limit = math.inf if timeout_s < 0 else self._timeout_s + timeout_s
        reply = await self.command(
            WAIT_FOR_DIGIT, _milliseconds(timeout_s), needs_live_channel=True, timeout_s=limit
        )
        if reply.result_int < 0:
            raise ChannelHungUp("WAIT FOR DIGIT: hang-up or failure")
        return _digit(reply.result_int)

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None:
        reply = await self.command(SAY_DIGITS, digits, escape_digits, needs_live_channel=True)
        if reply.result_int < 0:
            raise ChannelHungUp("SAY DIGITS: hang-up or failure")
        return _digit(reply.result_int)

    async def channel_status(self) -> int:
        reply = await self.command(CHANNEL_STATUS, needs_live_channel=True)
        return reply.result_int

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command(GET_VARIABLE, name)
        return None if reply.result == "0" else (reply.data or "")

    async def get_full_variable(self, expression: str) -> str | None:
        reply = await self.command(GET_FULL_VARIABLE, expression)
        return None if reply.result == "0" else (reply.data or "")

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(SET_VARIABLE, name, value)

    async def exec(self, application: str, *args: str, timeout_s: float | None = None) -> int:
        """Run a dialplan application. Its arguments travel as ONE AGI argument joined with
        ``,`` (EXEC hands only that word to the application, which splits it itself).

        EXEC returns when the application ends: give ``Dial`` a ``timeout_s`` that covers
        ringing plus the longest talk time (or ``math.inf``)."""
        words = (application, ",".join(args)) if args else (application,)
        reply = await self.command(EXEC, *words, timeout_s=timeout_s)
        return reply.result_int

    async def verbose(self, message: str, level: int = 1) -> None:
        await self.command(VERBOSE, message, str(level))

    async def hangup(self) -> None:
        """Hang the caller up; a no-op when the caller is already gone."""
        if self.hung_up:
            return
        try:
            await self.command(HANGUP, needs_live_channel=True)
        except ChannelHungUp:
            pass
