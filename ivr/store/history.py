"""The caller history screening reads on every call: one statement, built once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, select

from ivr.screening.rules import CallerHistory
from ivr.store.models import Call

NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # a dedupe window that starts never: no duplicates
# The caller's calls in the velocity window (count) and the start of the latest in the dedupe
# window (max), in one statement built once: screening reads it on every call.
_HISTORY = select(
    func.count(case((Call.started_at >= bindparam("since"), 1))),
    func.max(case(
        (and_(Call.campaign_id == bindparam("campaign"),
              Call.started_at >= bindparam("dedupe_from")), Call.started_at),
    )),
).where(
    Call.caller_number == bindparam("caller"),
    Call.started_at >= bindparam("from"),
    Call.ref != bindparam("exclude"),
)  # fmt: skip


def read(conn: Connection, params: dict[str, Any]) -> CallerHistory:
    row = conn.execute(_HISTORY, params).one()
    return CallerHistory(recent_calls=row[0] or 0, last_campaign_call_at=row[1])
