"""``Database.make_durable``: before the journal forgets applied records, SQLite's WAL (written
without an fsync per commit, ``synchronous=NORMAL``) is synced; PostgreSQL has nothing to do
(its record commits are followed by a flushing one, ``record_batch.FlushWal``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from ivr.store.db import Database


async def test_make_durable_syncs_sqlites_wal_file(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.write() as session:  # something committed, in the WAL
        await session.execute(text("CREATE TABLE IF NOT EXISTS durable_probe (n integer)"))
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    db.make_durable()
    if db.is_sqlite:
        database = db.engine.url.database
        assert database is not None
        assert synced == [str(Path(database).resolve()) + "-wal"]
    else:
        assert synced == []
