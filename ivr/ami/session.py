"""One logged-in AMI connection: send actions, match their answers by ActionID, hand every
other event to a callback. Reconnecting and the Ping watchdog live in client.py.

List actions (CoreShowChannels, BridgeList, ...) answer `EventList: start` and then events that
repeat the ActionID up to `...Complete` (corpus 09b, 09d); those events complete the action
and are not passed on as ordinary events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import count

from ivr.ami.errors import AmiActionTimeout, AmiConnectionLost, AmiLoginError
from ivr.ami.protocol import (
    MAX_MESSAGE_BYTES,
    AmiMessage,
    encode_message,
    parse_message,
    read_banner,
    read_message,
)
from ivr.clock import Clock

log = logging.getLogger("ivr.ami")

EventCallback = Callable[[AmiMessage], None]


@dataclass
class AmiResponse:
    """The answer to one action; `events` holds the items of a list action (Complete excluded)."""

    message: AmiMessage
    events: list[AmiMessage] = field(default_factory=list)
    complete: AmiMessage | None = None

    @property
    def ok(self) -> bool:
        return self.message.ok

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.message.get(key, default)


@dataclass
class _Pending:
    future: asyncio.Future[AmiResponse]
    response: AmiResponse | None = None


@dataclass
class SessionConfig:
    host: str
    port: int
    username: str
    secret: str
    events: str = "on"
    connect_timeout_s: float = 5.0
    # Asterisk answers a bad login only after 1 s (corpus 09a): this must stay above that.
    login_timeout_s: float = 5.0


class AmiSession:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        clock: Clock,
        on_event: EventCallback,
        id_prefix: str,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._clock = clock
        self._on_event = on_event
        self._ids = (f"{id_prefix}-{n}" for n in count(1))
        self._pending: dict[str, _Pending] = {}
        self._reader_task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.version = ""
        self.last_received_at = clock.time()

    @classmethod
    async def open(
        cls, config: SessionConfig, clock: Clock, on_event: EventCallback, id_prefix: str
    ) -> AmiSession:
        """Connect, read the banner and log in; raises AmiLoginError with the server's words."""
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(config.host, config.port, limit=MAX_MESSAGE_BYTES),
            config.connect_timeout_s,
        )
        session = cls(reader, writer, clock, on_event, id_prefix)
        try:
            session.version = await asyncio.wait_for(read_banner(reader), config.connect_timeout_s)
            session._reader_task = asyncio.create_task(session._read_loop(), name="ami-reader")
            await session._login(config)
        except BaseException:
            await session.close()
            raise
        return session

    async def _login(self, config: SessionConfig) -> None:
        login = {"Action": "Login", "Username": config.username, "Secret": config.secret}
        login["Events"] = config.events
        answer = await self.action(login, config.login_timeout_s)
        if not answer.ok:
            raise AmiLoginError(answer.get("Message") or "(no Message)")

    async def action(self, fields: Mapping[str, object], timeout_s: float) -> AmiResponse:
        if self.closed.is_set():
            raise AmiConnectionLost("AMI session is closed")
        action_id = next(self._ids)
        headers = {k: v for k, v in fields.items() if k.lower() != "actionid"}
        headers["ActionID"] = action_id
        pending = _Pending(asyncio.get_running_loop().create_future())
        self._pending[action_id] = pending
        try:
            self._writer.write(encode_message(headers))
            return await asyncio.wait_for(pending.future, timeout_s)
        except TimeoutError:
            name = fields.get("Action", "?")
            raise AmiActionTimeout(f"no answer to {name} within {timeout_s} s") from None
        finally:
            self._pending.pop(action_id, None)

    async def _read_loop(self) -> None:
        try:
            while True:
                block = await read_message(self._reader)
                self.last_received_at = self._clock.time()
                self._dispatch(parse_message(block, self.last_received_at))
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            log.info("AMI connection closed by peer: %s", type(exc).__name__)
        except Exception:
            log.exception("AMI reader failed")
        finally:
            self._mark_closed()

    def _dispatch(self, message: AmiMessage) -> None:
        pending = self._pending.get(message.action_id or "")
        if pending is not None and message.response is not None:
            self._on_response(pending, message)
        elif pending is not None and pending.response is not None and message.event:
            self._on_list_item(pending, message)
        elif message.event:
            self._deliver(message)
        else:
            log.warning("unmatched AMI message dropped: %s", message.headers[:3])

    @staticmethod
    def _on_response(pending: _Pending, message: AmiMessage) -> None:
        pending.response = AmiResponse(message)
        if (message.get("EventList") or "").lower() != "start" and not pending.future.done():
            pending.future.set_result(pending.response)

    @staticmethod
    def _on_list_item(pending: _Pending, message: AmiMessage) -> None:
        assert pending.response is not None
        if (message.get("EventList") or "").lower() == "complete":
            pending.response.complete = message
            if not pending.future.done():
                pending.future.set_result(pending.response)
        else:
            pending.response.events.append(message)

    def _deliver(self, message: AmiMessage) -> None:
        try:
            self._on_event(message)
        except Exception:
            # One faulty listener must not kill the connection everybody depends on.
            log.exception("AMI event listener failed on %s", message.event)

    def _mark_closed(self) -> None:
        self.closed.set()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(AmiConnectionLost("AMI connection lost"))
                pending.future.exception()  # mark retrieved: the waiter may already be gone
        self._writer.close()

    async def close(self) -> None:
        """Close the socket and wait for the reader task to end."""
        self._writer.close()
        task = self._reader_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._mark_closed()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()
