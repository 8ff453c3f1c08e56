"""PostgreSQL stores call snapshots in the server (``ivr_store_calls``, migration 0004): the rows
must be exactly those the driver path (``write_snapshots``: ``call_rows`` in Python) stores,
for every kind of value a snapshot holds, including the edges (truncated text, empty strings,
missing fields, odd hangup causes, timestamps whose microseconds round either way)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, delete, select, text

from ivr.calls.record import CallLog, Disposition
from ivr.plans.schema import Plan
from ivr.store import json_text
from ivr.store.db import Database
from ivr.store.journal import JournalEntry
from ivr.store.models import Call, RoutingAttempt
from ivr.store.record_batch import ServerSideWrite, write_snapshots
from store_calls.support import RACE_AT, menu_plan

CAUSES: list[object] = ["16", 17, "", None, "abc", "0", True]
STATUSES = ["ANSWER", "BUSY", "NOANSWER", "CHANUNAVAIL", "", None]


@pytest.fixture
def plan() -> Plan:
    return menu_plan()


def _postgres_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no server-side routine: it always takes the driver path")


def _snapshot(rng: random.Random, n: int) -> dict[str, Any]:
    """A snapshot of call ``n`` as ``CallLog.snapshot()`` makes it, with values drawn to cover
    what the row building does: truncation, empty-as-missing, rounding."""
    started = RACE_AT.timestamp() + rng.uniform(0, 86_400)  # microseconds that round both ways
    call = CallLog(
        uniqueid=f"1773000000.{n}",
        channel=rng.choice(["", "PJSIP/carrier-1", "P" * 140]),
        did_raw=rng.choice(["+13125550000", "", "9" * 40]),
        caller_raw=rng.choice(["+13125550100", "", "anonymous", "7" * 70]),
        caller_name=rng.choice(["", "Caller", "Zoë ☎", "N" * 130]),
        started_at=started,
    )
    call.did = rng.choice([None, "", "+13125550000"])
    call.caller = rng.choice([None, "", "+13125550100"])
    call.caller_state = rng.choice([None, "IL"])
    call.campaign_id, call.publisher_id = rng.choice([(None, None), ("camp", "pub")])
    call.menu_id, call.menu_version = rng.choice([(None, None), ("menu", 1), ("menu", 99)])
    call.answered_at = rng.choice([None, started + rng.uniform(0, 3)])
    call.ended_at = rng.choice([None, started + rng.uniform(3, 600)])
    call.status = rng.choice(["open", "closed"])
    call.disposition = rng.choice([None, *Disposition])
    call.ivr_s, call.ring_s, call.talk_s = (round(rng.uniform(0, 300), 3) for _ in range(3))
    call.billable, call.duplicate = rng.random() < 0.5, rng.random() < 0.2
    call.billable_reason = rng.choice([None, "talked 95s >= 90s"])
    call.revenue, call.payout = Decimal(rng.choice(["0", "12.5", "7.1234"])), Decimal("1.50")
    call.margin = call.revenue - call.payout
    call.tags, call.gathered = rng.choice([[], ["auto", "ins"]]), rng.choice([{}, {"zip": "606"}])
    call.region, call.reject_reason = rng.choice([None, "IL"]), rng.choice([None, "duplicate"])
    call.recording_path = rng.choice([None, "/var/spool/asterisk/monitor/x.wav"])
    call.target_id = rng.choice([None, "t-all", "t-free"])
    call.event(started, "call.start", did=call.did_raw, caller="é")
    for seq in range(rng.randrange(4)):
        attempt = call.begin_attempt(
            started + seq, rng.choice(["PJSIP/t-all", "X" * 320]), call.target_id, "buyer"
        )
        attempt.dial_status = rng.choice(STATUSES)
        attempt.hangup_cause = rng.choice(CAUSES)  # type: ignore[assignment]
        attempt.tech_cause = rng.choice([None, "SIP 486 Busy Here"])
        attempt.answered_at = rng.choice([None, started + seq + rng.uniform(0, 20)])
        attempt.ended_at = rng.choice([None, started + seq + rng.uniform(20, 40)])
    snap = call.snapshot()
    for field in rng.sample(["caller_state", "tags", "gathered", "events", "status"], 1):
        del snap[field]  # an older snapshot's shape: row building's defaults apply
    return snap


def _stored_rows(conn: Connection) -> list[tuple[Any, ...]]:
    """Every calls row and its attempts, keyed by ref; database ids left out."""
    calls, attempts = Call.__table__, RoutingAttempt.__table__
    stored = conn.execute(select(calls).order_by(calls.c.ref)).mappings().all()
    refs = {row["id"]: row["ref"] for row in stored}
    rows = [tuple(v for k, v in row.items() if k != "id") for row in stored]
    tried = conn.execute(select(attempts)).mappings().all()
    rows += sorted((refs[row["call_id"]], *(v for k, v in row.items() if k != "call_id"))
                   for row in tried)  # fmt: skip
    return rows


async def _store_and_read(db: Database, job: Any) -> list[tuple[Any, ...]]:
    await db.writes.run(job, bulk=True)
    async with db.engine.begin() as conn:
        rows = await conn.run_sync(_stored_rows)
        await conn.execute(delete(Call))  # attempts go with their calls (ON DELETE CASCADE)
    return rows


def _entries(snapshots: Iterable[dict[str, Any]]) -> list[JournalEntry]:
    """The snapshots as the record writer gets them: with the journal's line (as
    ``Journal.append_soon`` writes it), except every third, as a replayed or unjournalled
    entry might come (the writer encodes those itself)."""

    def line(snap: dict[str, Any]) -> bytes:
        return json_text.dumps_bytes(snap, default=str) + b"\n"

    return [
        JournalEntry(0, s, line=b"" if n % 3 == 2 else line(s)) for n, s in enumerate(snapshots)
    ]


async def test_the_server_stores_exactly_what_the_driver_path_stores(db: Database) -> None:
    _postgres_only(db)
    rng = random.Random(20261203)
    snapshots = {snap["id"]: snap for snap in (_snapshot(rng, n) for n in range(300))}

    by_driver = await _store_and_read(db, lambda conn: write_snapshots(conn, snapshots))
    in_server = await _store_and_read(db, ServerSideWrite.of(_entries(snapshots.values())))

    assert len(by_driver) > 300  # calls and attempts
    mismatched = [(d, s) for d, s in zip(by_driver, in_server, strict=True) if d != s]
    assert mismatched == []


async def test_the_server_epoch_rounds_microseconds_as_python_does(db: Database) -> None:
    _postgres_only(db)
    from datetime import UTC, datetime

    rng = random.Random(7)
    seconds = [RACE_AT.timestamp() + rng.uniform(0, 10**6) for _ in range(2000)]
    seconds += [0.0000005, 1.0000005, 1773000000.9999996, 1773000000.0000005]
    async with db.engine.connect() as conn:
        result = await conn.execute(
            text("SELECT ivr_epoch(s) FROM unnest(CAST(:all AS float8[])) AS s"), {"all": seconds}
        )
        stored = [row[0] for row in result]
    assert stored == [datetime.fromtimestamp(s, UTC) for s in seconds]


async def test_a_newer_stored_version_keeps_its_row_and_attempts(db: Database) -> None:
    _postgres_only(db)
    rng = random.Random(3)
    newer = _snapshot(rng, 1) | {"version": 5, "disposition": "connected"}
    newer["attempts"] = [{"seq": 1, "dial_string": "PJSIP/t-all", "started_at": 1.5e9}]
    older = newer | {"version": 4, "disposition": "failed", "attempts": []}
    written = [await db.writes.run(ServerSideWrite.of(_entries([s])), bulk=True)
               for s in (newer, older)]  # fmt: skip
    async with db.read() as session:
        row = (await session.scalars(select(Call))).one()
        attempts = (await session.scalars(select(RoutingAttempt))).all()
    assert written == [1, 0]
    assert (row.version, row.disposition, len(attempts)) == (5, "connected", 1)
