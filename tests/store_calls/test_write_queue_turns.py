"""The write queue keeps the record writer's bulk jobs out of the claims' transactions: a claim
waits only for the batch under way, never for other calls' rows, and the two kinds take turns."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from ivr.store import write_queue
from ivr.store.db import Database


async def test_bulk_and_other_jobs_never_share_a_batch_and_take_turns(db: Database) -> None:
    queue = db.writes
    ran: list[tuple[str, object]] = []  # the transactions are kept: no id is reused

    def job(kind: str) -> Callable[[Connection], None]:
        def run(conn: Connection) -> None:
            ran.append((kind, _transaction_of(conn)))  # one batch, one transaction

        return run

    futures = [queue.submit(job("bulk"), bulk=True) for _ in range(3)]
    futures += [queue.submit(job("claim"), order=f"t{n}") for n in range(3)]
    futures += [queue.submit(job("bulk"), bulk=True) for _ in range(2)]
    await asyncio.gather(*futures)

    kinds_by_batch: dict[int, set[str]] = {}
    for kind, transaction in ran:
        kinds_by_batch.setdefault(id(transaction), set()).add(kind)
    assert all(len(kinds) == 1 for kinds in kinds_by_batch.values())
    if db.is_sqlite:  # one batch at a time (PostgreSQL overlaps them in lanes)
        assert ran[0][0] == "claim"  # queued after bulk work, yet not behind it
    assert sorted(kind for kind, _ in ran) == ["bulk"] * 5 + ["claim"] * 3


async def test_a_bulk_batch_is_one_job_however_many_are_queued(db: Database) -> None:
    """The record writer bounds each job (snapshots per job); the queue never merges several,
    so a claim never waits behind more than one job's rows."""
    queue = db.writes
    ran: list[object] = []

    def note(conn: Connection) -> None:
        ran.append(_transaction_of(conn))

    futures = [queue.submit(note, bulk=True) for _ in range(4)]
    futures += [queue.submit(note, order=f"t{n}") for n in range(3)]
    await asyncio.gather(*futures)
    assert len(ran) == 7
    assert len({id(t) for t in ran}) == 5  # four bulk batches, one batch of the others


def _transaction_of(conn: Connection) -> object:
    """A batch's own transaction (SQLite's inline connection serves batch after batch)."""
    transaction = conn.get_transaction()
    assert transaction is not None
    return transaction


def _sqlite_only(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip(
            "SQLite commits in the caller's turn; PostgreSQL only sends a statement "
            "from there (test_pg_routines.py)"
        )


def _insert_claim(call_ref: str) -> Callable[[Connection], int]:
    def run(conn: Connection) -> int:
        sql = "INSERT INTO target_claims (call_ref, target_id, claimed_at) VALUES (?, ?, ?)"
        conn.exec_driver_sql(sql, (call_ref, "t-live", "2026-11-24 19:00:00.000000"))
        return 1

    return run


def _claims_seen_by_another_connection(db: Database) -> int:
    database = make_url(db.url).database
    assert database is not None
    with contextlib.closing(sqlite3.connect(database)) as other:
        [(count,)] = other.execute("SELECT count(*) FROM target_claims").fetchall()
    return int(count)


async def test_sqlite_a_job_wanted_at_once_commits_in_the_callers_own_turn(db: Database) -> None:
    """A claim: no hand-off to the queue's task and back, the future is done and the row
    committed before ``submit`` returns (each hand-off was a loop turn inside the post-dial
    delay). A job nobody waits for still waits for group commit."""
    _sqlite_only(db)
    done = db.writes.submit(_insert_claim("call-1"), order="t-live", at_once=True)
    assert done.done() and done.result() == 1
    assert _claims_seen_by_another_connection(db) == 1
    later = db.writes.submit(_insert_claim("call-2"), order="t-live")
    assert not later.done()
    assert await later == 1


async def test_sqlite_a_claim_goes_ahead_of_writes_nobody_waits_for(db: Database) -> None:
    _sqlite_only(db)
    ran: list[str] = []
    records = db.writes.submit(lambda conn: ran.append("records"), bulk=True)
    release = db.writes.submit(lambda conn: ran.append("release"), order="t-live")
    claim = db.writes.submit(lambda conn: ran.append("claim"), order="t-live", at_once=True)
    assert claim.done() and not records.done() and not release.done()
    await asyncio.gather(records, release)
    assert ran[0] == "claim" and sorted(ran[1:]) == ["records", "release"]


async def test_sqlite_busy_database_sends_the_job_through_the_queue(db: Database) -> None:
    """Another process holds the write lock: the job waits in the queue (worker thread, busy
    timeout) instead of failing, and commits once the lock is free."""
    _sqlite_only(db)
    database = make_url(db.url).database
    assert database is not None
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        done = db.writes.submit(_insert_claim("call-3"), order="t-live", at_once=True)
        assert not done.done()
        await asyncio.sleep(0.05)
        other.execute("COMMIT")
    assert await asyncio.wait_for(done, 10) == 1
    assert _claims_seen_by_another_connection(db) == 1


async def test_sqlite_a_failing_job_still_fails_alone_through_the_queue(db: Database) -> None:
    _sqlite_only(db)

    def broken(conn: Connection) -> None:
        raise ValueError("a bug in a job")

    failing = db.writes.submit(broken, order="t-live", at_once=True)
    fine = db.writes.submit(_insert_claim("call-4"), order="t-live", at_once=True)
    with pytest.raises(ValueError, match="a bug in a job"):
        await failing
    assert await fine == 1


async def test_sqlite_claims_that_come_close_together_share_a_transaction(db: Database) -> None:
    """Under load a commit per claim cost more than the claims: the first commits at once,
    those that follow within ``INLINE_GAP_S`` wait for the queue's next batch, together."""
    _sqlite_only(db)
    seen: list[object] = []

    def claim(conn: Connection) -> None:
        seen.append(_transaction_of(conn))

    first = db.writes.submit(claim, order="t-live", at_once=True)
    close = [db.writes.submit(claim, order="t-live", at_once=True) for _ in range(3)]
    assert first.done() and not any(f.done() for f in close)
    await asyncio.gather(*close)
    assert len(seen) == 4 and seen[0] is not seen[1]
    assert seen[1] is seen[2] is seen[3]  # one transaction for the three
    await asyncio.sleep(write_queue.INLINE_GAP_S)
    assert db.writes.submit(claim, order="t-live", at_once=True).done()  # alone again: at once
