"""SQLite: the write path checkpoints its WAL (PASSIVE, every 500 commits, in the worker thread)
so that the WAL does not grow for as long as the switch runs. The proof is the main database
file itself: read with ``immutable=1`` (which ignores the WAL), it holds the committed rows."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from ivr.store.db import Database

COMMITS = 500  # the write runner checkpoints every 500 commits


def _insert_claim(n: int) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        sql = "INSERT INTO target_claims (call_ref, target_id, claimed_at) VALUES (?, ?, ?)"
        conn.exec_driver_sql(sql, (f"call-{n}", "t-live", "2026-11-24 19:00:00.000000"))

    return run


def _claims_in_main_file(path: str) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as main:
        [(count,)] = main.execute("SELECT count(*) FROM target_claims").fetchall()
    return int(count)


async def test_committed_writes_reach_the_main_database_file(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL checkpoints by itself")
    path = make_url(db.url).database
    assert path is not None
    for n in range(COMMITS):
        await db.writes.submit(_insert_claim(n), order="t-live")
    for _ in range(100):  # the checkpoint runs in the worker thread
        if _claims_in_main_file(path) == COMMITS:
            break
        await asyncio.sleep(0.05)
    assert _claims_in_main_file(path) == COMMITS
