"""Migration 0003 moves each call's ``call_events`` rows into its ``calls.events`` JSON value,
in ``seq`` order, and its downgrade moves them back, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import inspect

from ivr.store import migrate
from ivr.store.db import Database
from ivr.store.types import UTCDateTime

# The two tables as revision 0002 has them (the models no longer know call_events).
CALLS = sa.table(
    "calls",
    sa.column("id", sa.Integer),
    sa.column("ref", sa.String),
    sa.column("version", sa.Integer),
    sa.column("did", sa.String),
    sa.column("started_at", UTCDateTime()),
    sa.column("billable", sa.Boolean),
    sa.column("duplicate", sa.Boolean),
    sa.column("tags", sa.JSON),
    sa.column("gathered", sa.JSON),
    sa.column("data_source", sa.String),
    sa.column("status", sa.String),
)
EVENTS = sa.table(
    "call_events",
    sa.column("call_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("at", UTCDateTime()),
    sa.column("kind", sa.String),
    sa.column("detail", sa.JSON),
)
TIMELINES = sa.table("calls", sa.column("id", sa.Integer), sa.column("events", sa.JSON))
STARTED = datetime(2026, 3, 10, 19, 30, 0, 123000, tzinfo=UTC)
CALL_COUNT = 1201  # more than two of the migration's chunks of 500 calls


def old_rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Calls 1..CALL_COUNT; call n has n % 4 events (so some have none), inserted in reverse
    seq order (the copy must follow seq, not insertion)."""
    calls, events = [], []
    for n in range(1, CALL_COUNT + 1):
        calls.append({"id": n, "ref": f"call{n:05d}", "version": 1, "did": "+13125550000",
                      "started_at": STARTED, "billable": False, "duplicate": False, "tags": [],
                      "gathered": {}, "data_source": "agi", "status": "closed"})  # fmt: skip
        for seq in range(n % 4, 0, -1):
            at = STARTED + timedelta(seconds=n + seq * 0.25)
            events.append({"call_id": n, "seq": seq, "at": at, "kind": f"step{seq}",
                           "detail": {"n": n, "digits": "1#"} if seq != 2 else {}})  # fmt: skip
    return calls, events


def expected_timeline(events: list[dict[str, Any]], call_id: int) -> list[dict[str, Any]]:
    mine = sorted((e for e in events if e["call_id"] == call_id), key=lambda e: e["seq"])
    return [{"at": round(e["at"].timestamp(), 3), "kind": e["kind"], "detail": e["detail"]}
            for e in mine]  # fmt: skip


async def test_upgrade_moves_event_rows_into_the_column_and_downgrade_moves_them_back(
    database_url: str,
) -> None:
    await migrate.upgrade(database_url, "0002")
    calls, events = old_rows()
    async with Database(database_url) as db:
        async with db.write_engine.begin() as conn:
            await conn.execute(sa.insert(CALLS), calls)
            await conn.execute(sa.insert(EVENTS), events)

        await migrate.upgrade(database_url)
        timelines = await _timelines(db)
        assert "call_events" not in await _table_names(db)
        assert timelines == {c["id"]: expected_timeline(events, c["id"]) for c in calls}
        assert timelines[1] == [{"at": 1773171001.373, "kind": "step1",
                                 "detail": {"n": 1, "digits": "1#"}}]  # fmt: skip
        assert timelines[4] == []

        await migrate.downgrade(database_url, "0002")
        assert "events" not in await _call_columns(db)
        assert await _event_rows(db) == sorted(events, key=_by_call_and_seq)

        await migrate.upgrade(database_url)  # and up again: nothing lost on the way
        assert await _timelines(db) == timelines


async def _timelines(db: Database) -> dict[int, Any]:
    async with db.engine.connect() as conn:
        return dict((await conn.execute(sa.select(TIMELINES))).all())


async def _event_rows(db: Database) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(sa.select(EVENTS))).mappings().all()
    return sorted((dict(row) for row in rows), key=_by_call_and_seq)


async def _table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda c: set(inspect(c).get_table_names()))


async def _call_columns(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        columns = await conn.run_sync(lambda c: inspect(c).get_columns("calls"))
    return {column["name"] for column in columns}


def _by_call_and_seq(event: dict[str, Any]) -> tuple[int, int]:
    return event["call_id"], event["seq"]


async def test_upgrade_rounds_event_times_to_milliseconds(database_url: str) -> None:
    """Event times were written from millisecond epochs; a finer stored time is rounded."""
    await migrate.upgrade(database_url, "0002")
    calls, _ = old_rows()
    fine = {"call_id": 1, "seq": 1, "at": STARTED + timedelta(microseconds=456_789),
            "kind": "hangup", "detail": {}}  # fmt: skip
    async with Database(database_url) as db:
        async with db.write_engine.begin() as conn:
            await conn.execute(sa.insert(CALLS), calls[:1])
            await conn.execute(sa.insert(EVENTS), [fine])
        await migrate.upgrade(database_url)
        async with db.engine.connect() as conn:
            value = await conn.scalar(sa.select(TIMELINES.c.events))
    assert value == [{"at": 1773171000.58, "kind": "hangup", "detail": {}}]


async def test_a_call_stored_before_the_column_reads_an_empty_timeline(database_url: str) -> None:
    """Rows inserted without the column (a writer that predates it) get the server default."""
    await migrate.upgrade(database_url)
    calls, _ = old_rows()
    async with Database(database_url) as db:
        async with db.write_engine.begin() as conn:
            await conn.execute(sa.insert(CALLS), calls[:1])
        async with db.engine.connect() as conn:
            value = await conn.scalar(sa.select(TIMELINES.c.events))
    assert value == []
