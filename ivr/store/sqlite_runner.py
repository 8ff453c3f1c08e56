"""SQLite statements on the event loop's own thread, and in a worker thread only when they must
wait.

Why: a SQLite statement of the call path takes tens of microseconds, but handing it to a thread
(as aiosqlite does for each statement) costs more than that, and under load far more: the
thread must win the GIL back after every statement, which a busy event loop gives up only every
switch interval (5 ms). A batch of a few hundred statements then took hundreds of milliseconds
of waiting. So a transaction first runs right here, on a connection whose busy timeout is 0: it
either starts at once or fails at once with SQLITE_BUSY. Only then (another process holds the
write lock) does it run again in a worker thread, on a connection that waits the full busy
timeout there, so the event loop never sleeps in SQLite's busy handler.

Under WAL, a commit writes to the OS cache (``synchronous=NORMAL``: no fsync); the one slow
step left is the WAL checkpoint, which the inline writer leaves to the worker thread
(``wal_autocheckpoint=0`` on its connection, a PASSIVE checkpoint every ``checkpoint_every``
commits).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ivr.store import json_text

log = logging.getLogger(__name__)
T = TypeVar("T")
SQLITE_BUSY = 5
OnConnect = Callable[[int, Any, Any], None]


class SqliteRunner:
    """``await run(work)``: ``work(conn)`` in one transaction, inline or, if SQLite is busy,
    in the worker thread. ``immediate`` for write transactions (BEGIN IMMEDIATE)."""

    def __init__(
        self,
        url: str,
        *,
        busy_ms: int,
        immediate: bool,
        on_connect: OnConnect,
        checkpoint_every: int = 500,
    ) -> None:
        self._immediate = immediate
        driver = IMMEDIATE_DRIVER if immediate else DEFERRED_DRIVER
        self.inline = _engine(url, driver, 0, on_connect, autocheckpoint=not immediate)
        self.waiting = _engine(url, driver, busy_ms, on_connect, autocheckpoint=True)
        self._thread = ThreadPoolExecutor(1, "ivr-sqlite-" + ("writes" if immediate else "reads"))
        self._checkpoint_every = checkpoint_every
        self._commits = 0
        self._checkpointing: asyncio.Future[None] | None = None
        # The inline engine's one connection, kept checked out between transactions: a pool
        # checkout and check-in (with its reset) cost more than a claim's whole transaction.
        self._held: Connection | None = None

    async def run(self, work: Callable[[Connection], T]) -> T:
        try:
            return self.run_inline(work)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
        loop = asyncio.get_running_loop()
        call = functools.partial(_transaction, self.waiting, self._immediate, work)
        result = await loop.run_in_executor(self._thread, call)
        if self._immediate:
            self._after_commit()
        return result

    def run_inline(self, work: Callable[[Connection], T]) -> T:
        """``work`` in one transaction right here, on the event loop's thread; raises
        ``OperationalError`` (``is_busy``) at once when another process holds the lock."""
        result = self._held_transaction(work)
        if self._immediate:
            self._after_commit()
        return result

    def _held_transaction(self, work: Callable[[Connection], T]) -> T:
        conn = self._held
        if conn is None or conn.closed or conn.invalidated:
            conn = self._held = self.inline.connect()
        try:
            if self._immediate:
                with conn.begin():
                    return work(conn)
            try:
                return work(conn)
            finally:  # a read's plain BEGIN (if a Core statement made one) ends here
                conn.rollback()
        except OperationalError as exc:
            if not is_busy(exc):  # busy leaves the connection sound; anything else may not
                self._release_held()
            raise
        except BaseException:
            self._release_held()
            raise

    def _release_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def _after_commit(self) -> None:
        self._commits += 1
        if self._commits % self._checkpoint_every or self._checkpointing is not None:
            return
        loop = asyncio.get_running_loop()
        self._checkpointing = loop.run_in_executor(self._thread, _checkpoint, self.waiting)
        self._checkpointing.add_done_callback(self._checkpointed)

    def _checkpointed(self, done: asyncio.Future[None]) -> None:
        self._checkpointing = None
        failure = None if done.cancelled() else done.exception()
        if failure is not None:
            # One that could not run now runs at the next one; but say so, since a WAL that
            # is never checkpointed grows for as long as the switch runs.
            log.warning("SQLite WAL checkpoint failed: %s", failure)

    def close(self) -> None:
        self._release_held()
        self._thread.shutdown(wait=True)
        self.inline.dispose()
        self.waiting.dispose()


def is_busy(exc: OperationalError) -> bool:
    """SQLITE_BUSY: another connection holds the lock (the inline connection never waits)."""
    return getattr(exc.orig, "sqlite_errorcode", None) == SQLITE_BUSY


def _transaction(engine: Engine, write: bool, work: Callable[[Connection], T]) -> T:
    if write:
        with engine.begin() as conn:
            return work(conn)
    with engine.connect() as conn:  # plain BEGIN at the first statement, rolled back at close
        return work(conn)


def _checkpoint(engine: Engine) -> None:
    """A PASSIVE checkpoint, on the driver's connection itself: through SQLAlchemy it would
    run inside the BEGIN (IMMEDIATE) its ``begin`` listener emits first, and SQLite refuses to
    checkpoint inside a transaction ("database table is locked"): none ever ran, and the WAL
    grew for as long as the switch ran."""
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    finally:
        pooled.close()


def _engine(
    url: str, driver: str, busy_ms: int, on_connect: OnConnect, *, autocheckpoint: bool
) -> Engine:
    """One connection of the standard library driver (used by one thread at a time)."""
    sync_url = make_url(url).set(drivername=f"sqlite+{driver}")
    engine = create_engine(
        sync_url,
        pool_size=1,
        max_overflow=0,
        connect_args={"check_same_thread": False},
        json_serializer=json_text.dumps,
    )
    event.listen(engine, "connect", functools.partial(on_connect, busy_ms))
    if not autocheckpoint:
        event.listen(engine, "connect", _no_autocheckpoint)
    return engine


class _DeferredDialect(SQLiteDialect_pysqlite):
    """The standard library driver, each transaction begun by the dialect itself (a plain,
    deferred BEGIN: reads). SQLAlchemy's documented recipe (a ``begin`` listener running
    ``exec_driver_sql``) went through a whole statement execution for it: a quarter of a
    claim's transaction on the call path. The driver's own BEGIN is off
    (``isolation_level = None``, ``on_connect``)."""

    supports_statement_cache = True  # SQLAlchemy asks each dialect class for itself
    begin_sql = "BEGIN"

    def do_begin(self, dbapi_connection: Any) -> None:
        dbapi_connection.execute(self.begin_sql)


class _ImmediateDialect(_DeferredDialect):
    """Write transactions: BEGIN IMMEDIATE takes the write lock at once (``ivr.store.db``)."""

    supports_statement_cache = True
    begin_sql = "BEGIN IMMEDIATE"


IMMEDIATE_DRIVER, DEFERRED_DRIVER = "ivr_immediate", "ivr_deferred"
registry.register(f"sqlite.{IMMEDIATE_DRIVER}", __name__, "_ImmediateDialect")
registry.register(f"sqlite.{DEFERRED_DRIVER}", __name__, "_DeferredDialect")


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
