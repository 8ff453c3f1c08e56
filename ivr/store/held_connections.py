"""PostgreSQL: the call path's connections, opened once, kept, and lent out one use at a time.

Why: the call path runs a few single statements per call (the caller's history, claims and
releases, chunks of call records), each in autocommit. Checking a connection out of SQLAlchemy's
pool and back in for each one cost ~70 us of CPU, as much as the statement's own work in the
app: a read went from 148 to 76 us once its connection was held (bench/README.md, round 7).
So up to ``size`` connections are opened as they are first needed and kept: a use takes an
idle one, or waits for the next one given back, first come first served.

What the pool did still happens: a connection that died (the server restarted, the network was
cut) fails its statement with the driver's error, wrapped and classified as before
(``ivr.store.errors``). A use that fails or is cancelled drops its connection (it may be dead, or
still busy with the statement), and a new one is opened when next needed. Each use runs
autocommit statements, so no transaction state is carried from one use to the next.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ivr.store import pg_direct
from ivr.store.driver_values import POSTGRES
from ivr.store.raw_sql import Fetch

T = TypeVar("T")


class HeldConnections:
    """``await run_sync(fn, *args)``: ``fn(connection, *args)`` on a held autocommit
    connection; ``await fetch(statement)``: one statement on one; ``await close()`` at the
    end."""

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        """``engine``: one without a pool of its own (``NullPool``), so that a connection
        dropped here is closed, and one opened here is new (a pool could hand back one that
        died while it was pooled)."""
        self.engine = engine
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._size = size
        self._opened = 0  # connections opened, idle or lent
        self._idle: list[AsyncConnection] = []
        self._waiting: deque[asyncio.Future[AsyncConnection | None]] = deque()
        self._closing: set[asyncio.Future[None]] = set()
        self._closed = False

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        conn = await self._take()
        try:
            result = await conn.run_sync(fn, *args)
            if conn.in_transaction():  # Core began one (it does not in autocommit): end it
                await conn.rollback()
        except BaseException as exc:
            await self._drop_failed(conn, exc)
            raise
        self._give_back(conn)
        return result

    async def fetch(self, statement: Fetch[T]) -> T:
        """``statement`` sent straight to the driver (``ivr.store.pg_direct``: a third of the
        CPU of ``run_sync``), its rows shaped once the connection is given back."""
        conn = await self._take()
        try:
            rows = await pg_direct.fetch(conn, statement.sql, statement.params)
        except BaseException as exc:
            await self._drop_failed(conn, exc)
            raise
        self._give_back(conn)
        return statement.shape(rows, POSTGRES)

    async def _drop_failed(self, conn: AsyncConnection, exc: BaseException) -> None:
        """Failed or cancelled mid-statement: the driver may still be busy with it, or the
        connection is dead. Uses fail rarely (an outage, refused data), so the connection is
        dropped rather than checked, and a new one is opened when next needed."""
        await self._discard(conn)
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            await self._discard_idle()  # the server went away: they are as dead (the pool
            # also replaces all its connections then), and a retry must get a new one

    async def _discard_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._discard(conn)

    async def _take(self) -> AsyncConnection:
        while True:
            if self._closed:
                raise RuntimeError("the database was closed")
            if self._idle:
                return self._idle.pop()
            if self._opened < self._size:
                return await self._open()
            waiter: asyncio.Future[AsyncConnection | None]
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                conn = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():  # handed over as we were cancelled
                    handed = waiter.result()
                    if handed is None:
                        self._wake_one()  # the free place goes to the next waiter
                    else:
                        self._give_back(handed)
                raise
            if conn is not None:
                return conn  # else a place was freed: open a connection in it

    async def _open(self) -> AsyncConnection:
        self._opened += 1
        try:
            return await self._engine.connect()
        except BaseException:
            self._opened -= 1
            self._wake_one()  # the next waiter tries for itself
            raise

    def _give_back(self, conn: AsyncConnection) -> None:
        if self._closed:
            self._in_background(self._discard(conn))
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    async def _discard(self, conn: AsyncConnection) -> None:
        self._opened -= 1
        with contextlib.suppress(Exception):
            await conn.invalidate()  # closes the driver's connection without a reset
        with contextlib.suppress(Exception):
            await conn.close()
        self._wake_one()

    def _wake_one(self) -> None:
        """A place became free: a waiter opens a connection of its own in it."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """Close the idle connections; those lent out are closed as they come back."""
        self._closed = True
        await self._discard_idle()
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_exception(RuntimeError("the database was closed"))
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
