"""An aged store for the whole-call benchmark: the counters months of calls leave behind.

A switch keeps a counter per capped target and hour, day and month it took calls in (8,760
hour counters a year per target). ``--aged-days N`` fills the bench database with N days of
them for every target of the plan, then runs the claims janitor's sweep once, as the switch
does every minute: it deletes those of periods long over. The runs then measure the store as
the janitor keeps it, and the server reports how long that first sweep took (bench/README.md,
round 10). Before the sweep, and before the call path's statements found each counter by its
whole key, a loads read that went through a year of them cost 44 ms a call.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from ivr.plans.schema import Plan
from ivr.store.call_store import SqlCallStore
from ivr.store.claims import limited_counters
from ivr.store.db import Database
from ivr.store.models import TargetUsage

CHUNK = 5_000


def past_counters(plan: Plan, days: int, now: datetime) -> list[dict[str, object]]:
    """Every capped target's hour, day and month counters over the ``days`` before the current
    day (UTC), at counts far below the bench's caps."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    campaigns = {link.target: campaign for campaign in plan.campaigns for link in campaign.targets}
    rows: dict[tuple[str, str, str], int] = {}
    for target in plan.targets().values():
        campaign = campaigns.get(target.id)
        if campaign is None:
            continue
        for hours_ago in range(24, 24 * (days + 1)):
            past = today - timedelta(hours=hours_ago)
            for counter in limited_counters(target, campaign, past):
                if counter.kind != "live":
                    rows[(target.id, counter.kind, counter.key)] = 1
    current = {(t.id, c.kind, c.key) for t in plan.targets().values() if t.id in campaigns
               for c in limited_counters(t, campaigns[t.id], now)}  # fmt: skip
    return [{"target_id": t, "period_kind": kind, "period_key": key, "count": count}
            for (t, kind, key), count in rows.items() if (t, kind, key) not in current]  # fmt: skip


async def age_store(db: Database, store: SqlCallStore, plan: Plan, days: int) -> dict[str, float]:
    """Insert ``days`` of past counters, then sweep them as the janitor does; how many went in,
    how many the sweep deleted and how long it took."""
    rows = past_counters(plan, days, datetime.now(UTC))
    for start in range(0, len(rows), CHUNK):
        async with db.engine.begin() as conn:
            await conn.execute(insert(TargetUsage), rows[start : start + CHUNK])
    await _settle(db)
    started = time.perf_counter()
    deleted = await store.delete_past_counters(datetime.now(UTC))
    sweep_s = round(time.perf_counter() - started, 3)
    await _settle(db)
    return {"inserted": len(rows), "swept": deleted, "sweep_s": sweep_s}


async def _settle(db: Database) -> None:
    """PostgreSQL: what autovacuum would have done over those days (``VACUUM ANALYZE``: dead
    rows gone, statistics of the table as it is), and a ``CHECKPOINT``, so that writing the
    pages out is not counted in the runs (the database's CPU is every PostgreSQL process's).
    The janitor deletes a minute's worth at a time; the sweep of a whole year at once leaves
    the table and its index at their old size with few rows in them (until ``VACUUM FULL``)."""
    if db.is_sqlite:
        return
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE target_usage"))
        await autocommit.execute(text("CHECKPOINT"))
