"""The statements that store call snapshots (``ivr.store.record_batch``), as driver SQL
(``ivr.store.raw_sql``): per call, its ``calls`` row (the event timeline is a JSON value on it)
and its few ``routing_attempts`` rows. Rows come in as the dicts of ``ivr.store.call_rows``
(column name -> value) and go to the driver as tuples."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table

from ivr.store import raw_sql
from ivr.store.driver_values import Kind
from ivr.store.models import Call, RoutingAttempt
from ivr.store.raw_sql import Fetch, Sql
from ivr.store.upsert import upsert_sql

CALLS: Table = Call.__table__  # type: ignore[assignment]
ATTEMPTS: Table = RoutingAttempt.__table__  # type: ignore[assignment]
P = Kind.PLAIN

_STORED = Sql("SELECT id, ref, version FROM calls WHERE ref IN (?*)", (P,))
# Pairs (menu id, version) wanted: both lists, then the exact pairs picked in Python.
_MENU_VERSIONS = Sql(
    "SELECT menu_id, version, id FROM menu_versions WHERE menu_id IN (?*) AND version IN (?*)",
    (P, P),
)
_DROP_ATTEMPTS = Sql("DELETE FROM routing_attempts WHERE call_id IN (?*)", (P,))
# PostgreSQL: a chunk of snapshots as JSON, stored by the server (migration 0004).
_STORE_CALLS = Sql("SELECT ivr_store_calls(?::json)", (P,))
# One call of the routine per chunk, in the array's order (ordinality), in one statement.
# Its commit does not wait for the WAL flush (set_config(..., true): this transaction only):
# the record writer asks for one flush per batch instead (_FLUSH), before the journal forgets
# the batch (ivr.store.call_writer).
_STORE_CHUNKS = Sql(
    "SELECT ivr_store_calls(c.chunk::json)"
    " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait,"
    " unnest(?::text[]) WITH ORDINALITY AS c(chunk, n) ORDER BY c.n",
    (P,),
)
# A transaction that commits with a WAL flush makes every commit before it durable too (the WAL
# is flushed in order); txid_current() gives it something to commit.
_FLUSH = Sql("SELECT txid_current()", ())


def upsert_calls(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert each call row, or update the stored row of its ref if this version is newer."""
    if rows:
        columns = tuple(rows[0])
        statement = upsert_sql(CALLS, columns, "ref", "version")
        raw_sql.run_many(conn, statement, map(itemgetter(*columns), rows))


def store_calls_in_server(conn: Connection, snapshots_json: str) -> int:
    """PostgreSQL: ``ivr_store_calls`` stores the snapshots (a JSON array) as ``upsert_calls``
    and ``replace_attempts`` would; how many calls rows it wrote."""
    [(written,)] = raw_sql.fetch(conn, _STORE_CALLS, (snapshots_json,))
    return int(written)


def store_chunks_in_server(chunks: Sequence[str]) -> Fetch[list[int]]:
    """PostgreSQL: each chunk (a JSON array of snapshots) as ``store_calls_in_server`` stores
    it, in one statement; how many calls rows each chunk wrote."""
    return Fetch(_STORE_CHUNKS, (list(chunks),), _counts)


def _counts(rows: list[Any], _dialect: str) -> list[int]:
    return [int(written) for (written,) in rows]


def flush_wal(jobs: int) -> Fetch[list[None]]:
    """PostgreSQL: once this has run, every commit before it is on disk (``jobs`` answers)."""
    return Fetch(_FLUSH, (), lambda _rows, _dialect: [None] * jobs)


def stored_versions(conn: Connection, refs: Sequence[str]) -> list[tuple[int, str, int]]:
    """(id, ref, version) of the stored rows of ``refs``."""
    return [(row[0], row[1], row[2]) for row in raw_sql.fetch(conn, _STORED, (refs,))]


def menu_version_ids(
    conn: Connection, wanted: set[tuple[str | None, int | None]]
) -> dict[tuple[str | None, int | None], int]:
    """Row id of each (menu id, version) in ``wanted`` that exists."""
    menus = sorted({m for m, v in wanted if m is not None and v is not None})
    versions = sorted({v for m, v in wanted if m is not None and v is not None})
    if not menus:
        return {}
    rows = raw_sql.fetch(conn, _MENU_VERSIONS, (menus, versions))
    return {(m, v): row_id for m, v, row_id in rows if (m, v) in wanted}


def replace_attempts(
    conn: Connection, call_ids: Sequence[int], attempts: Sequence[dict[str, Any]]
) -> None:
    """The calls' routing attempts, replaced by these."""
    raw_sql.run(conn, _DROP_ATTEMPTS, (call_ids,))
    _insert(conn, ATTEMPTS, attempts)


def _insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        columns = tuple(rows[0])
        raw_sql.run_many(conn, _insert_sql(table, columns), map(itemgetter(*columns), rows))


# Built once per (table, columns): the rows of a table always have the same columns.
_insert_sql = functools.lru_cache(maxsize=8)(raw_sql.insert_sql)
