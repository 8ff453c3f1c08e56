"""Read back what the held-calls benchmark left in the database, for the completeness check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ivr.store.db import Database
from ivr.store.models import Call, RoutingAttempt


async def stored_records(db: Database) -> dict[str, Any]:
    """Every call row as ``uniqueid -> [status, disposition, talk_s, ring_s, ivr_s, ended,
    billable]`` (seconds as strings, as stored), and how many Dial attempts never ended."""
    async with db.read() as session:
        rows = await session.execute(
            select(
                Call.uniqueid,
                Call.status,
                Call.disposition,
                Call.talk_s,
                Call.ring_s,
                Call.ivr_s,
                Call.ended_at,
                Call.billable,
            )
        )
        calls = {
            str(uid): [status, disposition, _text(talk), _text(ring), _text(ivr), bool(ended), paid]
            for uid, status, disposition, talk, ring, ivr, ended, paid in rows
        }
        attempts = await session.execute(
            select(RoutingAttempt.ended_at, RoutingAttempt.dial_status)
        )
        unended = sum(1 for ended, status in attempts if ended is None or status is None)
    return {"calls": calls, "attempts_not_ended": unended}


def _text(value: object) -> str | None:
    return None if value is None else str(value)
