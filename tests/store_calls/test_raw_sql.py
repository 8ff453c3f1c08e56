"""The call path's driver SQL (``ivr.store.raw_sql``) stores and reads exactly what the Core
statements it replaced did (``core_reference``): values converted as the column types convert
them, and the same snapshots, claims and releases written through both paths into two fresh
databases leave identical rows, read back through the ORM and as the driver returns them."""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Connection, inspect, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg

from ivr.calls.record import CallLog, Disposition
from ivr.screening.rules import CallerHistory
from ivr.store import claims, history, json_text, loads, migrate, raw_sql
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from ivr.store.driver_values import CONVERTERS, Kind, kind_of, read_at
from ivr.store.ledger import CapLedger, FlushJob
from ivr.store.models import Call, RoutingAttempt, TargetClaim, TargetUsage
from ivr.store.record_batch import write_snapshots
from store_calls import core_reference
from store_calls.support import RACE_AT, menu_plan

MODELS = (Call, RoutingAttempt, TargetUsage, TargetClaim)
PG_ADMIN_DSN = os.environ.get("IVR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


# ----- values ---------------------------------------------------------------------------------

SAMPLES: dict[Kind, list[Any]] = {
    Kind.PLAIN: [None, "abc", "Zoë 東京", 0, 42],
    Kind.AT: [
        None,
        datetime(2026, 3, 10, 19, 30, 1, 123456, tzinfo=UTC),
        datetime(2026, 3, 10, 19, 30, tzinfo=UTC),  # no microseconds: still written out
        datetime(2026, 11, 1, 1, 30, 5, 7, tzinfo=timezone(timedelta(hours=-5))),
    ],
    Kind.NUMBER: [None, Decimal("12.3456"), Decimal("0.001"), Decimal("-3"), Decimal(0)],
    Kind.FLAG: [None, True, False, 1, 0],
    Kind.JSON: [
        None,
        [],
        {},
        ["b", "a"],
        {"zip": "60601", "name": "Zoë", "n": [1, None]},
        [{"at": 1773171000.123, "kind": "ivr.digit", "detail": {"ok": True}}],
    ],
}
# As the app's engines configure them (``ivr.store.db``): JSON text from ``json_text.dumps``.
DIALECTS = {
    "sqlite": sqlite.dialect(json_serializer=json_text.dumps),
    "postgresql": pg_asyncpg.dialect(json_serializer=json_text.dumps),
}


@pytest.mark.parametrize("dialect_name", DIALECTS)
def test_every_column_value_reaches_the_driver_as_its_type_would_send_it(
    dialect_name: str,
) -> None:
    dialect = DIALECTS[dialect_name]
    checked = set()
    for model in MODELS:
        for column in model.__table__.columns:
            kind = kind_of(column.type)
            ours = CONVERTERS[dialect_name][kind] or (lambda value: value)
            core = column.type._cached_bind_processor(dialect) or (lambda value: value)
            for value in SAMPLES[kind]:
                expected, got = core(value), ours(value)
                assert (got, type(got)) == (expected, type(expected)), (column, value)
            checked.add(kind)
    assert checked == set(Kind)


@pytest.mark.parametrize("dialect_name", DIALECTS)
def test_a_naive_datetime_is_refused_as_the_column_type_refuses_it(dialect_name: str) -> None:
    column = Call.__table__.c.started_at
    core = column.type._cached_bind_processor(DIALECTS[dialect_name])
    ours = CONVERTERS[dialect_name][Kind.AT]
    assert core is not None and ours is not None
    naive = datetime(2026, 3, 10, 19, 30)
    with pytest.raises(ValueError, match="naive datetime") as core_error:
        core(naive)
    with pytest.raises(ValueError, match="naive datetime") as our_error:
        ours(naive)
    assert str(our_error.value) == str(core_error.value)


def test_a_stored_sqlite_time_reads_back_as_the_column_type_reads_it() -> None:
    dialect = DIALECTS["sqlite"]
    column = Call.__table__.c.started_at
    write = column.type._cached_bind_processor(dialect)
    read = column.type._cached_result_processor(dialect, None)
    for at in SAMPLES[Kind.AT]:
        stored = write(at)
        assert read_at("sqlite", stored) == read(stored)


def test_statements_are_rendered_per_database() -> None:
    statement = raw_sql.Sql(
        "SELECT x FROM t WHERE a = ? AND b IN (?*) AND c >= ?",
        (Kind.PLAIN, Kind.PLAIN, Kind.AT),
    )
    at = datetime(2026, 3, 10, 19, 30, tzinfo=UTC)
    assert statement.bind("sqlite", ("a", ["x", "y"], at)) == (
        "SELECT x FROM t WHERE a = ? AND b IN (?, ?) AND c >= ?",
        ["a", "x", "y", "2026-03-10 19:30:00.000000"],
    )
    assert statement.bind("postgresql", ("a", ("x", "y"), at)) == (
        "SELECT x FROM t WHERE a = $1 AND b = ANY($2) AND c >= $3",
        ["a", ["x", "y"], at],
    )


# ----- two databases, one written through Core, one through driver SQL -------------------------


@pytest.fixture
async def twins(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """(Core's database, driver SQL's database): fresh, migrated, the same plan applied. On
    PostgreSQL, Core's is a sibling of the fixture's database, dropped afterwards."""
    core_url = f"sqlite+aiosqlite:///{tmp_path / 'core.sqlite3'}"
    sibling = None
    if not database_url.startswith("sqlite"):
        sibling = database_url.rsplit("/", 1)[1] + "_core"
        await _admin(f'CREATE DATABASE "{sibling}"')
        core_url = database_url.rsplit("/", 1)[0] + "/" + sibling
    dbs = []
    try:
        for url in (core_url, database_url):
            await migrate.upgrade(url)
            db = Database(url)
            await db.connect()
            dbs.append(db)
            await apply_plan(db, menu_plan())
        yield dbs[0], dbs[1]
    finally:
        for db in dbs:
            await db.close()
        if sibling:
            await _admin(f'DROP DATABASE IF EXISTS "{sibling}" WITH (FORCE)')


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def story(n: int, **changes: Any) -> CallLog:
    """A call with a long timeline: menu, tags, gathered digits, two attempts, money."""
    started = RACE_AT.timestamp() + n + 0.123456
    call = CallLog(f"1773000000.{n}", f"PJSIP/carrier-{n:08x}", "+13125550000", "+13125550100",
                   "José Müller 東京", started)  # fmt: skip
    call.did, call.caller, call.caller_state, call.region = (
        "+13125550000",
        "+13125550100",
        "IL",
        "IL",
    )
    call.campaign_id, call.publisher_id, call.menu_id, call.menu_version = "camp", "pub", "menu", 1
    call.tags, call.gathered = ["qualified", "vip"], {"zip": "60601", "name": "Zoë"}
    for step in range(18):
        call.event(started + step * 0.25, f"ivr.step{step}", node=f"n{step}", digits="1#", ok=True)
    busy = call.begin_attempt(started + 5, "PJSIP/t-all", "t-all", "buyer")
    busy.dial_status, busy.hangup_cause, busy.tech_cause = "BUSY", "17", "SIP 486 Busy Here"
    busy.ended_at = started + 6
    answered = call.begin_attempt(started + 6, "PJSIP/t-free", "t-free", "buyer")
    answered.dial_status, answered.hangup_cause = "ANSWER", "abc"  # not a Q.850 number
    answered.answered_at, answered.ended_at = started + 9.5, started + 105.0009
    call.answered_at, call.ended_at = started + 9.5, started + 105.0009
    call.ivr_s, call.ring_s, call.talk_s = 4.5006, 3.5, 95.5009
    call.disposition, call.status, call.billable = Disposition.CONNECTED, "closed", True
    call.billable_reason, call.duplicate = "talked 95 s ≥ 90 s", True
    call.revenue, call.payout = Decimal("35.5"), Decimal("1.5")
    call.margin, call.recording_path = Decimal("34.0000"), f"/var/rec/{call.id}.wav"
    for name, value in changes.items():
        setattr(call, name, value)
    return call


def bare(n: int) -> dict[str, Any]:
    """An unknown number's call: no campaign, no caller ID, no attempts, no money."""
    call = CallLog(f"1773000000.{n}", "", "+18005550000", "", "", RACE_AT.timestamp() + n)
    call.disposition, call.status, call.reject_reason = (
        Disposition.UNKNOWN_NUMBER, "closed", "unknown_number"
    )  # fmt: skip
    call.event(call.started_at, "call.start", did=None)
    snap = call.snapshot()
    snap.update(revenue=None, payout=None, margin=None, tags=None, gathered=None, did=None)
    return snap


def batches() -> list[list[dict[str, Any]]]:
    """Three write batches: versions 1, then 2 and 3 of some calls, then an old version 2 of
    a call already stored at 3 (a journal replay: must change nothing)."""
    calls = [story(n) for n in range(4)]
    first = [c.snapshot() for c in calls] + [bare(10)]
    calls[0].tags.append("repeat")
    calls[0].events = calls[0].events[:3]
    old = calls[0].snapshot()  # version 2, held back
    calls[0].gathered["zip"] = "90210"
    calls[1].attempts = calls[1].attempts[:1]
    second = [calls[0].snapshot(), calls[1].snapshot(), story(20, caller_name="").snapshot()]
    return [first, second, [old]]


async def write(db: Database, job: Callable[..., None], batch: list[dict[str, Any]]) -> None:
    latest = {snap["id"]: snap for snap in batch}
    await db.writes.run(functools.partial(job, latest=latest), bulk=True)


async def orm_rows(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of the call path's tables, as the ORM reads it back."""
    out = {}
    async with db.read() as session:
        for model in MODELS:
            mapper = inspect(model)
            keys = [attr.key for attr in mapper.column_attrs]
            found = await session.scalars(select(model).order_by(*mapper.primary_key))
            out[model.__tablename__] = [{k: getattr(obj, k) for k in keys} for obj in found]
    return out


async def driver_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """...and as the driver returns them (on SQLite: the stored text and floats)."""
    out = {}
    async with db.engine.connect() as conn:
        for model in MODELS:
            keys = ", ".join(c.name for c in inspect(model).primary_key)
            result = await conn.exec_driver_sql(
                f"SELECT * FROM {model.__tablename__} ORDER BY {keys}"
            )
            out[model.__tablename__] = [tuple(row) for row in result]
    return out


async def test_snapshots_written_through_both_paths_leave_identical_rows(
    twins: tuple[Database, Database],
) -> None:
    core_db, raw_db = twins
    for batch in batches():
        await write(core_db, core_reference.write_snapshots, batch)
        await write(raw_db, write_snapshots, batch)

    expected, got = await orm_rows(core_db), await orm_rows(raw_db)
    assert got == expected
    assert await driver_rows(raw_db) == await driver_rows(core_db)
    calls = {row["ref"]: row for row in got["calls"]}
    steps = sum(len(row["events"]) for row in got["calls"])
    assert len(calls) == 6 and steps == 18 * 4 - 15 + 1 + 18
    first = next(row for row in got["calls"] if row["version"] == 3)  # the replay lost
    assert (first["tags"], first["gathered"]) == (["qualified", "repeat", "vip"],
                                                  {"zip": "90210", "name": "Zoë"})  # fmt: skip
    assert first["menu_version_id"] is not None and first["caller_name"] == "José Müller 東京"
    assert first["talk_s"] == Decimal("95.501") and first["revenue"] == Decimal("35.5")
    assert first["started_at"] == datetime(2026, 3, 10, 19, 30, 0, 123456, tzinfo=UTC)
    assert first["events"] == story(0).snapshot()["events"][:3]  # the timeline cut to 3 steps
    unknown = next(row for row in got["calls"] if row["campaign_id"] is None)
    assert (unknown["tags"], unknown["gathered"], unknown["revenue"]) == ([], {}, None)


async def test_claims_and_releases_through_both_paths_leave_identical_counters(
    twins: tuple[Database, Database],
) -> None:
    """PostgreSQL's routines, and SQLite's ledger with its flush after every step, store what
    the Core statements stored: the same answers, the same claim rows, the same counters
    (SQLite keeps no live counters: its claim rows are the live count)."""
    plan = menu_plan()
    campaign, targets = plan.campaigns[0], plan.targets()
    ledger_db = twins[1] if twins[1].is_sqlite else None
    paths = [(twins[0], core_reference.take, core_reference.give_back),
             (twins[1], *_claims_path(twins[1]))]  # fmt: skip
    outcomes: list[list[Any]] = []
    for db, take, give_back in paths:
        seen: list[Any] = []
        outcomes.append(seen)
        for step, (op, n, target_id, connected) in enumerate(claim_script()):
            at = RACE_AT + timedelta(minutes=step)  # every claim within one hour
            counters = claims.limited_counters(targets[target_id], campaign, RACE_AT)
            if op == "take":
                job = functools.partial(take, call_ref=f"call-{n}", target_id=target_id,
                                        counters=counters, at=at)  # fmt: skip
            else:
                job = functools.partial(give_back, call_ref=f"call-{n}", target_id=target_id,
                                        counters=counters, connected=connected)  # fmt: skip
            seen.append(await db.writes.run(job, order=target_id))

    assert outcomes[1] == outcomes[0]
    refused = [o for o in outcomes[1] if isinstance(o, claims.Counter)]
    assert [c.kind for c in refused] == ["live", "hour", "hour"]  # full: nothing taken
    assert outcomes[1].count(False) == 2  # released twice, or never claimed: no change
    expected, got = await orm_rows(twins[0]), await orm_rows(twins[1])
    if ledger_db is not None:
        expected["target_usage"] = [r for r in expected["target_usage"]
                                    if r["period_kind"] != "live"]  # fmt: skip
    assert (got["target_usage"], got["target_claims"]) == (
        expected["target_usage"], expected["target_claims"]
    )  # fmt: skip
    t_all = {
        (r["period_kind"], r["count"]) for r in got["target_usage"] if r["target_id"] == "t-all"
    }
    assert t_all == {("hour", 9), ("day", 9), ("month", 9)} | (
        set() if ledger_db is not None else {("live", 1)}
    )


def _claims_path(db: Database) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The database's own claim path as write-queue jobs: ``claims.take`` / ``give_back``
    (PostgreSQL), or a ledger's decision then its flush (SQLite)."""
    if not db.is_sqlite:
        return claims.take, claims.give_back
    ledger = CapLedger()

    def take(conn: Connection, **claim: Any) -> claims.Counter | None:
        full = ledger.take(**claim)
        ledger.write(conn, FlushJob(ledger))
        return full

    def give_back(conn: Connection, *, counters: object, **claim: Any) -> bool:
        ended = ledger.give_back(**claim)
        ledger.write(conn, FlushJob(ledger))
        return ended

    return take, give_back


def claim_script() -> list[tuple[str, int, str, bool]]:
    """(take or release, call number, target, connected) on t-all (live 5, hourly 9) and t-free.
    Five claims fill the live slots; the sixth is refused at ``live``. Released as connected,
    they keep their hour slots; four more reach the hourly cap of 9, so the next claim takes
    a live slot, finds the hour full and gives the live slot back."""
    script = [("take", n, "t-all", False) for n in range(6)]
    script += [("release", n, "t-all", True) for n in range(5)]
    script += [("release", 0, "t-all", True), ("release", 99, "t-all", False)]
    script += [("take", n, "t-all", False) for n in range(10, 14)]
    script += [("release", n, "t-all", True) for n in range(10, 13)]
    script += [("take", 20, "t-all", False), ("take", 21, "t-all", False)]
    script += [("take", 30, "t-free", False), ("release", 30, "t-free", False)]
    return script


async def test_history_and_loads_read_what_core_read(twins: tuple[Database, Database]) -> None:
    raw_db = twins[1]
    plan = menu_plan()
    campaign, targets = plan.campaigns[0], list(plan.targets().values())
    for batch in batches():
        await write(raw_db, write_snapshots, batch)
    for n in range(3):
        counters = claims.limited_counters(plan.targets()["t-all"], campaign, RACE_AT)
        job = functools.partial(
            core_reference.take, call_ref=f"c{n}", target_id="t-all", counters=counters,
            at=RACE_AT,
        )  # fmt: skip
        await raw_db.writes.run(job)

    asked, questions = [], []
    for caller, since, dedupe_from, exclude in (
        ("+13125550100", RACE_AT, RACE_AT + timedelta(seconds=2), ""),
        ("+13125550100", RACE_AT - timedelta(days=1), history.NEVER, "no-such-call"),
        ("+13125550100", RACE_AT + timedelta(hours=1), RACE_AT + timedelta(hours=2), ""),
        ("+19999999999", RACE_AT, RACE_AT, ""),
    ):
        params = {"caller": caller, "exclude": exclude, "campaign": "camp", "since": since,
                  "dedupe_from": dedupe_from, "from": min(since, dedupe_from)}  # fmt: skip
        ours = await raw_db.read_sync(history.query(params))
        core = await raw_db.read_sync(functools.partial(core_reference.history, params=params))
        assert ours == core
        asked.append(ours)
        questions.append(params)
    if not raw_db.is_sqlite:  # PostgreSQL asks them together (ivr.store.joined_reads)
        assert await raw_db.read_sync(history.joined_query(questions)) == asked
    assert asked[0] == CallerHistory(5, datetime(2026, 3, 10, 19, 30, 20, 123456, tzinfo=UTC))
    assert asked[1] == CallerHistory(5, None) and asked[3] == CallerHistory(0, None)

    ours = await raw_db.read_sync(loads.query(targets, campaign, RACE_AT))
    core = await raw_db.read_sync(functools.partial(core_reference.loads, targets=targets,
                                                     campaign=campaign, at=RACE_AT))  # fmt: skip
    assert ours == core
    assert (ours["t-all"].active, ours["t-all"].hourly, ours["t-all"].monthly) == (3, 3, 3)
