"""A store that has run for months holds a counter per target and past hour, day and month.
The statements of every call (the loads routing reads, a claim, a release) must find the
current counters by their whole key, whatever the past ones, and the loads must be exactly
those."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, text

from ivr.plans.schema import Plan
from ivr.store import loads, raw_sql
from ivr.store.claims import limited_counters
from ivr.store.db import Database
from ivr.store.models import TargetUsage
from ivr.store.raw_sql import Sql
from store_calls.support import RACE_AT, plan_campaign

PAST_HOURS = 24 * 40  # forty days of hourly counters, and their days and months


def _past_counters(plan: Plan) -> list[dict[str, object]]:
    """Counters of every hour before RACE_AT for forty days (and their days and months), with
    counts no current period has, for every target: what months of calls leave behind."""
    campaign = plan_campaign(plan)
    rows: dict[tuple[str, str, str], int] = {}
    for target in plan.targets().values():
        for hours_ago in range(1, PAST_HOURS + 1):
            past = RACE_AT - timedelta(hours=hours_ago)
            for counter in limited_counters(target, campaign, past):
                if counter.kind != "live":
                    rows[(target.id, counter.kind, counter.key)] = 900 + hours_ago % 50
    current = {(t.id, c.kind, c.key) for t in plan.targets().values()
               for c in limited_counters(t, campaign, RACE_AT)}  # fmt: skip
    return [
        {"target_id": t, "period_kind": kind, "period_key": key, "count": count}
        for (t, kind, key), count in rows.items()
        if (t, kind, key) not in current  # this day and month are current: set below
    ]


async def test_the_loads_of_a_store_with_months_of_counters_are_the_current_periods(
    db: Database, plan: Plan
) -> None:
    campaign = plan_campaign(plan)
    targets = list(plan.targets().values())
    current = [
        {"target_id": t.id, "period_kind": c.kind, "period_key": c.key, "count": 3}
        for t in targets
        for c in limited_counters(t, campaign, RACE_AT)
        if c.kind != "live"
    ]
    async with db.engine.begin() as conn:
        await conn.execute(insert(TargetUsage), _past_counters(plan) + current)

    found = await db.read_sync(loads.query(targets, campaign, RACE_AT))

    t_all, t_hour, t_day = found["t-all"], found["t-hour"], found["t-day"]
    assert (t_all.hourly, t_all.daily, t_all.monthly) == (3, 3, 3)
    assert (t_hour.hourly, t_day.daily) == (3, 3)
    assert found["t-free"].hourly == found["t-free"].daily == 0  # no caps: no counters


async def test_the_loads_read_finds_each_counter_by_its_whole_key(db: Database, plan: Plan) -> None:
    """The plan the database chose: every lookup in ``target_usage`` names the target, the
    period kind and the key (the primary key), so past periods are never read through."""
    campaign = plan_campaign(plan)
    fetch = loads.query(list(plan.targets().values()), campaign, RACE_AT)
    if db.is_sqlite:
        explain = Sql("EXPLAIN QUERY PLAN " + fetch.sql.text, fetch.sql.kinds)
        plan_rows = await db.read_sync(lambda conn: raw_sql.fetch(conn, explain, fetch.params))
        steps = [str(row[-1]) for row in plan_rows if "target_usage" in str(row[-1])]
        whole_key = "(target_id=? AND period_kind=? AND period_key=?)"
    else:
        explain = Sql("EXPLAIN " + fetch.sql.text, fetch.sql.kinds)
        async with db.engine.begin() as conn:
            # the tables are tiny here: without this the planner would rather scan them
            await conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan_rows = await conn.run_sync(raw_sql.fetch, explain, fetch.params)
        lines = [str(row[0]) for row in plan_rows]
        steps = [line for line, scan in zip(lines[1:], lines, strict=False)
                 if "Index Cond" in line and "target_usage" in scan]  # fmt: skip
        whole_key = "period_kind"
    assert steps and all(whole_key in step for step in steps), steps
