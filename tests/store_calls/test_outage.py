"""The database goes away mid-call, for real: calls are still routed, records wait in the
journal, and once it is back every record lands exactly once, in its newest version.

PostgreSQL: the test's own database stops accepting connections and its backends are
terminated. SQLite: another connection holds the write lock (BEGIN IMMEDIATE) past the busy
timeout; readers still read there (WAL), so only writes fail.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from db_outage import Outage
from sqlalchemy import func, select

from ivr.calls.record import Disposition
from ivr.plans.schema import Plan
from ivr.screening.rules import CallerHistory
from ivr.store.call_store import SqlCallStore
from ivr.store.db import Database
from ivr.store.held_connections import HeldConnections
from ivr.store.models import Call, TargetClaim, TargetUsage
from store_calls.support import RACE_AT, new_call, plan_campaign, unwire, wire

PG_ADMIN_DSN = os.environ.get("IVR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SQLITE_BUSY_MS = 100  # production waits 10 s; the test need not


@pytest.fixture
async def app_db(db: Database) -> AsyncIterator[Database]:
    """The app's own handle on the database (the ``db`` fixture stays the test's)."""
    app = Database(db.url, busy_timeout_ms=SQLITE_BUSY_MS)
    await app.connect()
    yield app
    await app.close()


async def test_calls_go_on_while_the_database_is_away_and_land_once_it_is_back(
    db: Database, app_db: Database, plan: Plan, tmp_path: Path
) -> None:
    wiring = await wire(app_db, tmp_path / "spool", retry_cap_s=0.3)
    store, writer = wiring.store, wiring.writer
    campaign, target = plan_campaign(plan), plan.targets()["t-all"]
    before = new_call(0)
    await store.checkpoint(before)
    assert await store.claim(before.id, target, campaign, RACE_AT)  # a real claim, then...
    outage = Outage(db.url)
    await outage.cut()
    try:
        calls = [new_call(n) for n in range(1, 6)]
        for call in calls:
            await asyncio.wait_for(store.checkpoint(call), 5)  # the journal, not the database
            history = await store.caller_history(call.caller or "", campaign, RACE_AT)
            loads = await store.target_loads(campaign, [target], RACE_AT)
            if not outage.is_sqlite:  # SQLite readers still read under a writer's lock
                assert history == CallerHistory()
                assert loads == {}
            assert await store.claim(call.id, target, campaign, RACE_AT)  # routed anyway
            call.disposition, call.status = Disposition.CONNECTED, "closed"
            await store.release(call.id, target.id, connected=True)
            await asyncio.wait_for(store.checkpoint(call), 5)
        before.status = "closed"
        await store.release(before.id, target.id, connected=False)  # fails: kept for later
        await store.checkpoint(before)
        if outage.is_sqlite:  # decided in memory (ivr.store.ledger): caps hold, stored later
            assert store.outages >= 1  # the claims' flush saw the outage
            assert store.degraded_claims == 0 and store.pending_releases == 0
        else:
            assert store.degraded and store.degraded_claims == 5
            # Every release waits for the database: a claim's fate is unknown when it could
            # not answer, and giving back a claim never taken is a no-op.
            assert store.pending_releases == 6
        assert not await writer.flush(1.0)  # the writer is retrying, not dropping
        assert writer.backlog > 0 and writer.failures >= 2 and writer.database_away
    finally:
        await outage.restore()

    assert await writer.flush(15)
    assert not writer.database_away and writer.backlog == 0
    await store.caller_history("+13125550100", campaign, RACE_AT)  # the next call's read
    assert await store.retry_releases() == 0
    assert not store.degraded
    async with db.read() as session:
        rows = (await session.execute(select(Call.ref, Call.version, Call.status))).all()
        held = await session.scalar(select(func.count()).select_from(TargetClaim))
        live = await session.scalar(
            select(TargetUsage.count).where(TargetUsage.period_kind == "live")
        )
    assert sorted(rows) == sorted((c.id, 2, "closed") for c in [before, *calls])
    # the releases kept during the outage were given back (SQLite keeps no live counter)
    assert (held, live) == (0, None if outage.is_sqlite else 0)
    assert wiring.journal.unapplied_count == 0
    await unwire(wiring)


async def test_a_read_that_hangs_is_given_up_after_the_time_limit(
    db: Database, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that accepts the read and never answers: the call goes on with no history
    once the limit has passed, the read is cancelled, and the episode counts as an outage."""
    wiring = await wire(db, tmp_path / "spool")
    store = SqlCallStore(db, wiring.journal, wiring.writer, db_timeout_s=0.2)
    cancelled = asyncio.Event()

    async def hang(_query: object) -> object:
        try:
            await asyncio.sleep(60)
        finally:
            cancelled.set()

    monkeypatch.setattr(db, "read_sync", hang)  # SQLite's reads
    monkeypatch.setattr(HeldConnections, "fetch", lambda _self, query: hang(query))  # PostgreSQL's
    started = asyncio.get_running_loop().time()
    history = await asyncio.wait_for(
        store.caller_history("+13125550100", plan_campaign(plan), RACE_AT), 5
    )
    waited = asyncio.get_running_loop().time() - started

    assert history == CallerHistory()
    assert 0.2 <= waited < 2 and cancelled.is_set()
    assert (store.degraded, store.outages) == (True, 1)
    await unwire(wiring)
