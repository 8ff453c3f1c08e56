"""The record writer: batches, newest version wins, whole timelines replaced, refused snapshots
set aside with their reason while the rest is written, journal trimmed once applied."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select

from ivr.calls.record import CallLog, Disposition
from ivr.store import call_writer
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from ivr.store.journal import JournalEntry
from ivr.store.models import Call, RoutingAttempt
from ivr.store.record_batch import write_snapshots
from store_calls.support import Wiring, menu_plan, new_call, unwire, wire


@contextmanager
def transactions(db: Database) -> Iterator[dict[str, int]]:
    """Count transactions begun and statements sent while the block runs."""
    seen = {"begin": 0, "statements": 0}

    def on_begin(_conn: Any) -> None:
        seen["begin"] += 1

    def on_statement(*_args: Any) -> None:
        seen["statements"] += 1

    engines = db.writes.sync_engines  # where the call path's writes run
    for engine in engines:
        event.listen(engine, "begin", on_begin)
        event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "begin", on_begin)
            event.remove(engine, "before_cursor_execute", on_statement)


def transactions_and_statements(db: Database, seen: dict[str, int]) -> tuple[int, int]:
    """On PostgreSQL, a record job's one statement is its own transaction (autocommit)."""
    if db.is_sqlite:
        return seen["begin"], seen["statements"]
    assert seen["begin"] == 0
    return seen["statements"], seen["statements"]


async def stored(db: Database, ref: str) -> tuple[Call, list[str], list[str | None]]:
    async with db.read() as session:
        call = (await session.scalars(select(Call).where(Call.ref == ref))).one()
        statuses = await session.scalars(
            select(RoutingAttempt.dial_status)
            .where(RoutingAttempt.call_id == call.id)
            .order_by(RoutingAttempt.seq)
        )
        return call, [e["kind"] for e in call.events], list(statuses)


async def call_count(db: Database) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Call)) or 0


def routed(call: CallLog, status: str) -> CallLog:
    attempt = call.begin_attempt(call.started_at + 5, "PJSIP/t-all", "t-all", "buyer")
    attempt.dial_status, attempt.ended_at = status, call.started_at + 9
    call.event(call.started_at + 9, "dial.end", status=status)
    return call


async def test_many_checkpoints_are_written_in_few_transactions(
    db: Database, tmp_path: Path
) -> None:
    wiring = await wire(db, tmp_path / "spool", start_writer=False)
    calls = [new_call(n) for n in range(150)]
    for call in calls:
        await wiring.store.checkpoint(call)  # opened
        await wiring.store.checkpoint(routed(call, "BUSY"))  # routed: 300 snapshots in all
    with transactions(db) as seen:
        wiring.writer.start()
        assert await wiring.writer.flush(10)
    # one batch of 150 calls, written as write queue jobs of 8 calls (SQLite's single writer
    # must not be held long while claims wait): 19 transactions, not 150 or 300. PostgreSQL
    # stores a job of up to 64 calls in ONE statement (ivr_store_calls) in autocommit: no
    # BEGIN at all, and one statement more that waits for the WAL flush (FlushWal).
    assert transactions_and_statements(db, seen)[0] == (19 if db.is_sqlite else 4)
    assert db.is_sqlite or seen["statements"] == 4
    assert await call_count(db) == 150
    assert wiring.writer.written == 150
    row, kinds, statuses = await stored(db, calls[7].id)
    assert (row.version, kinds, statuses) == (2, ["call.start", "dial.end"], ["BUSY"])
    await unwire(wiring)


async def test_a_writer_behind_the_calls_catches_up_in_bigger_jobs(
    db: Database, tmp_path: Path
) -> None:
    wiring = await wire(db, tmp_path / "spool", start_writer=False, max_batch=40, calls_per_job=2)
    calls = [new_call(n) for n in range(150)]
    for call in calls:
        await wiring.store.checkpoint(call)
        await wiring.store.checkpoint(routed(call, "BUSY"))  # 300 entries: 8 batches of 40
    with transactions(db) as seen:
        wiring.writer.start()
        assert await wiring.writer.flush(10)
    # 7 batches of 40 entries (20 calls), then 20 entries (10 calls). While more than a batch
    # waits, jobs hold 4 x 2 calls: 3 jobs for each of the first 7; the last, with nothing
    # behind it, 5 jobs of 2 calls. At 2 calls a job throughout: 75. PostgreSQL adds one
    # FlushWal per batch.
    assert transactions_and_statements(db, seen)[0] == (26 if db.is_sqlite else 34)
    assert await call_count(db) == 150
    row, _, statuses = await stored(db, calls[149].id)
    assert (row.version, statuses) == (2, ["BUSY"])
    await unwire(wiring)


