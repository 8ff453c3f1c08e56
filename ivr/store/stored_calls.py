"""Records an earlier process left unfinished, read back as CallLogs so reconciliation can finish
them with the same code as an in-process orphan (``ivr.calls.reconcile.StoredCalls``).

"Unfinished": still ``open`` (the process died with the call), or closed ``failed`` by a
session loss or a hangup report and never reconciled (``data_source = agi``). Per-attempt ring
and talk times are not stored; for attempts AGI completed they are derived from the stored
moments, which is all a later recomputation needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ivr.calls.record import Attempt, CallEvent, CallLog, Disposition
from ivr.store.db import Database
from ivr.store.models import Call, MenuVersion, RoutingAttempt


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _seconds(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


class SqlStoredCalls:
    def __init__(self, db: Database, target_buyers: Callable[[], Mapping[str, str]]) -> None:
        self._db = db
        self._target_buyers = target_buyers  # the live plan's, read when a record is loaded

    async def find_unfinished(self, uniqueid: str) -> CallLog | None:
        async with self._db.read() as session:
            row = await session.scalar(select(Call).where(Call.uniqueid == uniqueid))
            if row is None or not _unfinished(row):
                return None
            attempts = await session.scalars(
                select(RoutingAttempt).where(RoutingAttempt.call_id == row.id)
                .order_by(RoutingAttempt.seq)
            )  # fmt: skip
            menu = (
                await session.get(MenuVersion, row.menu_version_id) if row.menu_version_id else None
            )
            call = _call_of(row)
            call.menu_id, call.menu_version = (menu.menu_id, menu.version) if menu else (None, None)
            call.events = [_event_of(e) for e in row.events]
            call.attempts = [self._attempt_of(a) for a in attempts]
            return call

    def _attempt_of(self, row: RoutingAttempt) -> Attempt:
        started, answered, ended = (_epoch(row.started_at), _epoch(row.answered_at),
                                    _epoch(row.ended_at))  # fmt: skip
        buyer = self._target_buyers().get(row.target_id) if row.target_id else None
        attempt = Attempt(row.seq, row.target_id, buyer, row.dial_string, started or 0.0)
        attempt.answered_at, attempt.ended_at = answered, ended
        attempt.dial_status, attempt.tech_cause = row.dial_status, row.tech_cause
        attempt.hangup_cause = None if row.hangup_cause is None else str(row.hangup_cause)
        if ended is not None:
            attempt.talk_s = round(ended - answered, 3) if answered is not None else 0.0
            attempt.ring_s = round((answered or ended) - attempt.started_at, 3)
        return attempt


def _event_of(stored: dict[str, Any]) -> CallEvent:
    """One step of the row's JSON timeline (as ``CallLog.snapshot()`` wrote it)."""
    return CallEvent(float(stored["at"]), stored["kind"], dict(stored.get("detail") or {}))


def _unfinished(row: Call) -> bool:
    return row.data_source == "agi" and (row.status == "open" or row.disposition == "failed")


def _call_of(row: Call) -> CallLog:
    call = CallLog(
        uniqueid=row.uniqueid or "",
        channel=row.channel or "",
        did_raw=row.did,
        caller_raw=row.caller_number or "",
        caller_name=row.caller_name or "",
        started_at=_epoch(row.started_at) or 0.0,
        id=row.ref,
        did=row.did,
        caller=row.caller_number,
        caller_state=row.caller_state,
        campaign_id=row.campaign_id,
        publisher_id=row.publisher_id,
        answered_at=_epoch(row.answered_at),
        ended_at=_epoch(row.ended_at),
        status=row.status,
        disposition=Disposition(row.disposition) if row.disposition else None,
        reject_reason=row.reject_reason,
        duplicate=row.duplicate,
        tags=list(row.tags or []),
        gathered=dict(row.gathered or {}),
        region=row.region,
        target_id=row.target_id,
        ivr_s=_seconds(row.ivr_s),
        recording_path=row.recording_path,
        data_source=row.data_source,
        version=row.version,
    )
    if call.answered_at is not None:  # ivr_s is kept as stored: the IVR ended when it did
        call.ivr_ended_at = call.answered_at + call.ivr_s
    return call
