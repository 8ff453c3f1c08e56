"""Routing benchmark (not a test): one decision over 1,000 campaigns x 10 targets.

"Routing. With 1,000 campaigns and 10,000 targets with schedules, geography, tags and live caps,
report p50/p99 decision time." Every target has a weekly schedule in one of four US time zones,
hourly and daily caps and a concurrency limit; three in four have geography (states, area codes
or ZIP prefixes), one in three a required tag. Each decision draws a campaign, random call facts
(any moment of a week, state, area code, ZIP, tags) and uses live loads (active calls, calls
this hour and today) for every target, so caps and concurrency exclude some of them.

Figures, after one cold pass that compiles every campaign's targets:
* CPU time per decision (primary): ``time.process_time`` over batches of ``--batch`` decisions,
  divided by the batch size; p50/p99/max over the batches. The box is shared and noisy, and
  CPU time leaves out the time other processes hold the core;
* wall time per decision (``perf_counter`` around each one): p50/p99/max, for comparison.

Goal: "routing p99 at most 2 ms" on the CPU figure (``--goal-ms``); PASS/FAIL printed, exit 0
either way (1 on FAIL with ``--check``). Run: ``.venv/bin/python bench/routing_bench.py
[--decisions N] [--batch B]``; writes ``bench/results/routing.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ivr.plans.schema import Campaign, Target
from ivr.routing import CallFacts, TargetLoad, rank_targets

RESULTS = Path(__file__).parent / "results" / "routing.json"
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


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    last = len(ordered) - 1
    return {
        "p50": ordered[round(0.50 * last)],
        "p99": ordered[round(0.99 * last)],
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
        "count": len(ordered),
    }


def build_loads(targets: dict[str, Target], rng: random.Random) -> dict[str, TargetLoad]:
    """Live loads: some targets at their concurrency or caps, most below."""
    return {
        tid: TargetLoad(
            active=rng.randint(0, 2), hourly=rng.randint(0, 10), daily=rng.randint(0, 80)
        )
        for tid in targets
    }


def measure(decisions: int, batch: int) -> dict[str, object]:
    rng = random.Random(42)
    campaigns, targets = build_plan(rng)
    loads = build_loads(targets, rng)
    start = datetime(2026, 11, 23, tzinfo=UTC)
    # Cold pass: the first decision of a campaign compiles its targets' schedules and sets.
    t0 = time.perf_counter()
    for campaign in campaigns:
        rank_targets(campaign, targets, random_facts(rng, start), loads, rng)
    cold_ms = (time.perf_counter() - t0) * 1000 / len(campaigns)
    wall: list[float] = []
    cpu: list[float] = []  # per decision, averaged over each batch
    ranked = 0
    for _ in range(decisions // batch):
        work = [(rng.choice(campaigns), random_facts(rng, start)) for _ in range(batch)]
        c0 = time.process_time()
        for campaign, facts in work:
            w0 = time.perf_counter()
            decision = rank_targets(campaign, targets, facts, loads, rng)
            wall.append((time.perf_counter() - w0) * 1000)
            ranked += len(decision.ranked)
        cpu.append((time.process_time() - c0) * 1000 / batch)
    return {
        "campaigns": CAMPAIGNS,
        "targets": len(targets),
        "decisions": len(wall),
        "batch": batch,
        "cpu_ms_per_decision": percentiles(cpu),
        "wall_ms": percentiles(wall),
        "cold_first_decision_ms": cold_ms,
        "avg_ranked": ranked / len(wall),
    }


def _line(name: str, figures: object) -> str:
    assert isinstance(figures, dict)
    return (
        f"{name:<22} p50 {figures['p50']:.4f}  p99 {figures['p99']:.4f}  "
        f"max {figures['max']:.4f}  mean {figures['mean']:.4f} ms ({figures['count']} samples)"
    )


def print_table(result: dict[str, object], goal_ms: float) -> None:
    print(
        f"{result['decisions']} warm decisions over {result['campaigns']} campaigns x "
        f"{TARGETS_PER_CAMPAIGN} targets ({result['targets']} targets)"
    )
    print(_line(f"cpu / decision (x{result['batch']})", result["cpu_ms_per_decision"]))
    print(_line("wall / decision", result["wall_ms"]))
    print(
        f"cold first decision per campaign {result['cold_first_decision_ms']:.4f} ms; "
        f"targets ranked per decision {result['avg_ranked']:.2f}"
    )
    print(f"{'PASS' if result['passed'] else 'FAIL'}: routing p99 at most {goal_ms:g} ms (CPU)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("decisions", type=int, nargs="?", default=50_000, help="warm decisions")
    parser.add_argument("--batch", type=int, default=20, help="decisions per CPU-time sample")
    parser.add_argument("--goal-ms", type=float, default=2.0, help="goal: CPU p99 per decision")
    parser.add_argument("--check", action="store_true", help="exit 1 on FAIL")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()
    if not 1_000 <= args.decisions <= 1_000_000 or not 1 <= args.batch <= 1_000:
        parser.error("decisions must be 1000..1000000 and --batch 1..1000")
    if args.decisions < 100 * args.batch:
        parser.error("give at least 100 batches (decisions >= 100 x batch) for a p99")
    return args


def main() -> int:
    args = parse_args()
    result = measure(args.decisions, args.batch)
    cpu = result["cpu_ms_per_decision"]
    assert isinstance(cpu, dict)
    result["goal_ms"] = args.goal_ms
    result["passed"] = cpu["p99"] <= args.goal_ms
    print_table(result, args.goal_ms)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results written to {args.output}")
    return 1 if args.check and not result["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
