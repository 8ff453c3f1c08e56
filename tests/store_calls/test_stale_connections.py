"""PostgreSQL: the call path's pool does not ping before each use (it cost three round trips per
read and per write batch), so a connection that died while pooled (a server restart, a backend
terminated) must cost the call nothing: its statement runs again on a fresh connection."""

from __future__ import annotations

import asyncpg
import pytest
from db_outage import PG_ADMIN_DSN
from sqlalchemy import Connection, text

from ivr.store.db import Database


def _one(conn: Connection) -> int:
    return int(conn.execute(text("SELECT 1")).scalar_one())


def _backend(conn: Connection) -> int:
    return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


async def _terminate_backends(database: str) -> int:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        killed = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await admin.close()
    return len(killed)


async def test_reads_and_writes_survive_pooled_connections_that_died(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no server connections to lose")
    before_read = await db.read_sync(_backend)
    before_write = await db.writes.run(_backend)
    assert await _terminate_backends(db.engine.url.database or "") >= 1

    after_write = await db.writes.run(_backend)  # meets the dead connection first
    assert await _terminate_backends(db.engine.url.database or "") >= 1
    after_read = await db.read_sync(_backend)  # likewise

    assert after_read != before_read  # it ran, on a new connection
    assert after_write != before_write
    assert await db.read_sync(_one) == 1
