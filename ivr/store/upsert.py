"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, which spell it the same way in SQLAlchemy
but through their own dialect modules."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def _insert(session: AsyncSession, table: Table) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: str,
    newer_than: str | None = None,
) -> None:
    """Insert rows, or update the existing row with the same ``key``; with ``newer_than``,
    only when the incoming value of that column is greater (a newer version)."""
    if not rows:
        return
    statement = _insert(session, table)
    excluded = statement.excluded
    columns = [name for name in rows[0] if name != key]
    where = table.c[newer_than] < excluded[newer_than] if newer_than else None
    statement = statement.on_conflict_do_update(
        index_elements=[key], set_={name: excluded[name] for name in columns}, where=where
    )
    await session.execute(statement, list(rows))


async def insert_ignore(
    session: AsyncSession, table: Table, rows: dict[str, Any] | Sequence[dict[str, Any]]
) -> None:
    """Insert a row (or several) unless its primary key exists already."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    many = [rows] if isinstance(rows, dict) else list(rows)
    if many:
        await session.execute(_insert_ignore_statement(dialect, table), many)


@functools.lru_cache(maxsize=32)
def _insert_ignore_statement(dialect: str, table: Table) -> Any:
    """Built once per table: the claim path runs it on every call."""
    return (
        (postgresql if dialect == "postgresql" else sqlite).insert(table).on_conflict_do_nothing()
    )
