"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, which spell it the same way in SQLAlchemy
but through their own dialect modules. Synchronous: these run inside the write queue's batch
transaction (``ivr.store.write_queue``).

``upsert_sql`` is the same statement as driver SQL (``ivr.store.raw_sql``), for the call
records written on every call; the Core functions serve the rest (and the tests' reference)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from ivr.store.raw_sql import Sql, insert_sql


def _insert(dialect: str, table: Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def upsert(
    conn: Connection,
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
    columns = tuple(name for name in rows[0] if name != key)
    statement = _upsert_statement(conn.dialect.name, table, columns, key, newer_than)
    conn.execute(statement, list(rows))


@functools.lru_cache(maxsize=32)
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], key: str, newer_than: str | None
) -> Any:
    statement = _insert(dialect, table)
    excluded = statement.excluded
    where = table.c[newer_than] < excluded[newer_than] if newer_than else None
    return statement.on_conflict_do_update(
        index_elements=[key], set_={name: excluded[name] for name in columns}, where=where
    )


def insert_ignore(
    conn: Connection, table: Table, rows: dict[str, Any] | Sequence[dict[str, Any]]
) -> None:
    """Insert a row (or several) unless its primary key exists already."""
    many = [rows] if isinstance(rows, dict) else list(rows)
    if many:
        conn.execute(_insert_ignore_statement(conn.dialect.name, table), many)


@functools.lru_cache(maxsize=32)
def _insert_ignore_statement(dialect: str, table: Table) -> Any:
    """Built once per table: the claim path runs it on every call."""
    return _insert(dialect, table).on_conflict_do_nothing()


@functools.lru_cache(maxsize=32)
def upsert_sql(table: Table, columns: tuple[str, ...], key: str, newer_than: str) -> Sql:
    """``upsert(..., key=key, newer_than=newer_than)`` of rows with ``columns`` (key included),
    as one statement both databases take as it is."""
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != key)
    return insert_sql(
        table,
        columns,
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
        f" WHERE {table.name}.{newer_than} < excluded.{newer_than}",
    )
