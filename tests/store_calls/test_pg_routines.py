"""PostgreSQL claims and releases through ``ivr_batch``: every claim and release of a write
batch in ONE statement, in autocommit, the routines installed by every upgrade, and the same
answers and rows as ``ivr_claim`` / ``ivr_release`` change by change. (Their semantics are the
claim tests', which run on both databases; SQLite decides claims in memory.)"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, text

from ivr.plans.schema import Plan, Target
from ivr.store import claims, migrate, write_queue
from ivr.store.db import Database
from store_calls.support import RACE_AT, Wiring, plan_campaign

LANES = 4  # the write queue's PostgreSQL lanes (WriteQueue's default)


def _postgres_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("the routines are PostgreSQL's; SQLite decides claims in memory")


@contextlib.contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, object]]]:
    """Every statement the write queue's engine sends: (its first words, isolation level)."""
    seen: list[tuple[str, object]] = []

    def note(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append((statement.split("(")[0], conn.get_execution_options().get("isolation_level")))

    for engine in db.writes.sync_engines:
        event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        for engine in db.writes.sync_engines:
            event.remove(engine, "before_cursor_execute", note)


async def test_a_claim_and_a_release_are_one_statement_each(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    _postgres_only(db)
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    with _statements(db) as statements:
        assert await wiring.store.claim("call-a", target, campaign, RACE_AT)
        await wiring.store.release("call-a", target.id, connected=False)
        await wiring.store.settle()  # a release is stored behind the call
    assert statements == [("SELECT ivr_batch", "AUTOCOMMIT")] * 2


async def test_a_batch_of_claims_and_releases_is_one_autocommit_statement(
    db: Database, plan: Plan, wiring: Wiring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten calls claim a target of concurrency 7 at once: the first claim goes alone, at once
    (``test_a_claim_alone_is_sent_...``), and one statement grants six more and refuses three;
    their releases are one statement too, and every slot comes back."""
    _postgres_only(db)
    monkeypatch.setattr(write_queue, "INLINE_GAP_S", 60.0)  # the nine stay close however slow
    target, campaign = plan.targets()["t-live"], plan_campaign(plan)
    calls = [f"call-{n}" for n in range(10)]
    with _statements(db) as statements:
        granted = await asyncio.gather(
            *(wiring.store.claim(call, target, campaign, RACE_AT) for call in calls)
        )
        await asyncio.gather(
            *(wiring.store.release(call, target.id, connected=True) for call in calls)
        )
        await wiring.store.settle()
    assert sum(granted) == 7
    assert statements == [("SELECT ivr_batch", "AUTOCOMMIT")] * 3
    load = (await wiring.store.target_loads(campaign, [target], RACE_AT))[target.id]
    assert load.active == 0


async def test_a_batch_with_a_bad_change_runs_again_change_by_change(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """A claim the database refuses (its target is gone) fails the whole statement; each
    change then runs alone, so only that claim is refused and the others are granted."""
    _postgres_only(db)
    campaign = plan_campaign(plan)
    live = plan.targets()["t-live"]
    ghost = live.model_copy(update={"id": "t-ghost"})
    with _statements(db) as statements:
        granted = await asyncio.gather(
            wiring.store.claim("call-a", live, campaign, RACE_AT),
            wiring.store.claim("call-b", ghost, campaign, RACE_AT),
            wiring.store.claim("call-c", live, campaign, RACE_AT),
        )
    assert granted == [True, False, True]
    assert statements == [("SELECT ivr_batch", "AUTOCOMMIT")] * 4  # the batch, then each alone
    load = (await wiring.store.target_loads(campaign, [live], RACE_AT))[live.id]
    assert load.active == 2


async def test_upgrading_again_replaces_the_routines_harmlessly(
    db: Database, database_url: str
) -> None:
    _postgres_only(db)
    await migrate.upgrade(database_url)
    async with db.engine.connect() as conn:
        names = await conn.scalars(
            text("SELECT proname FROM pg_proc WHERE proname LIKE 'ivr\\_%' ORDER BY proname")
        )
        assert list(names) == [
            "ivr_batch", "ivr_claim", "ivr_epoch", "ivr_release", "ivr_store_calls",
        ]  # fmt: skip


async def test_a_claim_never_waits_for_a_lane_behind_record_batches(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """Every lane held by a slow transaction of several statements (record batches are): the
    claim, one statement that takes and drops its target locks itself, answers at once."""
    _postgres_only(db)
    target, campaign = plan.targets()["t-live"], plan_campaign(plan)

    def slow_record_batch(conn: Connection) -> None:
        conn.exec_driver_sql("SELECT pg_sleep(1.0)")

    held = [db.writes.submit(slow_record_batch, bulk=True) for _ in range(LANES)]
    await asyncio.sleep(0.1)  # every lane is taken now
    assert await asyncio.wait_for(wiring.store.claim("call-a", target, campaign, RACE_AT), 0.5)
    assert not any(batch.done() for batch in held)
    await asyncio.gather(*held)


async def test_claims_commit_without_waiting_for_the_flush_and_records_wait_for_it(
    db: Database,
) -> None:
    """ivr_batch turns synchronous commit off for its own transaction only (migration 0005):
    records stay durable before the journal forgets them."""
    _postgres_only(db)
    setting = text("SELECT current_setting('synchronous_commit')")
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT ivr_batch('[]'::jsonb)"))
        in_claims = await conn.scalar(setting)
        await conn.rollback()
        after_claims = await conn.scalar(setting)
        await conn.execute(text("SELECT ivr_store_calls('[]'::json)"))
        in_records = await conn.scalar(setting)
        await conn.rollback()
    assert (in_claims, after_claims, in_records) == ("off", "on", "on")


async def test_a_release_is_stored_behind_the_call(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """Nothing a call does after its Dial depends on its release: it returns at once, and the
    release lands in the next batch."""
    _postgres_only(db)
    target, campaign = plan.targets()["t-live"], plan_campaign(plan)
    assert await wiring.store.claim("call-a", target, campaign, RACE_AT)
    await wiring.store.release("call-a", target.id, connected=False)
    assert wiring.store.pending_releases == 1  # under way
    await wiring.store.settle()
    assert wiring.store.pending_releases == 0
    load = (await wiring.store.target_loads(campaign, [target], RACE_AT))[target.id]
    assert load.active == 0


async def test_a_claim_alone_is_sent_from_its_callers_turn_and_close_ones_share_one(
    db: Database, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim alone goes out before ``submit`` returns, not from the queue's task a loop turn
    later (each turn under load is post-dial delay); claims within ``INLINE_GAP_S`` of it wait
    for the queue's next statement, together."""
    _postgres_only(db)
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    counters = tuple(claims.limited_counters(target, campaign, RACE_AT))

    def claim(ref: str) -> claims.Take:
        return claims.Take(ref, target.id, counters, RACE_AT)

    # The first claim of a new queue is alone; a gap this wide keeps the next two close to it
    # however slowly this test runs.
    monkeypatch.setattr(write_queue, "INLINE_GAP_S", 60.0)
    with _statements(db) as statements:
        alone = db.writes.submit(claim("call-a"), order=target.id, at_once=True)
        assert db.writes.backlog == 0  # on its way already
        close = [db.writes.submit(claim(f"call-{n}"), order=target.id, at_once=True)
                 for n in "bc"]  # fmt: skip
        assert db.writes.backlog == 2
        assert await asyncio.gather(alone, *close) == [None] * 3  # granted: nothing full
    assert statements == [("SELECT ivr_batch", "AUTOCOMMIT")] * 2


async def test_a_release_rides_along_with_the_next_claims_statement(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """A release waits for the next claim and shares its statement: with calls paced a few
    ms apart, each release used to be a statement of its own."""
    _postgres_only(db)
    target, campaign = plan.targets()["t-live"], plan_campaign(plan)
    assert await wiring.store.claim("call-a", target, campaign, RACE_AT)
    with _statements(db) as statements:
        await wiring.store.release("call-a", target.id, connected=False)
        await asyncio.sleep(0)  # a turn for the queue: the release alone does not wake it
        assert await wiring.store.claim("call-b", target, campaign, RACE_AT)
        assert wiring.store.pending_releases == 0  # the claim's statement carried it
    assert statements == [("SELECT ivr_batch", "AUTOCOMMIT")]
    load = (await wiring.store.target_loads(campaign, [target], RACE_AT))[target.id]
    assert load.active == 1


async def test_a_release_with_no_claim_to_ride_along_goes_alone_soon_after(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    _postgres_only(db)
    target, campaign = plan.targets()["t-live"], plan_campaign(plan)
    assert await wiring.store.claim("call-a", target, campaign, RACE_AT)
    with _statements(db) as statements:
        await wiring.store.release("call-a", target.id, connected=False)
        for _ in range(5):  # turns enough for the queue to send it, were it not waiting
            await asyncio.sleep(0)
        sent_at_once = list(statements)
        for _ in range(200):  # no settle(): the queue's own timer (LATER_S) sends it
            if wiring.store.pending_releases == 0:
                break
            await asyncio.sleep(0.01)
    assert sent_at_once == [] and wiring.store.pending_releases == 0
    assert statements == [("SELECT ivr_batch", "AUTOCOMMIT")]
    load = (await wiring.store.target_loads(campaign, [target], RACE_AT))[target.id]
    assert load.active == 0


async def test_a_batch_answers_and_stores_what_the_changes_one_by_one_do(
    db: Database, plan: Plan
) -> None:
    """A random script of claims and releases (periods of two hours, connected or not, released
    twice or never claimed), in batches of random sizes sorted by target as the write queue
    sorts them: ivr_batch gives the answers and leaves the rows that ivr_claim / ivr_release
    give change by change in the same order."""
    _postgres_only(db)
    rng = random.Random(20261204)
    batches = _random_batches(rng, plan)
    one_by_one = [[await _one_change(db, change) for change in batch] for batch in batches]
    alone_rows = await _claim_rows(db, reset=True)
    together = []
    for batch in batches:
        async with db.engine.connect() as conn:
            answer = await conn.scalar(text("SELECT ivr_batch(CAST(:c AS jsonb))"),
                                       {"c": json.dumps(batch)})  # fmt: skip
            await conn.commit()
        together.append(list(answer))
    assert together == one_by_one
    assert await _claim_rows(db, reset=False) == alone_rows
    assert any(a not in (0, 1) for batch in one_by_one for a in batch), "no claim was refused"


def _random_batches(rng: random.Random, plan: Plan) -> list[list[dict[str, Any]]]:
    campaign, targets = plan_campaign(plan), list(plan.targets().values())
    held: list[tuple[str, Target, datetime]] = []
    changes: list[dict[str, Any]] = []
    for n in range(400):
        if held and rng.random() < 0.45:
            ref, target, at = held.pop(rng.randrange(len(held)))
            if rng.random() < 0.1:
                held.append((ref, target, at))  # released again later
            connected = rng.random() < 0.5
            counters = [c for c in claims.limited_counters(target, campaign, at)
                        if not connected or c.kind == "live"]  # fmt: skip
            changes.append({"op": "release", "ref": ref, "target": target.id,
                            "kinds": [c.kind for c in counters],
                            "keys": [c.key for c in counters]})  # fmt: skip
            continue
        target, at = rng.choice(targets), RACE_AT + timedelta(minutes=rng.choice([0, 45]))
        counters = claims.limited_counters(target, campaign, at)
        changes.append({"op": "claim", "ref": f"c{n}", "target": target.id,
                        "kinds": [c.kind for c in counters], "keys": [c.key for c in counters],
                        "caps": [c.cap for c in counters], "at": at.isoformat()})  # fmt: skip
        held.append((f"c{n}", target, at))
    batches, start = [], 0
    while start < len(changes):
        size = rng.randint(1, 12)
        batches.append(sorted(changes[start : start + size], key=lambda c: c["target"]))
        start += size
    return batches


async def _one_change(db: Database, change: dict[str, Any]) -> int:
    async with db.engine.connect() as conn:
        if change["op"] == "claim":
            answer = await conn.scalar(
                text("SELECT ivr_claim(:r, :t, :k, :p, :c, :a)"),
                {"r": change["ref"], "t": change["target"], "k": change["kinds"],
                 "p": change["keys"], "c": change["caps"],
                 "a": datetime.fromisoformat(change["at"])},
            )  # fmt: skip
        else:
            ended = await conn.scalar(
                text("SELECT ivr_release(:r, :t, :k, :p)"),
                {"r": change["ref"], "t": change["target"], "k": change["kinds"],
                 "p": change["keys"]},
            )  # fmt: skip
            answer = 1 if ended else 0
        await conn.commit()
    return int(answer)


async def _claim_rows(db: Database, *, reset: bool) -> tuple[list[Any], list[Any]]:
    async with db.engine.connect() as conn:
        usage = (await conn.execute(text(
            "SELECT target_id, period_kind, period_key, count FROM target_usage ORDER BY 1, 2, 3"
        ))).all()  # fmt: skip
        held = (await conn.execute(text(
            "SELECT call_ref, target_id, claimed_at FROM target_claims ORDER BY 1, 2"
        ))).all()  # fmt: skip
        if reset:
            await conn.execute(text("DELETE FROM target_usage"))
            await conn.execute(text("DELETE FROM target_claims"))
        await conn.commit()
    return [tuple(r) for r in usage], [tuple(r) for r in held]
