"""Call snapshots into their tables, as one job of the write queue (``ivr.store.write_queue``).

The newest snapshot of each call is upserted by its ref (an older version never overwrites a
newer one), then the call's events and routing attempts are replaced whole: a snapshot carries
the call's entire timeline. Synchronous: it runs inside the queue's batch transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, tuple_, update

from ivr.store import claims
from ivr.store.call_rows import attempt_rows, call_row, event_rows
from ivr.store.models import Call, CallEvent, MenuVersion, RoutingAttempt
from ivr.store.upsert import upsert

CALLS: Table = Call.__table__  # type: ignore[assignment]
_STORED = select(Call.id, Call.ref, Call.version).where(
    Call.ref.in_(bindparam("refs", expanding=True))
)
_DROP_EVENTS = delete(CallEvent).where(CallEvent.call_id.in_(bindparam("ids", expanding=True)))
_DROP_ATTEMPTS = delete(RoutingAttempt).where(
    RoutingAttempt.call_id.in_(bindparam("ids", expanding=True))
)


def write_snapshots(conn: Connection, latest: dict[str, dict[str, Any]]) -> None:
    """Store ``latest`` (call ref -> its newest snapshot in this batch)."""
    versions = _menu_version_ids(conn, latest.values())
    rows = [call_row(s, versions.get((s.get("menu_id"), s.get("menu_version"))))
            for s in latest.values()]  # fmt: skip
    upsert(conn, CALLS, rows, key="ref", newer_than="version")
    stored = conn.execute(_STORED, {"refs": list(latest)})
    fresh = {ref: call_id for call_id, ref, version in stored
             if version == latest[ref]["version"]}  # fmt: skip
    _replace_children(conn, fresh, latest)


def _menu_version_ids(
    conn: Connection, snaps: Iterable[dict[str, Any]]
) -> dict[tuple[str | None, int | None], int]:
    wanted = {(s.get("menu_id"), s.get("menu_version")) for s in snaps if s.get("menu_version")}
    if not wanted:
        return {}
    result = conn.execute(
        select(MenuVersion.menu_id, MenuVersion.version, MenuVersion.id).where(
            tuple_(MenuVersion.menu_id, MenuVersion.version).in_(list(wanted))
        )
    )
    return {(menu_id, version): row_id for menu_id, version, row_id in result}


def _replace_children(
    conn: Connection, fresh: dict[str, int], latest: dict[str, dict[str, Any]]
) -> None:
    """A snapshot carries the whole timeline: replace the call's events and attempts."""
    if not fresh:
        return
    ids = list(fresh.values())
    conn.execute(_DROP_EVENTS, {"ids": ids})
    conn.execute(_DROP_ATTEMPTS, {"ids": ids})
    events = [row for ref, cid in fresh.items() for row in event_rows(cid, latest[ref])]
    attempts = [row for ref, cid in fresh.items() for row in attempt_rows(cid, latest[ref])]
    if events:
        conn.execute(insert(CallEvent), events)
    if attempts:
        conn.execute(insert(RoutingAttempt), attempts)


def close_orphan(conn: Connection, uniqueid: str, cause: str, ended_at: float) -> bool:
    """Close an open record whose session died, and free its claims (a write queue job)."""
    closed = conn.execute(
        update(Call)
        .where(Call.uniqueid == uniqueid, Call.status == "open")
        .values(
            status="closed",
            ended_at=datetime.fromtimestamp(ended_at, UTC),
            disposition=func.coalesce(func.nullif(Call.disposition, ""), "failed"),
            billable_reason=f"session lost; hangup cause {cause or 'unknown'}",
        )
        .returning(Call.ref)
    ).all()
    for (ref,) in closed:
        claims.forget_call(conn, ref)
    return bool(closed)
