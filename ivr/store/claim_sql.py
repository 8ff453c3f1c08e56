"""The statements of a claim and its release on PostgreSQL, as driver SQL (``ivr.store.raw_sql``):
they run on every routed call. One call of ``ivr_claim`` / ``ivr_release`` each, or of
``ivr_batch`` for many (migration 0002); ``ivr.store.claims`` says what they mean. SQLite's are
``ivr.store.ledger``'s flush. A counter is (period kind, period key) and, to take a slot, its
cap. The janitor's delete of past counters serves both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ivr.store import json_text, raw_sql
from ivr.store.driver_values import Kind
from ivr.store.raw_sql import Fetch, Sql

P, AT = Kind.PLAIN, Kind.AT

_PG_CLAIM = Sql("SELECT ivr_claim(?, ?, ?, ?, ?, ?)", (P, P, P, P, P, AT))
_PG_RELEASE = Sql("SELECT ivr_release(?, ?, ?, ?)", (P, P, P, P))
_PG_BATCH = Sql("SELECT ivr_batch(?::text::jsonb)", (P,))


def pg_claim(
    conn: Connection,
    call_ref: str,
    target_id: str,
    counters: Sequence[tuple[str, str, int]],
    at: datetime,
) -> int:
    """0 if granted, else the 1-based position of the first full counter (nothing taken)."""
    kinds, keys, caps = [c[0] for c in counters], [c[1] for c in counters], [c[2] for c in counters]
    [(full_at,)] = raw_sql.fetch(conn, _PG_CLAIM, (call_ref, target_id, kinds, keys, caps, at))
    return int(full_at)


def pg_release(
    conn: Connection, call_ref: str, target_id: str, counters: Sequence[tuple[str, str]]
) -> bool:
    """End the claim and give back ``counters``; False when there was no claim to end."""
    kinds, keys = [c[0] for c in counters], [c[1] for c in counters]
    [(ended,)] = raw_sql.fetch(conn, _PG_RELEASE, (call_ref, target_id, kinds, keys))
    return bool(ended)


def pg_batch(changes: Sequence[dict[str, object]]) -> Fetch[list[int]]:
    """Claims and releases in one ``ivr_batch`` statement; one answer each, in order."""
    return Fetch(_PG_BATCH, (json_text.dumps(changes),), _answers)


def _answers(rows: list[Any], _dialect: str) -> list[int]:
    [(answers,)] = rows
    return [int(answer) for answer in answers]


_DELETE_PAST = Sql(
    "DELETE FROM target_usage WHERE (target_id, period_kind, period_key) IN"
    " (SELECT target_id, period_kind, period_key FROM target_usage"
    "  WHERE (period_kind = 'hour' AND period_key < ?) OR (period_kind = 'day' AND period_key < ?)"
    "  OR (period_kind = 'month' AND period_key < ?) LIMIT ?)",
    (P, P, P, P),
)


def delete_past_counters(conn: Connection, cutoffs: dict[str, str], limit: int) -> int:
    """Up to ``limit`` counters whose key is below their kind's cutoff; how many."""
    params = (cutoffs["hour"], cutoffs["day"], cutoffs["month"], limit)
    return raw_sql.run(conn, _DELETE_PAST, params)
