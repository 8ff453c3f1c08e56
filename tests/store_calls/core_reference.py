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
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory
from ivr.store.call_rows import attempt_rows, call_row
from ivr.store.claims import Counter
from ivr.store.loads import CLAIMS, current_keys, fold_loads
from ivr.store.models import (
    Call,
    MenuVersion,
    RoutingAttempt,
    TargetClaim,
    TargetUsage,
)
from ivr.store.types import UTCDateTime

CALLS: Table = Call.__table__  # type: ignore[assignment]
USAGE: Table = TargetUsage.__table__  # type: ignore[assignment]

# ----- records (ivr.store.record_batch) ------------------------------------------------------

_STORED = select(Call.id, Call.ref, Call.version).where(
    Call.ref.in_(bindparam("refs", expanding=True))
)
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
    conn.execute(_DROP_ATTEMPTS, {"ids": list(fresh.values())})
    attempts = [row for ref, cid in fresh.items() for row in attempt_rows(cid, latest[ref])]
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
        full_at = pg_claim(conn, call_ref, target_id, [(c.kind, c.key, c.cap)
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
        return pg_release(conn, call_ref, target_id, [(c.kind, c.key) for c in returned])
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
    keys = {key for per_kind in wanted.values() for key in per_kind}
    rows = conn.execute(_LOADS, {"ids": ids, "keys": sorted(keys)})
    return fold_loads(rows, ids, wanted)


# ----- INSERT ... ON CONFLICT and the PostgreSQL routines, through Core ---------------------


def _insert(dialect: str, table: Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def upsert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, key: str,
    newer_than: str | None = None,
) -> None:  # fmt: skip
    """Insert rows, or update the existing row with the same ``key``; with ``newer_than``,
    only when the incoming value of that column is greater (a newer version)."""
    if not rows:
        return
    columns = tuple(name for name in rows[0] if name != key)
    conn.execute(_upsert_statement(conn.dialect.name, table, columns, key, newer_than), list(rows))


@functools.lru_cache(maxsize=32)
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], key: str, newer_than: str | None
) -> Any:
    statement = _insert(dialect, table)
    excluded = statement.excluded
    where = table.c[newer_than] < excluded[newer_than] if newer_than else None
    return statement.on_conflict_do_update(
        index_elements=[key], set_={name: excluded[name] for name in columns}, where=where
    )


def insert_ignore(
    conn: Connection, table: Table, rows: dict[str, Any] | Sequence[dict[str, Any]]
) -> None:
    """Insert a row (or several) unless its primary key exists already."""
    many = [rows] if isinstance(rows, dict) else list(rows)
    if many:
        conn.execute(_insert(conn.dialect.name, table).on_conflict_do_nothing(), many)


_CLAIM_CALL = text("SELECT ivr_claim(:call_ref, :target_id, :kinds, :keys, :caps, :at)").bindparams(
    bindparam("at", type_=UTCDateTime())
)
_RELEASE_CALL = text("SELECT ivr_release(:call_ref, :target_id, :kinds, :keys)")


def pg_claim(
    conn: Connection, call_ref: str, target_id: str, counters: Sequence[tuple[str, str, int]],
    at: datetime,
) -> int:  # fmt: skip
    params = {"call_ref": call_ref, "target_id": target_id, "at": at,
              "kinds": [c[0] for c in counters], "keys": [c[1] for c in counters],
              "caps": [c[2] for c in counters]}  # fmt: skip
    return int(conn.execute(_CLAIM_CALL, params).scalar_one())


def pg_release(
    conn: Connection, call_ref: str, target_id: str, counters: Sequence[tuple[str, str]]
) -> bool:
    params = {"call_ref": call_ref, "target_id": target_id,
              "kinds": [c[0] for c in counters], "keys": [c[1] for c in counters]}  # fmt: skip
    return bool(conn.execute(_RELEASE_CALL, params).scalar_one())
