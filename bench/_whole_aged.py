"""An aged store for the whole-call benchmark: the counters months of calls leave behind.

A switch keeps a counter per capped target and hour, day and month it took calls in (8,760
hour counters a year per target), and nothing deletes the past ones. A benchmark on a new
database would never see what a read that went through them costs, so ``--aged-days N`` fills
the bench database with N days of past counters for every target of the plan before the runs
(bench/README.md, round 10).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from ivr.plans.schema import Plan
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


async def age_store(db: Database, plan: Plan, days: int) -> int:
    """Insert ``days`` of past counters; how many."""
    rows = past_counters(plan, days, datetime.now(UTC))
    for start in range(0, len(rows), CHUNK):
        async with db.engine.begin() as conn:
            await conn.execute(insert(TargetUsage), rows[start : start + CHUNK])
    return len(rows)