async def test_postgres_records_are_flushed_before_the_journal_forgets_them(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite commits records on the event loop's thread, its journal trims after")
    wiring = await wire(db, tmp_path / "spool", start_writer=False, calls_per_job=8)
    for n in range(20):
        await wiring.store.checkpoint(routed(new_call(n), "ANSWER"))
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    forget = wiring.journal.applied
    monkeypatch.setattr(wiring.journal, "applied", lambda batch: (seen.append("forget"),
                                                                  forget(batch)))  # fmt: skip
    for engine in db.writes.sync_engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        wiring.writer.start()
        assert await wiring.writer.flush(10)
    finally:
        for engine in db.writes.sync_engines:
            event.remove(engine, "before_cursor_execute", note)

    stores = [s for s in seen if "ivr_store_calls" in s]
    assert len(stores) == 3 and all("'synchronous_commit', 'off', true" in s for s in stores)
    assert seen[3:] == ["SELECT txid_current()", "forget"]  # the flush, then the journal trim
    assert wiring.journal.unapplied_count == 0 and await call_count(db) == 20
    await unwire(wiring)


async def test_a_batch_of_500_calls_is_one_transaction(db: Database, tmp_path: Path) -> None:
    wiring = await wire(db, tmp_path / "spool", start_writer=False, segment=1000, calls_per_job=500)
    for n in range(500):
        await wiring.store.checkpoint(routed(new_call(n), "ANSWER"))
    with transactions(db) as seen:
        wiring.writer.start()
        assert await wiring.writer.flush(20)
    print(f"500 snapshots: {seen['begin']} transaction(s), {seen['statements']} statements")
    begun, statements = transactions_and_statements(db, seen)
    assert begun == (1 if db.is_sqlite else 2)  # PostgreSQL: and the WAL flush (FlushWal)
    assert statements < 20  # multi-row statements, not one per call
    assert await call_count(db) == 500
    await unwire(wiring)


async def test_an_older_snapshot_replayed_after_a_newer_one_changes_nothing(
    db: Database, wiring: Wiring
) -> None:
    call = new_call(1)
    await wiring.store.checkpoint(call)
    old = dict(call.snapshot())  # version 2: not journalled yet, replayed below
    routed(call, "BUSY")
    routed(call, "ANSWER")
    call.disposition, call.status = Disposition.CONNECTED, "closed"
    await wiring.store.checkpoint(call)  # version 3
    assert await wiring.writer.flush(5)
    wiring.writer.submit(JournalEntry(-1, old))
    assert await wiring.writer.flush(5)
    row, kinds, statuses = await stored(db, call.id)
    assert (row.version, row.status, row.disposition) == (3, "closed", "connected")
    assert statuses == ["BUSY", "ANSWER"]
    assert kinds == ["call.start", "dial.end", "dial.end"]


async def test_each_snapshot_replaces_the_timeline(db: Database, wiring: Wiring) -> None:
    call = routed(routed(new_call(1), "BUSY"), "NOANSWER")
    await wiring.store.checkpoint(call)
    assert await wiring.writer.flush(5)
    call.events = call.events[:1]  # a snapshot is the whole story: rows follow it exactly
    call.attempts = call.attempts[1:]
    call.attempts[0].seq = 1
    await wiring.store.checkpoint(call)
    assert await wiring.writer.flush(5)
    _, kinds, statuses = await stored(db, call.id)
    assert (kinds, statuses) == (["call.start"], ["NOANSWER"])


async def test_the_stored_timeline_is_the_newest_snapshots_events(
    db: Database, wiring: Wiring
) -> None:
    """The row's events are the newest version's list, exactly; an older version, later in
    the journal or in the same batch, leaves them alone."""
    call = new_call(1)
    call.event(call.started_at + 1, "menu.step", node="welcome", result="played")
    await wiring.store.checkpoint(call)  # version 1
    assert await wiring.writer.flush(5)
    old = call.snapshot()  # version 2, written after version 3 below
    routed(call, "BUSY")
    call.events[1].detail = {"node": "welcome", "result": "hangup"}
    newest = call.snapshot()  # version 3
    wiring.writer.submit(JournalEntry(-1, newest))
    wiring.writer.submit(JournalEntry(-1, old))  # the same batch: the newest is kept
    assert await wiring.writer.flush(5)
    wiring.writer.submit(JournalEntry(-1, old))  # a later batch: refused by its version
    assert await wiring.writer.flush(5)

    row, _, _ = await stored(db, call.id)
    assert row.version == 3
    assert row.events == newest["events"] != old["events"]
    assert [e["kind"] for e in row.events] == ["call.start", "menu.step", "dial.end"]
    assert row.events[1] == {"at": round(call.started_at + 1, 3), "kind": "menu.step",
                             "detail": {"node": "welcome", "result": "hangup"}}  # fmt: skip


async def test_refused_snapshots_are_set_aside_and_the_rest_written(
    db: Database, wiring: Wiring, tmp_path: Path
) -> None:
    calls = [new_call(n) for n in range(20)]
    calls[5].campaign_id = "no-such-campaign"  # foreign key violation
    broken = calls[12]
    for call in calls:
        await wiring.store.checkpoint(call)
    broken_snapshot = broken.snapshot()
    del broken_snapshot["started_at"]  # a record no row can be built from
    wiring.writer.submit(JournalEntry(-1, broken_snapshot))
    assert await wiring.writer.flush(10)

    assert await call_count(db) == 19  # calls[12] has its valid version 1 stored
    assert wiring.writer.rejected == 2
    assert not wiring.store.degraded
    lines = (tmp_path / "spool" / "rejected.jsonl").read_text().splitlines()
    rejected = {json.loads(line)["snapshot"]["id"]: json.loads(line)["error"] for line in lines}
    assert set(rejected) == {calls[5].id, broken.id}
    assert "IntegrityError" in rejected[calls[5].id]
    assert "started_at" in rejected[broken.id]
    assert wiring.journal.unapplied_count == 0


async def test_applied_journal_segments_are_deleted(db: Database, tmp_path: Path) -> None:
    wiring = await wire(db, tmp_path / "spool", segment=10)
    for n in range(35):
        await wiring.store.checkpoint(new_call(n))
    assert await wiring.writer.flush(5)
    await wiring.journal.forgotten()  # applied segments are deleted in a thread of their own
    segments = sorted((tmp_path / "spool" / "journal").glob("journal-*.jsonl"))
    assert len(segments) == 1  # only the segment still being appended to
    assert wiring.journal.unapplied_count == 0
    await unwire(wiring)
    again = await wire(db, tmp_path / "spool", start_writer=False)
    assert again.writer.backlog == 5  # the open segment is replayed, harmlessly
    again.writer.start()
    assert await again.writer.flush(5)
    assert await call_count(db) == 35
    await unwire(again)


async def test_sqlite_writer_leaves_the_loop_to_calls_between_its_jobs(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a record job runs on the event loop's thread: after each one the writer lets
    as much time pass as the job took, so calls' steps are not held behind back-to-back jobs."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL's server does the work: nothing to leave to the calls")
    spans: list[tuple[float, float]] = []

    def slow_write(conn: Connection, latest: dict[str, dict[str, Any]], known: Any) -> None:
        started = time.perf_counter()
        time.sleep(0.02)  # a job holding the loop's thread for 20 ms
        write_snapshots(conn, latest, known)
        spans.append((started, time.perf_counter()))

    monkeypatch.setattr(call_writer, "write_snapshots", slow_write)
    wiring = await wire(db, tmp_path / "spool", start_writer=False, calls_per_job=1)
    for n in range(3):
        await wiring.store.checkpoint(new_call(n))
    wiring.writer.start()
    for _ in range(200):  # no flush(): a flush asks the writer to hurry
        if wiring.writer.written == 3:
            break
        await asyncio.sleep(0.01)
    assert wiring.writer.written == 3 and await call_count(db) == 3
    gaps = [later[0] - earlier[1] for earlier, later in itertools.pairwise(spans)]
    assert len(gaps) == 2 and all(gap >= 0.018 for gap in gaps), gaps
    await unwire(wiring)


async def test_a_menu_versions_row_id_is_read_once_per_writer(db: Database, tmp_path: Path) -> None:
    """A menu version's row never changes once applied: batch after batch, the writer reads
    its id once, and every record still refers to it."""
    await apply_plan(db, menu_plan())
    wiring = await wire(db, tmp_path / "spool")
    lookups: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM menu_versions" in statement:
            lookups.append(statement)

    for engine in db.writes.sync_engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        for n in range(3):  # three batches: each flushed before the next call
            call = new_call(n)
            call.menu_id, call.menu_version = "menu", 1
            await wiring.store.checkpoint(call)
            assert await wiring.writer.flush(5)
    finally:
        for engine in db.writes.sync_engines:
            event.remove(engine, "before_cursor_execute", note)
    async with db.read() as session:
        ids = (await session.scalars(select(Call.menu_version_id))).all()
    assert len(ids) == 3 and None not in ids and len(set(ids)) == 1
    # PostgreSQL finds it inside ivr_store_calls (a join), with no statement of its own
    assert len(lookups) == (1 if db.is_sqlite else 0)
    await unwire(wiring)
