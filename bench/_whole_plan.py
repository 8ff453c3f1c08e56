"""The whole-call benchmark's call plan, its callers and the command sequence it produces.

One campaign, one tracking number, a two-prompt menu (welcome, then "press 1") and 50 buyer
targets that are always open, with caps and concurrency set far above what a run can reach (so
every claim still takes its four counters, but none binds) and geography that matches every
bench caller. Callers are all distinct (numbers in five US area codes), so velocity and
duplicate screening read their history and accept.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ivr.plans.schema import Plan
from ivr.sim.script import CallScript, DialOutcome, Press

DID = "+18005550199"
TARGETS = 50
# area code -> its state: callers are spread over these, and every target serves all five
AREA_CODES = {"312": "IL", "212": "NY", "415": "CA", "713": "TX", "305": "FL"}
HIGH = 10_000_000  # caps and concurrency that no run can reach
ALL_DAY = ["00:00-23:59"]  # the schema's latest end (one minute a day is closed)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TALK_S = 2.0  # virtual seconds of talk once a buyer answers
RING_S = 0.5


def bench_plan() -> dict[str, Any]:
    """The plan as YAML-ready data."""
    targets = [_target(index) for index in range(1, TARGETS + 1)]
    return {
        "publishers": [{"id": "bench-pub", "name": "Bench publisher"}],
        "buyers": [{"id": "bench-buyer", "name": "Bench buyer", "targets": targets}],
        "campaigns": [_campaign(targets)],
        "numbers": [{"number": DID, "campaign": "bench", "publisher": "bench-pub"}],
        "menus": [_menu()],
    }


def _target(index: int) -> dict[str, Any]:
    return {
        "id": f"bench-t{index:02d}",
        "name": f"Bench target {index}",
        "endpoint": f"bench-t{index:02d}",
        "ring_timeout_s": 20,
        "concurrency": HIGH,
        "caps": {"hourly": HIGH, "daily": HIGH, "monthly": HIGH},
        "schedule": {"timezone": "America/New_York", "hours": dict.fromkeys(DAYS, ALL_DAY)},
        "states": sorted(AREA_CODES.values()),
        "required_tags": ["bench"],
        "revenue": "30.00",
        "priority": 1 + index % 2,
        "weight": 1 + index % 3,
    }


def _campaign(targets: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "bench",
        "name": "Bench campaign",
        "timezone": "America/New_York",
        "publishers": [{"publisher": "bench-pub", "payout": {"revenue_share": "0.40"}}],
        "targets": [{"target": t["id"]} for t in targets],
        "menu": "bench-ivr",
        "billable_after_s": 1,
        "dedupe_days": 30,
        "recording": {"enabled": True, "announce": False},
        "screening": {
            "block_anonymous": True,
            "max_calls_per_caller": 3,
            "velocity_window_minutes": 60,
            "duplicate_action": "route_unbillable",
        },
        "fallback": {"prompt": "ivr-all-busy"},
    }


def _menu() -> dict[str, Any]:
    return {
        "id": "bench-ivr",
        "name": "Bench menu",
        "start": "welcome",
        "nodes": {
            "welcome": {"type": "play", "prompt": "ivr-welcome", "next": "main"},
            "main": {
                "type": "menu",
                "prompt": "ivr-main-menu",
                "options": {1: "tagged", 2: "bye"},
                "tries": 3,
                "timeout_s": 5,
                "invalid_prompt": "ivr-invalid",
                "failure": "bye",
            },
            "tagged": {"type": "tag", "tags": ["bench"], "next": "connect"},
            "connect": {"type": "route"},
            "bye": {"type": "hangup", "prompt": "ivr-goodbye", "disposition": "ivr_hangup"},
        },
    }


def write_plan(path: Path) -> Path:
    """Write the plan as YAML (validated first, so a bad bench plan fails here)."""
    data = bench_plan()
    Plan.model_validate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def callers(offset: int = 0) -> Iterator[str]:
    """Distinct caller numbers, endless in practice (five area codes x 8 million numbers)."""
    for serial in itertools.count(offset):
        area = list(AREA_CODES)[serial % len(AREA_CODES)]
        local = 2_000_000 + serial // len(AREA_CODES)  # exchange 200-999: valid NANP numbers
        yield f"+1{area}{local:07d}"


def call_script(caller: str) -> CallScript:
    """The caller presses 1 during the main menu; whichever target is dialled answers."""
    return CallScript(
        did=DID.lstrip("+"),
        caller=caller,
        presses=(Press("1", after_s=0.6),),
        default_outcome=DialOutcome.answer(talk_s=TALK_S, ring_s=RING_S),
        # the double's shared virtual clock grows with every call in flight: never give up
        max_call_s=1e12,
    )
