"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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

    assert await migrate.current(database_url) == migrate.head_revision() == "0005"
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

    assert await migrate.current(database_url) == "0005"


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "ivr.sqlite3"  # the folder does not exist yet
    async with Database(f"sqlite+aiosqlite:///{path}") as db, db.read() as session:
        journal = await session.scalar(text("PRAGMA journal_mode"))
        foreign_keys = await session.scalar(text("PRAGMA foreign_keys"))
        busy_timeout = await session.scalar(text("PRAGMA busy_timeout"))

    assert path.exists()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy_timeout is not None and busy_timeout >= 1000
