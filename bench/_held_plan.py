"""The held-calls benchmark's call plan and its callers.

One campaign, no menu, no recording, one buyer target with no caps, concurrency or schedule:
every call goes header -> screening -> answer -> route -> claim -> Dial, and the buyer answers
and stays bridged until the benchmark releases the hold. Callers all have distinct numbers, so
screening's history look-ups stay as cheap as for real traffic.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ivr.sim.hold import BridgeHold
from ivr.sim.script import CallScript, DialOutcome

DID = "+18005550100"
ENDPOINT = "held-buyer"
RING_S = 0.5

PLAN = {
    "publishers": [{"id": "bench-pub", "name": "Bench publisher"}],
    "buyers": [
        {
            "id": "bench-buyer",
            "name": "Bench buyer",
            "targets": [
                {
                    "id": "held-target",
                    "endpoint": ENDPOINT,
                    "revenue": "10.00",
                    "ring_timeout_s": 30,
                }
            ],
        }
    ],
    "campaigns": [
        {
            "id": "held-campaign",
            "name": "Held calls",
            "publishers": [{"publisher": "bench-pub", "payout": {"fixed": "4.00"}}],
            "targets": [{"target": "held-target"}],
            "billable_after_s": 0,
            "dedupe_days": 0,
            "screening": {"block_anonymous": False},
        }
    ],
    "numbers": [{"number": DID, "campaign": "held-campaign", "publisher": "bench-pub"}],
}


def write_plan(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(PLAN, sort_keys=False), encoding="utf-8")
    return path


def caller_script(index: int, hold: BridgeHold) -> CallScript:
    """Call ``index``: a distinct Chicago caller whose buyer answers and stays until released."""
    return CallScript(
        did=DID.removeprefix("+"),
        caller=f"+1312{200 + index // 10_000:03d}{index % 10_000:04d}",
        dial_outcomes={ENDPOINT: DialOutcome.answer_until(hold, ring_s=RING_S)},
    )
