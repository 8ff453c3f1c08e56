"""PostgreSQL: one-statement reads and writes sent straight to asyncpg (``ivr.store.pg_direct``)
behave as they did through SQLAlchemy's greenlet: the same rows, the same errors (wrapped as
Core wraps them, a lost connection invalidated and the read run again), every statement seen by
the engine's listeners, a failed or cancelled statement's connection dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError, StatementError

from ivr.screening.rules import CallerHistory
from ivr.store import history
from ivr.store.db import Database
from ivr.store.driver_values import Kind
from ivr.store.held_connections import HeldConnections
from ivr.store.journal import JournalEntry
from ivr.store.models import Call
from ivr.store.raw_sql import Fetch, Sql
from ivr.store.record_batch import ServerSideWrite
from store_calls.support import new_call
from store_calls.test_stale_connections import _terminate_backends

P = Kind.PLAIN
_BACKEND = Fetch(Sql("SELECT pg_backend_pid()", ()), (), lambda rows, _d: int(rows[0][0]))
_DIVIDE = Sql("SELECT 1 / ?::integer", (P,))
_SLEEP = Fetch(Sql("SELECT pg_backend_pid() FROM pg_sleep(5)", ()), (), lambda rows, _d: rows)


def _postgres_only(url: str) -> None:
    if url.startswith("sqlite"):
        pytest.skip("SQLite's call path runs in this process: no driver to send to")


@contextmanager
def _statements_seen(held: HeldConnections) -> Iterator[list[tuple[str, object]]]:
    seen: list[tuple[str, object]] = []

    def note(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append((statement, conn.get_execution_options().get("isolation_level")))

    engine = held.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


async def test_a_refused_statement_raises_what_core_raises_and_drops_its_connection(
    held: HeldConnections,
) -> None:
    first = await held.fetch(_BACKEND)
    with pytest.raises(DBAPIError) as direct:
        await held.fetch(Fetch(_DIVIDE, (0,), lambda rows, _d: rows))
    with pytest.raises(DBAPIError) as through_core:
        await held.run_sync(Fetch(_DIVIDE, (0,), lambda rows, _d: rows))
    after = await held.fetch(_BACKEND)

    assert type(direct.value) is type(through_core.value)  # DataError, both ways
    assert type(direct.value.orig) is type(through_core.value.orig)
    assert "division by zero" in str(direct.value)
    assert not direct.value.connection_invalidated  # the server answered: not an outage
    assert after != first  # the failed statement's connection was dropped


async def test_a_value_its_kind_refuses_is_a_statement_error(held: HeldConnections) -> None:
    at = Sql("SELECT ?::timestamptz", (Kind.AT,))
    with pytest.raises(StatementError):
        await held.fetch(Fetch(at, ("not a datetime",), lambda rows, _d: rows))
    assert await held.fetch(_BACKEND) > 0  # and later statements still run


async def test_a_cancelled_statement_drops_its_connection(held: HeldConnections) -> None:
    first = await held.fetch(_BACKEND)
    slow = asyncio.ensure_future(held.fetch(_SLEEP))
    await asyncio.sleep(0.2)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    after = await asyncio.wait_for(held.fetch(_BACKEND), 2)
    assert after != first


async def test_listeners_see_each_statement_in_autocommit(held: HeldConnections) -> None:
    with _statements_seen(held) as seen:
        assert await held.fetch(Fetch(_DIVIDE, (2,), lambda rows, _d: rows[0][0])) == 0
    assert seen == [("SELECT 1 / $1::integer", "AUTOCOMMIT")]


async def test_a_read_on_a_connection_that_died_runs_again_on_a_new_one(db: Database) -> None:
    _postgres_only(db.url)
    before = await db.read_sync(_BACKEND)
    assert await _terminate_backends(db.engine.url.database or "") >= 1
    after = await db.read_sync(_BACKEND)  # meets the dead connection first
    assert after != before


async def test_the_history_read_answers_as_through_core(db: Database) -> None:
    _postgres_only(db.url)
    now = datetime(2026, 3, 10, 20, tzinfo=UTC)
    params = {"caller": "+13125550100", "exclude": "", "campaign": "camp",
              "since": now - timedelta(hours=1), "dedupe_from": history.NEVER,
              "from": now - timedelta(hours=1)}  # fmt: skip
    empty = await db.read_sync(history.query(params))
    through_core = await db.writes.run(history.query(params))  # a lane: Core's cursor
    assert empty == through_core == CallerHistory(0, None)


async def test_chunks_in_one_statement_are_stored_in_their_order(db: Database) -> None:
    _postgres_only(db.url)
    snap = new_call(1).snapshot()
    older, newer = snap | {"version": 1}, snap | {"version": 2, "disposition": "connected"}
    other = new_call(2).snapshot()
    chunks = [ServerSideWrite.of([JournalEntry(0, s)]) for s in (newer, older, other)]

    written = await db.writes.run(chunks[0].run_joined(chunks))  # one statement, three chunks
    async with db.read() as session:
        rows = {c.ref: (c.version, c.disposition) for c in await session.scalars(select(Call))}

    assert written == [1, 0, 1]  # the older version, after the newer one, wrote nothing
    assert rows[snap["id"]] == (2, "connected") and other["id"] in rows
