"""Claims one by one: exact caps, all-or-nothing, releases that give back the slot they took
(even across a period boundary, even twice), and the clean-up after a crashed process.

Both databases store the same rows, except the live counters: SQLite keeps none (its claims are
decided in memory, ``ivr.store.ledger``, and the claim rows are the live count), so ``live``
reads whichever the database keeps. A SQLite release is stored behind the call: the tests
``settle`` the store before they read what it stored."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from ivr.plans.schema import Campaign, Plan, Target
from ivr.store import claims
from ivr.store.db import Database
from ivr.store.models import Call, TargetClaim, TargetUsage
from store_calls.core_reference import insert_ignore
from store_calls.support import RACE_AT, Wiring, new_call, plan_campaign, unwire, wire

AT = RACE_AT


async def counters(db: Database, target_id: str) -> dict[tuple[str, str], int]:
    async with db.read() as session:
        rows = await session.execute(
            select(TargetUsage.period_kind, TargetUsage.period_key, TargetUsage.count).where(
                TargetUsage.target_id == target_id
            )
        )
        return {(kind, key): count for kind, key, count in rows}


async def held(db: Database, target_id: str | None = None) -> list[str]:
    query = select(TargetClaim.call_ref).order_by(TargetClaim.call_ref)
    if target_id is not None:
        query = query.where(TargetClaim.target_id == target_id)
    async with db.read() as session:
        return list(await session.scalars(query))


async def live(db: Database, target_id: str) -> int:
    """The target's live slots taken, as the database keeps them."""
    if db.is_sqlite:
        return len(await held(db, target_id))
    return (await counters(db, target_id)).get(("live", ""), 0)


async def set_count(
    db: Database, wiring: Wiring, target: Target, campaign: Campaign, kind: str, n: int
) -> None:
    """Put one of the target's current counters at ``n`` (as earlier calls would have), then
    let the store read it (SQLite's ledger reads counters as the switch starts)."""
    counter = next(c for c in claims.limited_counters(target, campaign, AT) if c.kind == kind)
    row = {"target_id": target.id, "period_kind": kind, "period_key": counter.key, "count": n}
    await db.writes.run(lambda conn: insert_ignore(conn, claims.USAGE, row))
    async with db.write() as session:
        await session.execute(
            update(TargetUsage)
            .where(TargetUsage.target_id == target.id, TargetUsage.period_kind == kind)
            .values(count=n)
        )
    await wiring.store.start(AT)


def test_hour_keys_fit_the_column_and_keep_fall_back_hours_apart(plan: Plan) -> None:
    target, campaign = plan.targets()["t-hour"], plan_campaign(plan)
    first = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT
    second = first + timedelta(hours=1)  # 01:30 CST, the same wall-clock hour again
    keys = [claims.limited_counters(target, campaign, at)[0].key for at in (first, second)]
    assert keys == ["20261101T01-0500", "20261101T01-0600"]
    assert all(len(key) <= claims.PERIOD_KEY_LEN for key in keys)


