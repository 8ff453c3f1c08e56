"""The caller history screening reads on every call: one statement, as driver SQL
(``ivr.store.raw_sql``: Core's per-statement CPU cost more than the query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ivr.screening.rules import CallerHistory
from ivr.store import driver_values
from ivr.store.driver_values import Kind
from ivr.store.raw_sql import Fetch, Sql

NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # a dedupe window that starts never: no duplicates
# The caller's calls in the velocity window (count) and the start of the latest in the dedupe
# window (max), in one statement.
_HISTORY = Sql(
    "SELECT count(CASE WHEN started_at >= ? THEN 1 END),"
    " max(CASE WHEN campaign_id = ? AND started_at >= ? THEN started_at END)"
    " FROM calls WHERE caller_number = ? AND started_at >= ? AND ref != ?",
    (Kind.AT, Kind.PLAIN, Kind.AT, Kind.PLAIN, Kind.AT, Kind.PLAIN),
)


# PostgreSQL: many calls' questions in ONE statement (``ivr.store.joined_reads``): one row
# per question, in the order asked, each answered as _HISTORY answers it alone.
_JOINED_HISTORY = Sql(
    "SELECT count(CASE WHEN c.started_at >= q.since THEN 1 END),"
    " max(CASE WHEN c.campaign_id = q.campaign AND c.started_at >= q.dedupe_from"
    " THEN c.started_at END)"
    " FROM unnest(?::timestamptz[], ?::text[], ?::timestamptz[], ?::text[], ?::timestamptz[],"
    " ?::text[]) WITH ORDINALITY AS q(since, campaign, dedupe_from, caller, from_at, exclude, n)"
    " LEFT JOIN calls AS c ON c.caller_number = q.caller AND c.started_at >= q.from_at"
    " AND c.ref != q.exclude"
    " GROUP BY q.n ORDER BY q.n",
    (Kind.PLAIN,) * 6,
)


def query(params: dict[str, Any]) -> Fetch[CallerHistory]:
    """``params``: caller, campaign, exclude (a call ref), since, dedupe_from, from."""
    return Fetch(_HISTORY, _values(params), _shape)


def joined_query(asked: Sequence[dict[str, Any]]) -> Fetch[list[CallerHistory]]:
    """PostgreSQL: the answers to ``query`` for each of ``asked``, in one statement."""
    columns = tuple(list(column) for column in zip(*map(_values, asked), strict=True))
    return Fetch(_JOINED_HISTORY, columns, _shape_each)


def _values(params: dict[str, Any]) -> tuple[Any, ...]:
    return (params["since"], params["campaign"], params["dedupe_from"], params["caller"],
            params["from"], params["exclude"])  # fmt: skip


def _shape(rows: list[Any], dialect: str) -> CallerHistory:
    [row] = rows
    return _history(row, dialect)


def _shape_each(rows: list[Any], dialect: str) -> list[CallerHistory]:
    return [_history(row, dialect) for row in rows]


def _history(row: Sequence[Any], dialect: str) -> CallerHistory:
    recent, last = row
    last_at = driver_values.read_at(dialect, last)
    return CallerHistory(recent_calls=recent or 0, last_campaign_call_at=last_at)
