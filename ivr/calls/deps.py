"""Everything the story of a call depends on, wired once in ``ivr.app``."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.calls.ports import CallStore, PlanView
from ivr.clock import Clock


@dataclass(slots=True)
class CallDeps:
    plan: Callable[[], PlanView]  # the live configuration at the moment a call arrives
    store: CallStore
    clock: Clock
    resolve_prompt: Callable[[str], str]  # plan prompt name -> what Asterisk plays
    asterisk_recordings_dir: str  # where MixMonitor writes, as Asterisk sees the filesystem
    rng: random.Random = field(default_factory=random.Random)
    live: dict[str, object] = field(default_factory=dict)  # uniqueid -> CallLog of live calls
