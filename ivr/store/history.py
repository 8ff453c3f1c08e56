"""The caller history screening reads on every call: one statement, as driver SQL
(``ivr.store.raw_sql``: Core's per-statement CPU cost more than the query)."""

from __future__ import annotations

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


def query(params: dict[str, Any]) -> Fetch[CallerHistory]:
    """``params``: caller, campaign, exclude (a call ref), since, dedupe_from, from."""
    values = (params["since"], params["campaign"], params["dedupe_from"], params["caller"],
              params["from"], params["exclude"])  # fmt: skip
    return Fetch(_HISTORY, values, _shape)


def _shape(rows: list[Any], dialect: str) -> CallerHistory:
    [(recent, last)] = rows
    last_at = driver_values.read_at(dialect, last)
    return CallerHistory(recent_calls=recent or 0, last_campaign_call_at=last_at)
