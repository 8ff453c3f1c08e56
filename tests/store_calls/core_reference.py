"""The call path's statements as they were written with SQLAlchemy Core, before they became
driver SQL (``ivr.store.raw_sql``): the reference ``test_raw_sql`` holds the new path to.
Kept off the hot path, here; they read and write the same tables the same way."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory
from ivr.store import pg_routines
from ivr.store.call_rows import attempt_rows, call_row, event_rows
from ivr.store.claims import Counter
from ivr.store.loads import CLAIMS, current_keys
from ivr.store.models import (
    Call,
    CallEvent,
    MenuVersion,
    RoutingAttempt,
    TargetClaim,
    TargetUsage,
)
from ivr.store.upsert import insert_ignore, upsert

CALLS: Table = Call.__table__  # type: ignore[assignment]
USAGE: Table = TargetUsage.__table__  # type: ignore[assignment]

# ----- records (ivr.store.record_batch) ------------------------------------------------------

_STORED = select(Call.id, Call.ref, Call.version).where(
    Call.ref.in_(bindparam("refs", expanding=True))
)
_DROP_EVENTS = delete(CallEvent).where(CallEvent.call_id.in_(bindparam("ids", expanding=True)))
_DROP_ATTEMPTS = delete(RoutingAttempt).where(
    RoutingAttempt.call_id.in_(bindparam("ids", expanding=True))
)


def write_snapshots(conn: Connection, latest: dict[str, dict[str, Any]]) -> None:
    versions = _menu_version_ids(conn, latest.values())
    rows = [call_row(s, versions.get((s.get("menu_id"), s.get("menu_version"))))
            for s in latest.values()]  # fmt: skip
    upsert(conn, CALLS, rows, key="ref", newer_than="version")
    stored = conn.execute(_STORED, {"refs": list(latest)})
    fresh = {ref: call_id for call_id, ref, version in stored
             if version == latest[ref]["version"]}  # fmt: skip
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


# ----- claims (ivr.store.claims) --------------------------------------------------------------


def take(
    conn: Connection, call_ref: str, target_id: str, counters: Sequence[Counter], at: datetime
) -> Counter | None:
    if conn.dialect.name == "postgresql":
        full_at = pg_routines.claim(conn, call_ref, target_id, [(c.kind, c.key, c.cap)
                                                                for c in counters], at)  # fmt: skip
        return counters[full_at - 1] if full_at else None
    if counters:
        rows = [{"target_id": target_id, "period_kind": c.kind, "period_key": c.key, "count": 0}
                for c in counters]  # fmt: skip
        insert_ignore(conn, USAGE, rows)
        params = _params(target_id, counters)
        taken = {(kind, key) for kind, key in conn.execute(_take_statement(len(counters)), params)}
        if len(taken) != len(counters):
            full = next(c for c in counters if (c.kind, c.key) not in taken)
            undo = [c for c in counters if (c.kind, c.key) in taken]
            if undo:
                conn.execute(_give_back_statement(len(undo)), _params(target_id, undo))
            return full
    conn.execute(insert(TargetClaim), {"call_ref": call_ref, "target_id": target_id,
                                       "claimed_at": at})  # fmt: skip
    return None


def give_back(
    conn: Connection, call_ref: str, target_id: str, counters: Sequence[Counter], *,
    connected: bool,
) -> bool:  # fmt: skip
    returned = [c for c in counters if not connected or c.kind == "live"]
    if conn.dialect.name == "postgresql":
        return pg_routines.release(conn, call_ref, target_id, [(c.kind, c.key) for c in returned])
    ended = conn.execute(_CLAIM_DELETE, {"call_ref": call_ref, "target_id": target_id})
    if ended.rowcount == 0:
        return False
    if returned:
        conn.execute(_give_back_statement(len(returned)), _params(target_id, returned))
    return True


_CLAIM_DELETE = delete(TargetClaim).where(
    TargetClaim.call_ref == bindparam("call_ref"), TargetClaim.target_id == bindparam("target_id")
)


@functools.lru_cache(maxsize=8)
def _take_statement(size: int) -> Update:
    return (
        update(TargetUsage)
        .where(TargetUsage.target_id == bindparam("t_id"), or_(*(
            and_(TargetUsage.period_kind == bindparam(f"kind{i}"),
                 TargetUsage.period_key == bindparam(f"key{i}"),
                 TargetUsage.count < bindparam(f"cap{i}"))
            for i in range(size)
        )))
        .values(count=TargetUsage.count + 1)
        .returning(TargetUsage.period_kind, TargetUsage.period_key)
    )  # fmt: skip


@functools.lru_cache(maxsize=8)
def _give_back_statement(size: int) -> Update:
    return (
        update(TargetUsage)
        .where(TargetUsage.target_id == bindparam("t_id"), TargetUsage.count > 0, or_(*(
            and_(TargetUsage.period_kind == bindparam(f"kind{i}"),
                 TargetUsage.period_key == bindparam(f"key{i}"))
            for i in range(size)
        )))
        .values(count=TargetUsage.count - 1)
    )  # fmt: skip


def _params(target_id: str, counters: Sequence[Counter]) -> dict[str, object]:
    params: dict[str, object] = {"t_id": target_id}
    for i, counter in enumerate(counters):
        params[f"kind{i}"], params[f"key{i}"], params[f"cap{i}"] = (
            counter.kind, counter.key, counter.cap
        )  # fmt: skip
    return params


# ----- reads (ivr.store.history, ivr.store.loads) --------------------------------------------

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


def history(conn: Connection, params: dict[str, Any]) -> CallerHistory:
    row = conn.execute(_HISTORY, params).one()
    return CallerHistory(recent_calls=row[0] or 0, last_campaign_call_at=row[1])


_LOADS = union_all(
    select(
        TargetUsage.target_id, TargetUsage.period_kind, TargetUsage.period_key, TargetUsage.count
    ).where(
        TargetUsage.target_id.in_(bindparam("ids", expanding=True)),
        TargetUsage.period_key.in_(bindparam("keys", expanding=True)),
    ),
    select(TargetClaim.target_id, literal(CLAIMS), literal(""), func.count())
    .where(TargetClaim.target_id.in_(bindparam("ids", expanding=True)))
    .group_by(TargetClaim.target_id),
)


def loads(
    conn: Connection, targets: Sequence[Target], campaign: Campaign, at: datetime
) -> Mapping[str, TargetLoad]:
    if not targets:
        return {}
    ids = [t.id for t in targets]
    wanted = current_keys(targets, campaign, at)
    keys = {key for per_kind in wanted.values() for key in per_kind.values()}
    counts: dict[tuple[str, str], int] = {}
    active: dict[str, int] = {}
    for target_id, kind, key, count in conn.execute(_LOADS, {"ids": ids, "keys": sorted(keys)}):
        if kind == CLAIMS:
            active[target_id] = count
        elif wanted[target_id].get(kind) == key:
            counts[(target_id, kind)] = count
    return {
        tid: TargetLoad(
            active=active.get(tid, 0),
            hourly=counts.get((tid, "hour"), 0),
            daily=counts.get((tid, "day"), 0),
            monthly=counts.get((tid, "month"), 0),
        )
        for tid in ids
    }
