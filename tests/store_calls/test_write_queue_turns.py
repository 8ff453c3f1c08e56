"""The write queue keeps the record writer's bulk jobs out of the claims' transactions: a claim
waits only for the batch under way, never for other calls' rows, and the two kinds take turns."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import Connection

from ivr.store.db import Database


async def test_bulk_and_other_jobs_never_share_a_batch_and_take_turns(db: Database) -> None:
    queue = db.writes
    ran: list[tuple[str, Connection]] = []  # the connections are kept: no id is reused

    def job(kind: str) -> Callable[[Connection], None]:
        def run(conn: Connection) -> None:
            ran.append((kind, conn))  # one batch, one transaction, one Connection

        return run

    futures = [queue.submit(job("bulk"), bulk=True) for _ in range(3)]
    futures += [queue.submit(job("claim"), order=f"t{n}") for n in range(3)]
    futures += [queue.submit(job("bulk"), bulk=True) for _ in range(2)]
    await asyncio.gather(*futures)

    kinds_by_batch: dict[int, set[str]] = {}
    for kind, conn in ran:
        kinds_by_batch.setdefault(id(conn), set()).add(kind)
    assert all(len(kinds) == 1 for kinds in kinds_by_batch.values())
    if db.is_sqlite:  # one batch at a time (PostgreSQL overlaps them in lanes)
        assert ran[0][0] == "claim"  # queued after bulk work, yet not behind it
    assert sorted(kind for kind, _ in ran) == ["bulk"] * 5 + ["claim"] * 3


async def test_a_bulk_batch_is_one_job_however_many_are_queued(db: Database) -> None:
    """The record writer bounds each job (snapshots per job); the queue never merges several,
    so a claim never waits behind more than one job's rows."""
    queue = db.writes
    ran: list[Connection] = []
    futures = [queue.submit(ran.append, bulk=True) for _ in range(4)]
    futures += [queue.submit(ran.append, order=f"t{n}") for n in range(3)]
    await asyncio.gather(*futures)
    assert len(ran) == 7
    assert len({id(conn) for conn in ran}) == 5  # four bulk batches, one batch of the others
