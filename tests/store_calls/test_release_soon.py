"""``release_soon``: the call hands its release to the store and goes on; the store sees it
through behind the call, through an outage too (kept, then given back once the database
answers), and ``settle`` waits for it."""

from __future__ import annotations

from pathlib import Path

from db_outage import Outage
from sqlalchemy import func, select

from ivr.plans.schema import Plan
from ivr.store.db import Database
from ivr.store.models import TargetClaim, TargetUsage
from store_calls.support import RACE_AT, new_call, plan_campaign, unwire, wire
from store_calls.test_outage import SQLITE_BUSY_MS


async def _held_and_live(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        held = await session.scalar(select(func.count()).select_from(TargetClaim))
        live = await session.scalar(
            select(func.coalesce(func.sum(TargetUsage.count), 0)).where(
                TargetUsage.period_kind == "live"
            )
        )
    return int(held or 0), int(live or 0)


async def test_the_release_lands_behind_the_call(db: Database, plan: Plan, tmp_path: Path) -> None:
    wiring = await wire(db, tmp_path / "spool")
    store = wiring.store
    campaign, target = plan_campaign(plan), plan.targets()["t-all"]
    call = new_call(0)
    assert await store.claim(call.id, target, campaign, RACE_AT)
    assert await _held_and_live(db) == (1, 1)
    store.release_soon(call.id, target.id, connected=False)
    assert db.writes.backlog == 1  # queued in the caller's turn, not waited for
    await store.settle()
    assert await _held_and_live(db) == (0, 0)
    await unwire(wiring)


async def test_a_release_that_meets_an_outage_is_kept_and_given_back_later(
    db: Database, plan: Plan, tmp_path: Path
) -> None:
    app = Database(db.url, busy_timeout_ms=SQLITE_BUSY_MS)
    await app.connect()
    wiring = await wire(app, tmp_path / "spool", retry_cap_s=0.3)
    store = wiring.store
    campaign, target = plan_campaign(plan), plan.targets()["t-all"]
    call = new_call(0)
    assert await store.claim(call.id, target, campaign, RACE_AT)
    outage = Outage(db.url)
    await outage.cut()
    try:
        store.release_soon(call.id, target.id, connected=False)
        await store.settle()
        assert store.pending_releases == 1 and store.degraded
    finally:
        await outage.restore()
    assert await store.retry_releases() == 0
    assert await _held_and_live(db) == (0, 0)
    await unwire(wiring)
    await app.close()
