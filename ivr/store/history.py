"""The caller history screening reads on every call: one statement, as driver SQL
(``ivr.store.raw_sql``: Core's per-statement CPU cost more than the query)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from ivr.screening.rules import CallerHistory
from ivr.store import driver_values, raw_sql
from ivr.store.driver_values import Kind
from ivr.store.raw_sql import Sql

NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # a dedupe window that starts never: no duplicates
# The caller's calls in the velocity window (count) and the start of the latest in the dedupe
# window (max), in one statement.
_HISTORY = Sql(
    "SELECT count(CASE WHEN started_at >= ? THEN 1 END),"
    " max(CASE WHEN campaign_id = ? AND started_at >= ? THEN started_at END)"
    " FROM calls WHERE caller_number = ? AND started_at >= ? AND ref != ?",
    (Kind.AT, Kind.PLAIN, Kind.AT, Kind.PLAIN, Kind.AT, Kind.PLAIN),
)


def read(conn: Connection, params: dict[str, Any]) -> CallerHistory:
    """``params``: caller, campaign, exclude (a call ref), since, dedupe_from, from."""
    values = (params["since"], params["campaign"], params["dedupe_from"], params["caller"],
              params["from"], params["exclude"])  # fmt: skip
    [(recent, last)] = raw_sql.fetch(conn, _HISTORY, values)
    last_at = driver_values.read_at(conn.dialect.name, last)
    return CallerHistory(recent_calls=recent or 0, last_campaign_call_at=last_at)
