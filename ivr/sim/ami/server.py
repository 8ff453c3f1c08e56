"""AMI double over TCP (127.0.0.1, port 0 by default). It speaks as Asterisk 22 did in the
transcripts: banner, CRLF lines, blank-line framing, Login (+ FullyBooted/SuccessfulAuth),
a refused login answered after a delay and then the socket closed (09a), Ping, Command,
Events, Filter, CoreShowChannels, Originate, Hangup, Logoff. It replays recorded event streams,
can be killed and restarted on the same port, and can turn half-open (silent, socket kept)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from ivr.ami.protocol import MAX_MESSAGE_BYTES, read_message
from ivr.clock import Clock, ManualClock, SystemClock
from ivr.sim.ami import replies
from ivr.sim.ami.channels import ChannelTable
from ivr.sim.ami.session import DoubleSession
from ivr.sim.ami.transcript import TranscriptBlock

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


class AmiDouble:
    def __init__(
        self,
        *,
        username: str = "lab",
        secret: str = "labsecret",
        auth_failure_delay_s: float = 1.0,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        timestamp_events: bool = False,
        originate_delay_s: float = 0.5,
        originate_outcome: str = "answer",
    ) -> None:
        self.username, self.secret = username, secret
        self.auth_failure_delay_s = auth_failure_delay_s
        self.clock = clock or SystemClock()
        self.host = host
        # Like manager.conf `timestampevents=yes`: a `Timestamp:` line after `Privilege:`.
        self.timestamp_events = timestamp_events
        self.originate_delay_s = originate_delay_s
        self.originate_outcome = originate_outcome
        self.half_open = False
        self.port = 0
        self.channels = ChannelTable()
        self.logins = 0
        self.login_failures = 0
        self.connections = 0
        self.actions_seen: list[dict[str, str]] = []
        self.started_at = self.clock.time()
        self._server: asyncio.Server | None = None
        self._sessions: set[DoubleSession] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session_ids = itertools.count(0x5626C3E96BA0, 0x40)

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> int:
        """Listen (again, on the same port once one was chosen) and return the port."""
        self._server = await asyncio.start_server(
            self._on_connect, self.host, self.port, limit=MAX_MESSAGE_BYTES
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def kill(self) -> None:
        """Die like a crashed Asterisk: stop listening, reset every connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for session in list(self._sessions):
            session.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def restart(self) -> int:
        """Come back on the same port; the channel table survives (calls still up)."""
        self.half_open = False
        return await self.start()

    async def stop(self) -> None:
        await self.kill()

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    def now(self) -> float:
        return self.clock.time()

    # -- events ------------------------------------------------------------------------------

    async def emit(self, event: TranscriptBlock | Sequence[str]) -> None:
        """Send one event to every logged-in session that wants it, after updating the
        channel table. A transcript block goes out byte for byte."""
        if isinstance(event, TranscriptBlock):
            if isinstance(self.clock, ManualClock) and event.at > self.clock.time():
                self.clock.set(event.at)
            lines = [line.decode("utf-8", errors="replace") for line in event.lines]
            wire = event.lines
        else:
            lines = list(event)
            wire = tuple(line.encode() for line in lines)
        fields = _fields(lines)
        self.channels.apply(fields, self.now())
        data = self._stamp(wire)
        for session in list(self._sessions):
            if session.wants(fields, lines):
                session.send_raw(data)
        await asyncio.sleep(0)  # let the transports flush between events
        if fields.get("Event") == "Shutdown":
            await self._close_all()

    async def replay(self, events: Iterable[TranscriptBlock], speed: float | None = None) -> None:
        """Emit recorded events; `speed` None = as fast as possible, 2.0 = twice real time."""
        previous: float | None = None
        for block in events:
            if speed is not None and previous is not None and block.at > previous:
                await asyncio.sleep((block.at - previous) / speed)
            previous = block.at
            await self.emit(block)

    def _stamp(self, wire: Sequence[bytes]) -> bytes:
        lines = list(wire)
        if self.timestamp_events:
            position = 2 if len(lines) > 1 and lines[1].startswith(b"Privilege:") else 1
            lines.insert(position, f"Timestamp: {self.now():.6f}".encode())
        return b"".join(line + b"\r\n" for line in lines) + b"\r\n"

    async def _close_all(self) -> None:
        for session in list(self._sessions):
            session.close()

    # -- connections -------------------------------------------------------------------------

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session = DoubleSession(self, reader, writer, next(self._session_ids))
        self._sessions.add(session)
        self.connections += 1
        try:
            writer.write(BANNER)
            while True:
                block = await read_message(reader)
                if not self.half_open:
                    await session.handle(block)
                if session.closing:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            # kill(): asyncio's stream callback would report a cancelled handler as an error.
            pass
        finally:
            self._sessions.discard(session)
            self._tasks.discard(task)
            session.close()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a delayed reply (OriginateResponse) tied to the double's life."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def event_tv(self) -> str:
        moment = datetime.fromtimestamp(self.now(), tz=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"

    def uptime_s(self) -> int:
        return int(self.now() - self.started_at)

    def core_show_channels(self, action_id: str | None) -> list[list[str]]:
        now = self.now()
        items = [
            self.channels.core_show_channel(channel, action_id, now)
            for channel in self.channels.channels.values()
        ]
        head = replies.response("Success", action_id, fields={"EventList": "start"})
        head.append("Message: Channels will follow")
        tail = ["Event: CoreShowChannelsComplete"]
        tail += [f"ActionID: {action_id}"] if action_id is not None else []
        tail += ["EventList: Complete", f"ListItems: {len(items)}"]
        return [head, *items, tail]


def _fields(lines: Sequence[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition(":")
        result.setdefault(key, value[1:] if value.startswith(" ") else value)
    return result
