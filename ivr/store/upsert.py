"""INSERT ... ON CONFLICT ... DO UPDATE as driver SQL (``ivr.store.raw_sql``), for the call
records written on every call: SQLite and PostgreSQL take the same text. It runs inside the write
queue's batch transaction (``ivr.store.write_queue``)."""

from __future__ import annotations

import functools

from sqlalchemy import Table

from ivr.store.raw_sql import Sql, insert_sql


@functools.lru_cache(maxsize=32)
def upsert_sql(table: Table, columns: tuple[str, ...], key: str, newer_than: str) -> Sql:
    """Insert rows of ``columns`` (key included), or update the stored row with the same
    ``key`` when the incoming ``newer_than`` is greater (a newer version)."""
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != key)
    return insert_sql(
        table,
        columns,
        f" ON CONFLICT ({key}) DO UPDATE SET {updates}"
        f" WHERE {table.name}.{newer_than} < excluded.{newer_than}",
    )
