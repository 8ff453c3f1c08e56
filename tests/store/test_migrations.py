"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from ivr.store import migrate
from ivr.store.db import Database
from ivr.store.models import Base


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_upgrade_builds_a_fresh_database_to_head(database_url: str) -> None:
    assert await migrate.current(database_url) is None

    await migrate.upgrade(database_url)

    assert await migrate.current(database_url) == migrate.head_revision() == "0006"
    async with Database(database_url) as db, db.engine.connect() as conn:
        tables = await conn.run_sync(_table_names)
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


async def test_models_and_migrations_agree(database_url: str) -> None:
    await migrate.upgrade(database_url)

    async with Database(database_url) as db, db.engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff)

    assert diff == []


async def test_the_comparison_sees_a_schema_that_drifted(database_url: str) -> None:
    """Guards the test above: a column the models do not know is reported."""
    await migrate.upgrade(database_url)
    async with Database(database_url) as db:
        async with db.write() as session:
            await session.execute(text("ALTER TABLE publishers ADD COLUMN stray INTEGER"))
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(_schema_diff)

    assert [d[0] for d in diff] == ["remove_column"]


async def test_upgrading_an_up_to_date_database_is_harmless(database_url: str) -> None:
    await migrate.upgrade(database_url)
    await migrate.upgrade(database_url)

    assert await migrate.current(database_url) == "0006"


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "ivr.sqlite3"  # the folder does not exist yet
    async with Database(f"sqlite+aiosqlite:///{path}") as db, db.read() as session:
        journal = await session.scalar(text("PRAGMA journal_mode"))
        foreign_keys = await session.scalar(text("PRAGMA foreign_keys"))
        busy_timeout = await session.scalar(text("PRAGMA busy_timeout"))

    assert path.exists()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy_timeout is not None and busy_timeout >= 1000


async def test_sqlite_call_path_keeps_statement_journals_in_memory(tmp_path: Path) -> None:
    """A call row's upsert needs a statement journal of ~16 pages; spilled to a temporary file
    (SQLite's default past 64 KiB) it was half of the write batches' pwrite calls."""
    async with Database(f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}") as db:
        for engine in db.writes.sync_engines:
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
        async with db.read() as session:
            assert await session.scalar(text("PRAGMA temp_store")) == 2


def _routines(connection: Connection) -> dict[str, str]:
    """The ivr_* functions in the database and their bodies (PostgreSQL)."""
    if connection.dialect.name != "postgresql":
        return {}
    rows = connection.execute(
        text("SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'ivr\\_%'")
    )
    return {name: body for name, body in rows}


async def _state(url: str) -> tuple[set[str], dict[str, str]]:
    async with Database(url) as db, db.engine.connect() as conn:
        return await conn.run_sync(_table_names), await conn.run_sync(_routines)


async def test_every_revision_goes_down_to_nothing_and_up_again(database_url: str) -> None:
    await migrate.upgrade(database_url)

    await migrate.downgrade(database_url, "base")

    assert await migrate.current(database_url) is None
    assert await _state(database_url) == ({"alembic_version"}, {})
    await migrate.upgrade(database_url)
    async with Database(database_url) as db, db.engine.connect() as conn:
        assert await conn.run_sync(_schema_diff) == []


@pytest.mark.postgres
async def test_each_revision_installs_the_routines_frozen_in_it(pg_url: str) -> None:
    """0002's ivr_batch waits for the WAL flush; 0005's does not. Each revision holds its own
    SQL, so a later edit cannot change what an old revision installed."""
    await migrate.upgrade(pg_url, "0002")
    _, at_0002 = await _state(pg_url)
    await migrate.upgrade(pg_url)
    _, at_head = await _state(pg_url)

    assert set(at_0002) == {"ivr_claim", "ivr_release", "ivr_batch"}
    assert "synchronous_commit" not in at_0002["ivr_batch"]
    assert "synchronous_commit" in at_head["ivr_batch"]
    assert set(at_head) == set(at_0002) | {"ivr_store_calls", "ivr_epoch"}
