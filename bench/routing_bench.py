"""Routing decision micro-benchmark (not a test): 1,000 campaigns x 10 targets in memory.

Targets have schedules in several time zones, geography (states, area codes, ZIP prefixes),
required tags, caps and concurrency; each decision gets random call facts and live loads.
Run: ``.venv/bin/python bench/routing_bench.py [decisions]``; prints p50 / p99 / max of the
wall time and of the thread CPU time (on a shared 2-core box the wall p99 mostly measures the
other processes), after one cold pass that compiles every target.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from ivr.plans.schema import Campaign, Target
from ivr.routing import CallFacts, TargetLoad, rank_targets

CAMPAIGNS = 1_000
TARGETS_PER_CAMPAIGN = 10
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
STATES = ["IL", "NY", "CA", "TX", "FL", "WA", "GA", "OH"]
AREA_CODES = ["312", "773", "212", "718", "415", "213", "512", "305", "206", "404"]
ZIPS = ["60601", "10001", "90210", "73301", "33101", "98101", "30301", "43004"]
TAGS = ["qualified", "spanish", "existing", "auto"]


def build_target(index: int, rng: random.Random) -> Target:
    data: dict[str, object] = {
        "id": f"t{index}",
        "endpoint": f"buyer{index}",
        "priority": rng.randint(1, 3),
        "weight": rng.randint(1, 10),
        "caps": {"hourly": rng.randint(5, 50), "daily": rng.randint(50, 500)},
        "concurrency": rng.randint(1, 10),
        "schedule": {
            "timezone": rng.choice(ZONES),
            "hours": {
                d: ["08:00-12:00", "13:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri")
            }
            | {"sat": ["10:00-16:00"]},
        },
    }
    kind = index % 4
    if kind == 0:
        data["states"] = rng.sample(STATES, 3)
    elif kind == 1:
        data["area_codes"] = rng.sample(AREA_CODES, 4)
    elif kind == 2:
        data["zip_prefixes"] = [z[:3] for z in rng.sample(ZIPS, 3)]
    if index % 3 == 0:
        data["required_tags"] = [rng.choice(TAGS)]
    return Target.model_validate(data)


def build_plan(rng: random.Random) -> tuple[list[Campaign], dict[str, Target]]:
    targets = {f"t{i}": build_target(i, rng) for i in range(CAMPAIGNS * TARGETS_PER_CAMPAIGN)}
    campaigns = [
        Campaign.model_validate(
            {
                "id": f"c{c}",
                "name": f"Campaign {c}",
                "publishers": [{"publisher": "p1", "payout": {"fixed": "5"}}],
                "targets": [
                    {"target": f"t{c * TARGETS_PER_CAMPAIGN + k}"}
                    for k in range(TARGETS_PER_CAMPAIGN)
                ],
            }
        )
        for c in range(CAMPAIGNS)
    ]
    return campaigns, targets


def random_facts(rng: random.Random, start: datetime) -> CallFacts:
    zip5 = rng.choice([*ZIPS, None])
    return CallFacts(
        at=start + timedelta(seconds=rng.randint(0, 7 * 86400)),
        caller_state=rng.choice(STATES),
        caller_area_code=rng.choice(AREA_CODES),
        zip=zip5,
        zip_state=rng.choice(STATES) if zip5 else None,
        tags=frozenset(rng.sample(TAGS, rng.randint(0, 2))),
    )


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    return f"p50 {p50:.4f} ms  p99 {p99:.4f} ms  max {samples[-1]:.4f} ms"


def main(decisions: int) -> None:
    rng = random.Random(42)
    campaigns, targets = build_plan(rng)
    loads = {
        tid: TargetLoad(
            active=rng.randint(0, 2), hourly=rng.randint(0, 10), daily=rng.randint(0, 80)
        )
        for tid in targets
    }
    start = datetime(2026, 11, 23, tzinfo=UTC)
    # Cold pass: the first decision of a campaign compiles its targets' schedules and sets.
    t0 = time.perf_counter()
    for campaign in campaigns:
        rank_targets(campaign, targets, random_facts(rng, start), loads, rng)
    cold_ms = (time.perf_counter() - t0) * 1000 / len(campaigns)
    wall: list[float] = []
    cpu: list[float] = []  # thread CPU time: what the decision costs without other processes
    ranked = 0
    for _ in range(decisions):
        campaign = rng.choice(campaigns)
        facts = random_facts(rng, start)
        w0, c0 = time.perf_counter(), time.thread_time()
        decision = rank_targets(campaign, targets, facts, loads, rng)
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        ranked += len(decision.ranked)
    print(f"{decisions} warm decisions over {CAMPAIGNS} campaigns x {TARGETS_PER_CAMPAIGN} targets")
    print(f"wall: {percentiles(wall)}  mean {statistics.fmean(wall):.4f} ms")
    print(f"cpu:  {percentiles(cpu)}")
    print(
        f"cold first decision per campaign: {cold_ms:.4f} ms; avg ranked {ranked / decisions:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