async def test_the_last_slot_is_granted_and_then_nothing(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    target, campaign = plan.targets()["t-hour"], plan_campaign(plan)
    await set_count(db, wiring, target, campaign, "hour", 10)  # cap 11
    assert await wiring.store.claim("call-a", target, campaign, AT)
    assert not await wiring.store.claim("call-b", target, campaign, AT)
    assert list((await counters(db, "t-hour")).values()) == [11]
    assert await held(db) == ["call-a"]
    assert not wiring.store.degraded


async def test_a_full_counter_refuses_the_claim_and_takes_nothing_else(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    assert await wiring.store.claim("call-a", target, campaign, AT)
    before = await counters(db, "t-all")
    await set_count(db, wiring, target, campaign, "day", 12)  # live and hour come before day
    assert not await wiring.store.claim("call-b", target, campaign, AT)
    after = await counters(db, "t-all")
    assert {k: v for k, v in after.items() if k[0] != "day"} == {
        k: v for k, v in before.items() if k[0] != "day"
    }
    assert await live(db, "t-all") == 1
    assert await held(db) == ["call-a"]
    await wiring.store.release("call-b", "t-all", connected=False)  # refused: nothing to give
    await wiring.store.settle()
    assert await counters(db, "t-all") == after


async def test_release_gives_back_the_period_it_claimed_not_the_current_one(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    before_the_hour = datetime(2026, 3, 10, 19, 59, 59, tzinfo=UTC)  # 14:59:59 CDT
    assert await wiring.store.claim("kept", target, campaign, before_the_hour)
    assert await wiring.store.claim("dropped", target, campaign, before_the_hour)
    next_hour = before_the_hour + timedelta(seconds=2)
    assert await wiring.store.claim("later", target, campaign, next_hour)
    # Both calls end after 15:00: their slots belong to the 14h counter all the same.
    await wiring.store.release("kept", "t-all", connected=True)
    await wiring.store.release("dropped", "t-all", connected=False)
    await wiring.store.settle()
    assert {k: v for k, v in (await counters(db, "t-all")).items() if k[0] != "live"} == {
        ("hour", "20260310T14-0500"): 1,
        ("hour", "20260310T15-0500"): 1,
        ("day", "2026-03-10"): 2,
        ("month", "2026-03"): 2,
    }
    assert await live(db, "t-all") == 1  # "later" is still up


async def test_releasing_twice_or_from_another_process_changes_nothing(
    db: Database, plan: Plan, wiring: Wiring, tmp_path: object
) -> None:
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    assert await wiring.store.claim("call-a", target, campaign, AT)
    assert await wiring.store.claim("call-b", target, campaign, AT)
    await wiring.store.release("call-a", "t-all", connected=False)
    await wiring.store.settle()
    once = await counters(db, "t-all")
    await wiring.store.release("call-a", "t-all", connected=False)
    await wiring.store.release("call-a", "t-all", connected=True)
    if not db.is_sqlite:  # SQLite has one process: the ledger, in it, decides alone
        async with db.write_engine.begin() as conn:  # another process ending it again
            ended = await conn.run_sync(
                claims.give_back, "call-a", "t-all",
                claims.limited_counters(target, campaign, AT), connected=False,
            )  # fmt: skip
        assert not ended
    await wiring.store.settle()
    assert await counters(db, "t-all") == once
    assert set(once.values()) == {1}  # call-b's slots, untouched
    assert await held(db) == ["call-b"]


async def test_a_crashed_process_leaves_claims_that_closing_and_sweeping_end(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    calls = [new_call(n) for n in range(3)]
    for n, call in enumerate(calls):
        await wiring.store.checkpoint(call)
        assert await wiring.store.claim(call.id, target, campaign, AT - timedelta(hours=n * 3))
    assert await wiring.writer.flush(5)
    # The process dies here: no release ever comes. Its claims are rows, so they survive it.
    assert await live(db, "t-all") == 3

    # The dialplan's hangup handler reports the first call: its record closes, its claim ends.
    assert await wiring.store.close_orphan(calls[0].uniqueid, "16", AT.timestamp() + 60)
    async with db.read() as session:
        status = await session.scalar(select(Call.status).where(Call.ref == calls[0].id))
    assert status == "closed"
    await wiring.store.settle()
    assert sorted(await held(db)) == sorted(c.id for c in calls[1:])
    assert await live(db, "t-all") == 2

    # The others are never reported: the sweep ends claims older than any call can be.
    assert await wiring.store.release_stale_claims(AT, timedelta(hours=4)) == 1
    await wiring.store.settle()
    assert await held(db) == [calls[1].id]
    after = await counters(db, "t-all")
    assert await live(db, "t-all") == 1
    assert sum(v for (kind, _), v in after.items() if kind == "day") == 3  # slots kept


async def test_recount_live_repairs_counters_from_the_claims_held(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite keeps no live counters: its claim rows are the live count")
    campaign = plan_campaign(plan)
    for n, target_id in enumerate(["t-live", "t-live", "t-all"]):
        assert await wiring.store.claim(f"c{n}", plan.targets()[target_id], campaign, AT)
    async with db.write() as session:  # counters out of step, as a hand edit could leave them
        await session.execute(update(TargetUsage).values(count=TargetUsage.count + 5))
    async with db.write_engine.begin() as conn:
        await conn.run_sync(claims.recount_live)
    assert (await counters(db, "t-live"))[("live", "")] == 2
    assert (await counters(db, "t-all"))[("live", "")] == 1


async def test_loads_read_back_what_claims_took(db: Database, plan: Plan, wiring: Wiring) -> None:
    campaign = plan_campaign(plan)
    targets = [plan.targets()[t] for t in ("t-all", "t-free")]
    for n in range(3):
        assert await wiring.store.claim(f"c{n}", targets[0], campaign, AT)
    assert await wiring.store.claim("f0", targets[1], campaign, AT)
    await wiring.store.release("c0", "t-all", connected=True)
    await wiring.store.settle()  # stored behind the call
    loads = await wiring.store.target_loads(campaign, targets, AT)
    assert (loads["t-all"].active, loads["t-all"].hourly, loads["t-all"].daily) == (2, 3, 3)
    assert loads["t-all"].monthly == 3
    assert (loads["t-free"].active, loads["t-free"].hourly) == (1, 0)
    later = await wiring.store.target_loads(campaign, targets, AT + timedelta(hours=1))
    assert (later["t-all"].hourly, later["t-all"].daily) == (0, 3)


async def test_loads_that_did_not_change_are_shared_not_built_again(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """Every call holds its loads from its start to its routing: a load that did not change
    since the last read is the same object (bench/README.md, round 12: the garbage collector
    went through 10,000 of them at 200 calls), and on PostgreSQL so is the whole mapping."""
    campaign = plan_campaign(plan)
    targets = [plan.targets()[t] for t in ("t-all", "t-free")]
    assert await wiring.store.claim("c0", targets[0], campaign, AT)
    await wiring.store.settle()
    first = await wiring.store.target_loads(campaign, targets, AT)
    before = dict(first)  # SQLite's ledger answers with a live view of its counts
    again = await wiring.store.target_loads(campaign, targets, AT)
    assert dict(again) == before and again["t-all"] is before["t-all"]
    if not db.is_sqlite:
        assert again is first
    assert await wiring.store.claim("f0", targets[1], campaign, AT)
    await wiring.store.settle()
    changed = await wiring.store.target_loads(campaign, targets, AT)
    assert changed["t-free"].active == before["t-free"].active + 1
    assert changed["t-all"] is before["t-all"]  # unchanged: still the one object


async def test_a_claim_the_database_refuses_is_refused_not_granted_degraded(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite decides claims in memory (test_ledger.py: rows of a removed target)")
    ghost = plan.targets()["t-all"].model_copy(update={"id": "t-not-applied"})
    assert not await wiring.store.claim("call-a", ghost, plan_campaign(plan), AT)
    assert not wiring.store.degraded
    assert wiring.store.degraded_claims == 0
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(TargetClaim)) == 0


async def test_slow_claims_are_refused_not_granted_past_the_cap(
    db: Database, plan: Plan, tmp_path: Path
) -> None:
    """A claim that runs out of time while the database still answers is load, not an outage:
    it must never be granted without its counters, and what it takes once it lands must be
    given back. 60 claims at once on a target of concurrency 7, with a time limit far shorter
    than any transaction, so every claim runs out of time."""
    wiring = await wire(db, tmp_path / "spool", claim_timeout_s=0.0001)
    store, target, campaign = wiring.store, plan.targets()["t-live"], plan_campaign(plan)
    try:
        outcomes = await asyncio.gather(
            *(store.claim(f"slow-{n}", target, campaign, AT) for n in range(60))
        )
        granted = [f"slow-{n}" for n, ok in enumerate(outcomes) if ok]
        assert len(granted) <= 7, "a cap overshot under load"
        assert store.degraded_claims == 0 and not store.degraded
        await store.settle()  # the refused claims that committed late are given back
        assert await held(db, "t-live") == sorted(granted)
        assert await live(db, "t-live") == len(granted)
        for call_id in granted:
            await store.release(call_id, "t-live", connected=False)
        await store.settle()
        assert await held(db) == []
        assert await live(db, "t-live") == 0
        assert store.pending_releases == 0 and store.degraded_claims == 0
    finally:
        await unwire(wiring)


async def test_counters_of_periods_long_over_are_deleted_in_jobs_and_the_rest_kept(
    db: Database, plan: Plan, wiring: Wiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing reads a past period's counter again; kept, they grew the table by a counter per
    target and hour. The sweep deletes those of periods over everywhere, a few per job."""
    monkeypatch.setattr(claims, "PAST_COUNTERS_PER_JOB", 7)
    campaign = plan_campaign(plan)
    made: set[tuple[str, str, str]] = set()
    for hours_ago in range(24 * 70):  # ten weeks of hours, their days and months
        for target in plan.targets().values():
            for c in claims.limited_counters(target, campaign, AT - timedelta(hours=hours_ago)):
                made.add((target.id, c.kind, c.key))
    async with db.engine.begin() as conn:
        await conn.execute(insert(TargetUsage), [
            {"target_id": t, "period_kind": kind, "period_key": key, "count": 1}
            for t, kind, key in made
        ])  # fmt: skip

    deleted = await wiring.store.delete_past_counters(AT)

    async with db.read() as session:
        rows = await session.execute(
            select(TargetUsage.target_id, TargetUsage.period_kind, TargetUsage.period_key)
        )
        left = {tuple(row) for row in rows}
    cutoffs = {"hour": "20260308", "day": "2026-03-08", "month": "2026-02"}  # AT: 2026-03-10
    assert claims.past_period_cutoffs(AT) == cutoffs
    kept = {(t, kind, key) for t, kind, key in made if kind == "live" or key >= cutoffs[kind]}
    assert left == kept and deleted == len(made) - len(kept) > 7 * 3
    assert ("t-all", "hour", "20260310T14-0500") in left  # the current hour, Chicago
    assert ("t-all", "month", "2026-02") in left and ("t-all", "month", "2026-01") not in left


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "America/Chicago"])
def test_no_current_period_is_past_its_cutoff_in_any_zone(zone: str, plan: Plan) -> None:
    """Local dates run from UTC-12 to UTC+14: whatever the zone and the hour, the counters a
    claim takes now are above the cutoffs, and the hours and days of four days ago below."""
    campaign = plan_campaign(plan).model_copy(update={"timezone": zone})
    target = plan.targets()["t-all"]
    for hours in range(0, 24 * 62, 5):
        now = AT + timedelta(hours=hours)
        cutoffs = claims.past_period_cutoffs(now)
        for c in claims.limited_counters(target, campaign, now):
            assert c.kind == "live" or c.key >= cutoffs[c.kind], (now, c)
        for c in claims.limited_counters(target, campaign, now - timedelta(days=4)):
            assert c.kind in ("live", "month") or c.key < cutoffs[c.kind], (now, c)
