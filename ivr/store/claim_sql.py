"""The statements of a claim and its release, as driver SQL (``ivr.store.raw_sql``): they run
on every routed call. ``ivr.store.claims`` says what they mean and in which order they run.

PostgreSQL: one call of ``ivr_claim`` / ``ivr_release`` each (migration 0002).
SQLite: the counter rows, ONE conditional UPDATE over all of a claim's counters, the claim row.
A counter is (period kind, period key) and, to take a slot, its cap.
"""

from __future__ import annotations

import functools
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
_CREATE_COUNTER = Sql(
    "INSERT INTO target_usage (target_id, period_kind, period_key, count) VALUES (?, ?, ?, 0)"
    " ON CONFLICT DO NOTHING",
    (P, P, P),
)
_INSERT_CLAIM = Sql(
    "INSERT INTO target_claims (call_ref, target_id, claimed_at) VALUES (?, ?, ?)", (P, P, AT)
)
_DELETE_CLAIM = Sql("DELETE FROM target_claims WHERE call_ref = ? AND target_id = ?", (P, P))


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


def create_counters(conn: Connection, target_id: str, counters: Sequence[tuple[str, str]]) -> None:
    """The counter rows that do not exist yet, at zero."""
    raw_sql.run_many(conn, _CREATE_COUNTER, [(target_id, kind, key) for kind, key in counters])


def take_slots(
    conn: Connection, target_id: str, counters: Sequence[tuple[str, str, int]]
) -> set[tuple[str, str]]:
    """``count + 1`` on every counter still below its cap; the counters taken."""
    params = [*(value for counter in counters for value in counter), target_id]
    return {(kind, key) for kind, key in raw_sql.fetch(conn, _take(len(counters)), params)}


def give_back_slots(conn: Connection, target_id: str, counters: Sequence[tuple[str, str]]) -> None:
    """``count - 1`` on the counters, never below zero."""
    params = [*(value for counter in counters for value in counter), target_id]
    raw_sql.run(conn, _give_back(len(counters)), params)


def insert_claim(conn: Connection, call_ref: str, target_id: str, at: datetime) -> None:
    raw_sql.run(conn, _INSERT_CLAIM, (call_ref, target_id, at))


def delete_claim(conn: Connection, call_ref: str, target_id: str) -> bool:
    """True if the claim was there (and is now ended)."""
    return raw_sql.run(conn, _DELETE_CLAIM, (call_ref, target_id)) > 0


# The counters come as a list of VALUES joined by their whole primary key (target, kind, key):
# past periods' counters stay in the table (8,760 hours a year per target), and with the
# counters as ORed conditions SQLite's planner (no statistics) went through all of a target's
# counters for each claim and release (bench/README.md, round 10). A join drives one lookup
# per counter. ``tests/store_calls/test_counter_lookups.py`` checks the plan.
@functools.lru_cache(maxsize=8)
def _take(size: int) -> Sql:
    """Counters number 0..size-1 as (kind, key, cap), then the target; each counter taken
    only below its own cap."""
    values = ", ".join(["(?, ?, ?)"] * size)
    return Sql(
        f"WITH c(kind, pkey, cap) AS (VALUES {values})"
        " UPDATE target_usage SET count = count + 1 FROM c"
        " WHERE target_usage.target_id = ? AND target_usage.period_kind = c.kind"
        " AND target_usage.period_key = c.pkey AND target_usage.count < c.cap"
        " RETURNING target_usage.period_kind, target_usage.period_key",
        (P, P, P) * size + (P,),
    )


@functools.lru_cache(maxsize=8)
def _give_back(size: int) -> Sql:
    """Counters number 0..size-1 as (kind, key), then the target."""
    values = ", ".join(["(?, ?)"] * size)
    return Sql(
        f"WITH c(kind, pkey) AS (VALUES {values})"
        " UPDATE target_usage SET count = count - 1 FROM c"
        " WHERE target_usage.target_id = ? AND target_usage.period_kind = c.kind"
        " AND target_usage.period_key = c.pkey AND target_usage.count > 0",
        (P, P) * size + (P,),
    )
