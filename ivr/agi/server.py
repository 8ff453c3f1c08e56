"""The FastAGI server: accepts Asterisk's connections and runs one handler per call.

Written on plain asyncio instead of panoramisk 1.4, whose FastAGI server loops forever on a
client that closes before its header is complete (a TCP health check), misreads every reply
after Asterisk's unsolicited ``HANGUP`` (shared/asterisk calls/flowC-panoramisk-hangup) and does
not quote arguments. Here:

* the header is read under limits (line length, line count, time) with no task per connection
  (``ivr.agi.connection``): early closers and garbage cost a few callbacks, never a spin;
* a call runs as one task: route on the script name, run the handler inside the error boundary
  (``ivr.agi.boundary``), and ALWAYS close the socket at the end, because Asterisk keeps the
  channel alive as long as the socket is open;
* ``stop(grace_s)`` stops accepting, lets live calls finish, then cancels and closes the rest.
"""

from __future__ import annotations

import asyncio
import logging

from ivr.agi.api import AgiEnvironment
from ivr.agi.boundary import run_handler, set_failsafe
from ivr.agi.channel import AgiChannel
from ivr.agi.connection import AgiConnection, ConnectionLimits, receive_buffer
from ivr.agi.router import Router

log = logging.getLogger(__name__)

CANCEL_WAIT_S = 1.0  # how long cancelled handlers get to unwind before their sockets go


class FastAgiServer:
    def __init__(
        self,
        router: Router,
        *,
        command_timeout_s: float = 60.0,
        header_timeout_s: float = 5.0,
        max_header_lines: int = 128,
        max_line_bytes: int = 8192,
    ) -> None:
        self._router = router
        self._command_timeout_s = command_timeout_s
        self._limits = ConnectionLimits(header_timeout_s, max_header_lines, max_line_bytes)
        self._server: asyncio.Server | None = None
        self._connections: set[AgiConnection] = set()
        self._calls: dict[asyncio.Task[None], AgiConnection] = {}
        self._stopping = False
        # Every connection reads into this one buffer: the server serves on one event loop
        self._receive_into = receive_buffer()

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    @property
    def open_connections(self) -> int:
        """Sockets not closed yet, calls and half-read headers alike."""
        return len(self._connections)

    async def start(
        self, host: str = "127.0.0.1", port: int = 4573, *, backlog: int = 1024
    ) -> tuple[str, int]:
        """Listen; returns the bound address (``port=0`` picks a free port). ``backlog``:
        connects the kernel queues before accept; asyncio's default of 100 makes a burst of
        calls wait for the kernel's 1 s SYN retry (the kernel caps it at net.core.somaxconn)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._new_connection, host, port, backlog=backlog)
        bound = self._server.sockets[0].getsockname()
        log.info("FastAGI listening on %s:%s", bound[0], bound[1])
        return bound[0], bound[1]

    def _new_connection(self) -> AgiConnection:
        conn = AgiConnection(
            self._limits, self._start_call, self._connections.discard, self._receive_into
        )
        self._connections.add(conn)
        return conn

    def _start_call(self, conn: AgiConnection, env: AgiEnvironment) -> None:
        if self._stopping:
            conn.abort()  # Asterisk sees a failed AGI and runs its fail-safe path
            return
        task = asyncio.get_running_loop().create_task(self._serve(conn, env))
        self._calls[task] = conn
        task.add_done_callback(self._call_done)

    def _call_done(self, task: asyncio.Task[None]) -> None:
        conn = self._calls.pop(task, None)
        if conn is not None:
            conn.close()  # already closed by _serve, unless the task never started

    async def _serve(self, conn: AgiConnection, env: AgiEnvironment) -> None:
        channel = AgiChannel(env, conn, command_timeout_s=self._command_timeout_s)
        try:
            handler = self._router.resolve(env.script)
            if handler is None:
                log.warning("call %s: unknown FastAGI script %r", env.uniqueid, env.script)
                await set_failsafe(channel, "unknown-script")
            else:
                await run_handler(channel, handler)
        finally:
            conn.close()

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop accepting; give live calls ``grace_s`` to finish, then cancel and close them."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        calling = set(self._calls.values())
        for conn in list(self._connections):
            if conn not in calling:
                conn.abort()  # header still being read: not a call yet
        pending: set[asyncio.Task[None]] = set(self._calls)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=grace_s)
        if pending:
            log.warning("FastAGI shutdown: cancelling %d call(s) still running", len(pending))
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=CANCEL_WAIT_S)
        for conn in list(self._connections):
            conn.abort()
        if self._server is not None:
            await self._server.wait_closed()
        await asyncio.sleep(0)  # let connection_lost callbacks of the aborted sockets run
