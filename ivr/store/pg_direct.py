"""PostgreSQL: one statement sent straight to asyncpg on a held connection of the call path.

Why: through SQLAlchemy, a statement on an ``AsyncConnection`` runs in a greenlet
(``run_sync``) and through its adapter's cursor. For the call path's one-statement reads and
writes (the caller's history, target loads, a batch of claims, a chunk of call records) that
cost ~95-150 us of CPU per statement, against ~40 us for the same statement sent with asyncpg's
own ``fetch`` (bench/README.md, round 8): the history read alone was a fifth of the switch's
CPU per call. What SQLAlchemy did is kept:

- the same values: bound as ``ivr.store.raw_sql`` binds them (the columns' conversions);
- the same connection and codecs: the driver connection SQLAlchemy opened (its JSON codecs are
  set up on it), in autocommit as the held connections are; asyncpg prepares and caches the
  statement, and prepares it again if the schema changed under it;
- ``before_cursor_execute`` / ``after_cursor_execute`` listeners see every statement;
- the same errors: a failure is translated by SQLAlchemy's adapter and raised as Core raises
  it (``DBAPIError`` subclasses, a conversion error as ``StatementError``, a lost connection
  invalidated), so ``ivr.store.errors`` and the outage handling are unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from ivr.store import raw_sql
from ivr.store.driver_values import POSTGRES
from ivr.store.raw_sql import Sql


async def fetch(conn: AsyncConnection, sql: Sql, params: Sequence[Any]) -> list[Any]:
    """Run ``sql`` once on ``conn`` (autocommit); the rows it returns (asyncpg records)."""
    sync = conn.sync_connection
    assert sync is not None, "a connection of HeldConnections, open"
    statement: str = sql.text
    args: Any = None
    try:
        statement, args = sql.bind(POSTGRES, params)
        for listener in sync.dispatch.before_cursor_execute:
            statement, args = listener(sync, None, statement, args, None, False)
        driver: Any = sync.connection.driver_connection  # asyncpg's, under the adapter
        rows: list[Any] = await driver.fetch(statement, *args)
        for listener in sync.dispatch.after_cursor_execute:
            listener(sync, None, statement, args, None, False)
    except Exception as exc:  # raised again as Core would have raised it
        await conn.run_sync(_raise_as_core, exc, statement, args)
        raise  # _raise_as_core always raises
    return rows


def _raise_as_core(conn: Connection, error: Exception, statement: str, args: Any) -> None:
    """In the connection's greenlet, as the cursor would: the adapter translates asyncpg's
    error to its DBAPI error, and Core wraps it (and invalidates the connection if it died)."""
    adapter: Any = conn.connection.dbapi_connection
    try:
        adapter._handle_exception(error)  # raises: the error as the adapter's cursor raises it
    except Exception as translated:
        raw_sql.after_error(conn.dialect, translated)
        conn._handle_dbapi_exception(translated, statement, args, None, None)
