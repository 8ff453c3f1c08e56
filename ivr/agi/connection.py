"""One FastAGI socket: line framing, the ``agi_*`` header, and reply lines for the channel.

A plain ``asyncio.Protocol`` rather than streams, for three reasons:

* the header is parsed inside ``data_received`` under limits (line length, line count, time),
  so a connection that closes at once or sends garbage costs no task and cannot spin: EOF is
  an event here, not an empty read to loop on;
* the unsolicited ``HANGUP`` line is taken out of the byte stream as it arrives, so it can never
  be read as the reply of a command (the reply that follows it is the command's own);
* reading a reply that is already buffered needs no await, and waiting for one costs a future
  and a timer handle: no task per command.

A ``BufferedProtocol``: asyncio hands a plain protocol each read as a new bytes object, made
at 256 KiB before the read and shrunk after it. Above glibc's mmap threshold that is an mmap,
an mremap and a munmap per read: 8.5 of each per 10-command session in ``bench/agi_bench.py``,
whose server then used 0.53 ms of CPU per session against 0.47 ms with the threshold raised
(bench/README.md, round 12). Whether a process pays it depends on what it freed before, so
the connections read into one buffer their server lends them (``receive_buffer``) and copy
out only what arrived.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ivr.agi.api import AgiConnectionLost, AgiEnvironment, AgiTimeout
from ivr.agi.environment import HeaderError, build_environment, parse_header_lines
from ivr.agi.replies import HANGUP_LINE
from ivr.aio import free_closed_transport

log = logging.getLogger(__name__)

TIMER_SLACK_S = 0.001  # the loop may run a timer a hair before its time


RECEIVE_BUFFER_BYTES = 65_536


def receive_buffer() -> memoryview:
    """One read's room, for the connections of one event loop to share: the loop runs one
    callback at a time, and each read is copied out before the next (``buffer_updated``)."""
    return memoryview(bytearray(RECEIVE_BUFFER_BYTES))


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    header_timeout_s: float = 5.0
    max_header_lines: int = 128
    max_line_bytes: int = 8192


class AgiConnection(asyncio.BufferedProtocol):
    """Frames lines; hands the header to ``on_header`` once complete; queues reply lines."""

    def __init__(
        self,
        limits: ConnectionLimits,
        on_header: Callable[[AgiConnection, AgiEnvironment], None],
        on_closed: Callable[[AgiConnection], None],
        receive_into: memoryview,
    ) -> None:
        """``receive_into``: where reads land (``receive_buffer()``, shared by a server's
        connections)."""
        self._receive_into = receive_into
        self._limits = limits
        self._on_header = on_header
        self._on_closed = on_closed
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._partial = b""
        self._header: dict[str, str] | None = {}  # None once the header is complete
        self._header_buf = bytearray()
        self._header_lines = 0
        self._header_checked = 0  # offset in _header_buf up to which lines were checked
        self._timer: asyncio.TimerHandle | None = None  # reply deadline, re-armed lazily
        self._deadline = math.inf
        self._header_timer: asyncio.TimerHandle | None = None
        self._lines: deque[str] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.peer: object = None
        self.hangup_seen = False  # Asterisk pushed the bare HANGUP line
        self.closing = False  # we closed it, or the peer did
        self.lost = False  # connection_lost ran: the socket is gone

    # --- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self.peer = transport.get_extra_info("peername")
        self._header_timer = self._loop.call_later(
            self._limits.header_timeout_s, self._reject, "header not complete in time"
        )

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._receive_into

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(self._receive_into[:nbytes]))

    def data_received(self, data: bytes) -> None:
        """``data`` as read from the socket (``buffer_updated``; tests feed it directly)."""
        if self._header is not None:
            self._header_data(data)
            return
        if self._partial:
            data = self._partial + data
        start = 0
        newline = data.find(b"\n")
        while newline >= 0 and not self.closing:
            self._on_line(data[start:newline].decode("utf-8", "replace"))
            start = newline + 1
            newline = data.find(b"\n", start)
        self._partial = data[start:] if start < len(data) else b""
        if len(self._partial) > self._limits.max_line_bytes:
            self._reject("line too long")

    def eof_received(self) -> bool:
        return False  # half-closed is closed: the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = self.lost = True
        self._partial = b""
        self._header_buf.clear()
        for timer in (self._header_timer, self._timer):
            if timer is not None:
                timer.cancel()
        self._wake(AgiConnectionLost("the FastAGI connection is closed"))
        self._on_closed(self)
        free_closed_transport(self._transport)

    # --- the header -------------------------------------------------------------------------

    def _header_data(self, data: bytes) -> None:
        """Collect the header up to its blank line, then parse it in one go."""
        buf = self._header_buf
        searched = max(len(buf) - 1, 0)
        buf += data
        end = 0 if buf.startswith(b"\n") else buf.find(b"\n\n", searched)
        if end < 0:
            self._header_lines += data.count(b"\n")
            last_newline = buf.rfind(b"\n")
            if len(buf) - last_newline - 1 > self._limits.max_line_bytes:
                self._reject("header line too long")
            elif self._header_lines > self._limits.max_header_lines:
                self._reject("too many header lines")
            elif not self._lines_look_like_header(last_newline):
                self._reject("not an agi_* header")
            return
        block, rest = bytes(buf[:end]), bytes(buf[end + 2 if end else 1 :])
        buf.clear()
        self._header_complete(block)
        if rest and not self.closing:
            self.data_received(rest)

    def _lines_look_like_header(self, last_newline: int) -> bool:
        """Check the lines completed since the last look (an incomplete header may never end,
        but a peer that is not Asterisk shows itself on its first line)."""
        buf = self._header_buf
        start = self._header_checked
        while start <= last_newline:
            if not buf.startswith(b"agi_", start):
                return False
            start = buf.index(b"\n", start) + 1
        self._header_checked = start
        return True

    def _header_complete(self, block: bytes) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._header = None
        lines = block.decode("utf-8", "replace").split("\n") if block else []
        if len(lines) > self._limits.max_header_lines:
            self._reject("too many header lines")
            return
        if lines and max(map(len, lines)) > self._limits.max_line_bytes:
            self._reject("header line too long")
            return
        try:
            header = parse_header_lines(lines)
        except HeaderError as exc:
            self._reject(str(exc))
            return
        if "agi_network_script" not in header:
            self._reject("header without agi_network_script")
            return
        self._on_header(self, build_environment(header))

    # --- reply lines ------------------------------------------------------------------------

    def _on_line(self, line: str) -> None:
        if line == HANGUP_LINE:
            self.hangup_seen = True
        else:
            self._lines.append(line)
            self._wake(None)

    def _reject(self, why: str) -> None:
        """Drop a connection that is not a well-behaved Asterisk: nothing is sent to it."""
        if not self.closing:
            log.info("FastAGI connection from %s dropped: %s", self.peer, why)
            self.abort()

    # --- used by the channel ----------------------------------------------------------------

    def loop_time(self) -> float:
        return self._loop.time()

    def send(self, line: bytes) -> None:
        if self.closing or self._transport is None:
            raise AgiConnectionLost("the FastAGI connection is closed")
        self._transport.write(line)

    async def read_line(self, deadline: float) -> str:
        """The next reply line; ``AgiTimeout`` at ``deadline`` (loop time; ``math.inf``: none).

        One timer per connection, moved only when a deadline comes earlier than the armed one:
        with a steady command timeout, deadlines only grow, so a command costs no timer."""
        if self._lines:
            return self._lines.popleft()
        if self.closing:
            raise AgiConnectionLost("the FastAGI connection is closed")
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiter = waiter
        self._deadline = deadline
        timer = self._timer
        if deadline != math.inf and (timer is None or timer.when() > deadline):
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._check_deadline)
        try:
            await waiter
        finally:
            self._waiter = None
        return self._lines.popleft()

    def _check_deadline(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done() or self._deadline == math.inf:
            return  # idle, or no limit: the next read arms the timer again
        if self._loop.time() >= self._deadline - TIMER_SLACK_S:
            waiter.set_exception(AgiTimeout("no reply from Asterisk in time"))
        else:
            self._timer = self._loop.call_at(self._deadline, self._check_deadline)

    def _wake(self, error: Exception | None) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if error is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(error)

    def close(self) -> None:
        """Return the call to the dialplan: Asterisk ends the AGI when the socket closes."""
        if not self.closing and self._transport is not None:
            self.closing = True
            self._transport.close()

    def abort(self) -> None:
        """Close at once, dropping unsent bytes (timeouts, bad peers, shutdown)."""
        if self._transport is not None and not self.lost:
            self.closing = True
            self._transport.abort()
