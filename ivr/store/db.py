"""The database handle: one async engine, read and write transactions.

SQLite needs care to be safe under concurrency:
- WAL journal, so readers never block the writer nor the writer the readers;
- a busy timeout, so a writer waits for the write lock instead of failing at once;
- foreign keys on (SQLite leaves them off by default);
- ``BEGIN IMMEDIATE`` for write transactions. With a plain (deferred) BEGIN, two transactions
  can both read a counter and then both try to write it: one update is lost, or SQLite fails
  one of them with "database is locked". IMMEDIATE takes the write lock at BEGIN, so
  read-then-write transactions run one after the other. Reads use a plain BEGIN.
The driver's own transaction handling is switched off (``isolation_level = None``) and
SQLAlchemy's ``begin`` event emits our BEGIN: the recipe of the SQLAlchemy SQLite docs (the call
path's runner has its dialect emit it instead, which costs less: ``ivr.store.sqlite_runner``).

The call path's writes (claims, releases, call records) go through ``writes``, the group commit
queue (``ivr.store.write_queue``), and its reads through ``read_sync``: on SQLite both use
synchronous connections of the standard library driver on the same file, with the same pragmas,
run on the event loop's thread while SQLite answers at once (``ivr.store.sqlite_runner``).

PostgreSQL goes through asyncpg with the server's default READ COMMITTED isolation; code that
reads then writes one row there takes a row lock (``SELECT ... FOR UPDATE``, which SQLite
ignores) or writes atomically (``UPDATE ... SET n = n + 1 WHERE n < cap``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from ivr.store import json_text
from ivr.store.held_connections import HeldConnections
from ivr.store.joined_reads import JoinedReads
from ivr.store.raw_sql import Fetch
from ivr.store.sqlite_runner import SqliteRunner
from ivr.store.write_queue import WriteQueue

T = TypeVar("T")
Q = TypeVar("Q")
SQLITE_BUSY_TIMEOUT_MS = 10_000
# The call path's held PostgreSQL connections: its reads (history at the start of each call,
# loads during the menu) and one-statement writes; and the write queue's transaction lanes.
CALL_PATH_POOL_SIZE = 20
WRITE_LANES = 4
_BEGIN_OPTION = "ivr_sqlite_begin"


class Database:
    """``Database(url)``; ``await connect()`` before use and ``await close()`` at the end."""

    def __init__(
        self, url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    ) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self._echo = echo
        self._engine: AsyncEngine | None = None
        self._call_path: AsyncEngine | None = None  # PostgreSQL: the call path's own pool
        self._held: HeldConnections | None = None  # PostgreSQL: the call path's connections
        self._read_sessions: async_sessionmaker[AsyncSession] | None = None
        self._write_sessions: async_sessionmaker[AsyncSession] | None = None
        self._writes: WriteQueue | None = None
        self._sqlite_writes: SqliteRunner | None = None
        self._sqlite_reads: SqliteRunner | None = None

    @property
    def writes(self) -> WriteQueue:
        """The group commit queue of the call path's writes."""
        if self._writes is None:
            raise RuntimeError("Database.connect() was not called")
        return self._writes

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("Database.connect() was not called")
        return self._engine

    @property
    def write_engine(self) -> AsyncEngine:
        """The engine whose transactions begin with BEGIN IMMEDIATE on SQLite (for migrations)."""
        return self.engine.execution_options(**{_BEGIN_OPTION: "BEGIN IMMEDIATE"})

    async def connect(self) -> None:
        if self._engine is not None:
            return
        if self.is_sqlite:
            self._engine = _sqlite_engine(self.url, echo=self._echo, busy_ms=self.busy_timeout_ms)
            self._sqlite_writes = self._sqlite_runner(immediate=True)
            self._sqlite_reads = self._sqlite_runner(immediate=False)
        else:
            self._engine = create_async_engine(
                self.url, echo=self._echo, pool_pre_ping=True, json_serializer=json_text.dumps
            )
            # The call path gets a pool of its own, without the pre-ping: it costs BEGIN, SELECT
            # and ROLLBACK at every checkout, i.e. on every read and write batch of every call.
            # A connection found dead fails its statement instead, and the statement runs once
            # more on a fresh one (``read_sync`` here, ``transient`` in the queue).
            # Its reads and one-statement writes (claims, releases, call records) run in
            # autocommit on connections opened once and held (``HeldConnections``: a pool
            # checkout per statement cost as much CPU as the statement); the pool is left to the
            # write queue's transactions of several statements (its lanes).
            # A fixed pool: an overflow connection is closed when returned, so under load the
            # call path opened and closed a PostgreSQL connection every few calls (a backend
            # process each, and every statement prepared again on it).
            self._call_path = create_async_engine(
                self.url,
                echo=self._echo,
                pool_size=WRITE_LANES,
                max_overflow=0,
                json_serializer=json_text.dumps,
            )
            held = create_async_engine(
                self.url, echo=self._echo, poolclass=NullPool, json_serializer=json_text.dumps
            )
            self._held = HeldConnections(held, CALL_PATH_POOL_SIZE)
        self._read_sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._writes = WriteQueue(
            self._call_path or self._engine, self._sqlite_writes, self._held, pg_lanes=WRITE_LANES
        )

    def _sqlite_runner(self, *, immediate: bool) -> SqliteRunner:
        return SqliteRunner(
            self.url,
            busy_ms=self.busy_timeout_ms,
            immediate=immediate,
            on_connect=_sqlite_on_connect,
        )

    async def close(self) -> None:
        if self._writes is not None:
            await self._writes.close()
        for runner in (self._sqlite_writes, self._sqlite_reads):
            if runner is not None:
                runner.close()
        if self._held is not None:
            await self._held.close()
            await self._held.engine.dispose()
        for engine in (self._call_path, self._engine):
            if engine is not None:
                await engine.dispose()
        self._engine = self._read_sessions = self._write_sessions = None
        self._call_path = self._held = None
        self._writes = self._sqlite_writes = self._sqlite_reads = None

    async def __aenter__(self) -> Database:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session in a read transaction, rolled back at the end (reads change nothing)."""
        if self._read_sessions is None:
            raise RuntimeError("Database.connect() was not called")
        # The session begins on its first query and rolls back when it closes.
        async with self._read_sessions() as session:
            yield session

    async def read_sync(self, query: Callable[[Connection], T]) -> T:
        """Run ``query`` (a synchronous function of a ``Connection``): the call path's reads.
        On SQLite a read transaction on the event loop's thread with a plain ``sqlite3``
        connection (``ivr.store.sqlite_runner``); on PostgreSQL a held connection of the call
        path in autocommit (each read is one SELECT; a ``raw_sql.Fetch`` goes straight to the
        driver), tried once more on a fresh connection when the held one had died."""
        if self._sqlite_reads is not None:
            return await self._sqlite_reads.run(query)
        try:
            return await self._autocommit_read(query)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            return await self._autocommit_read(query)  # the pool's connections were replaced

    def make_durable(self) -> None:
        """What was committed is on disk once this returns. SQLite (``synchronous=NORMAL``)
        commits to its WAL file without an fsync: sync that file (a checkpoint syncs the
        database file itself). PostgreSQL: nothing to do (``record_batch.FlushWal``)."""
        database = sqlite_file(self.url) if self.is_sqlite else None
        if database is None:
            return
        try:
            fd = os.open(f"{database}-wal", os.O_RDONLY)
        except FileNotFoundError:
            return  # no WAL: every commit is in the database file, synced by its checkpoint
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def joined_reads(self, joined: Callable[[list[Q]], Fetch[list[T]]]) -> JoinedReads[Q, T] | None:
        """PostgreSQL: reads answered by ``joined``, many at once (``ivr.store.joined_reads``);
        None on SQLite, whose reads cost no round trip."""
        if self._held is None:
            return None
        return JoinedReads(self.read_sync, joined)

    async def _autocommit_read(self, query: Callable[[Connection], T]) -> T:
        assert self._held is not None
        if isinstance(query, Fetch):
            return cast(T, await self._held.fetch(query))
        return await self._held.run_sync(query)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: committed on success, rolled back on any error."""
        if self._write_sessions is None:
            raise RuntimeError("Database.connect() was not called")
        async with self._write_sessions() as session, session.begin():
            yield session


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or a URI filename
    (``file:...``), which are left to SQLite."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _sqlite_engine(url: str, *, echo: bool, busy_ms: int) -> AsyncEngine:
    database = sqlite_file(url)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, json_serializer=json_text.dumps)
    event.listen(engine.sync_engine, "connect", functools.partial(_sqlite_on_connect, busy_ms))
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(busy_ms: int, dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the driver: _sqlite_on_begin emits it, deferred or immediate.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL under WAL: a commit survives a crash of the process, and an OS crash or power
        # loss can only lose the last commits, never corrupt the file. Call records are made
        # durable by the journal (fsync'd group commit) before the database sees them, and
        # the journal keeps them until ``make_durable`` synced the WAL, so the database needs
        # no fsync per commit; claims and counters lost that way are put right by the claims
        # janitor (recount from claims) and can at worst let one period cap take a call twice
        # after a power failure.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Statement journals in memory: SQLite keeps one per statement that may have to undo
        # itself (an upsert of a call row touches ~16 pages: the row, its overflow pages, ten
        # indexes), and past 64 KiB it spilled to a temporary file, written page by page on
        # the event loop's thread: half of the switch's pwrite calls (bench/README.md, round
        # 11). In memory it costs a few pages per statement, freed as the statement ends.
        cursor.execute("PRAGMA temp_store=MEMORY")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    begin = connection.get_execution_options().get(_BEGIN_OPTION, "BEGIN")
    connection.exec_driver_sql(begin)
