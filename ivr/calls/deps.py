"""Everything the story of a call depends on, wired once in ``ivr.app``."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ivr.calls.ports import CallStore, PlanView
from ivr.calls.record import CallLog
from ivr.clock import Clock

log = logging.getLogger(__name__)
# Told when an inbound session ends, with its record and whether the session was lost (the
# socket died mid-call): reconciliation finishes lost calls from AMI, metrics count outcomes.
SessionHook = Callable[[CallLog, bool], None]


@dataclass(slots=True)
class CallDeps:
    plan: Callable[[], PlanView]  # the live configuration at the moment a call arrives
    store: CallStore
    clock: Clock
    resolve_prompt: Callable[[str], str]  # plan prompt name -> what Asterisk plays
    asterisk_recordings_dir: str  # where MixMonitor writes, as Asterisk sees the filesystem
    rng: random.Random = field(default_factory=random.Random)
    live: dict[str, CallLog] = field(default_factory=dict)  # uniqueid -> record of a live call
    session_hooks: list[SessionHook] = field(default_factory=list)

    def session_ended(self, call: CallLog, lost: bool) -> None:
        for hook in self.session_hooks:
            try:
                hook(call, lost)
            except Exception:  # an observer must never break the end of a call
                log.exception("session hook failed for call %s", call.uniqueid)
