"""A call store that stores nothing: the bench's baseline, so the cost of storage is visible.

For the benchmark only. It answers like a store with an empty database (no history, no load,
every claim granted) and drops every record: never use it where a call must be kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory


class NoopCallStore:
    """``ivr.calls.ports.CallStore`` with no storage behind it."""

    def __init__(self) -> None:
        self.checkpoints = 0

    def checkpoint(self, call: CallLog) -> Awaitable[object]:
        call.snapshot()  # the call path pays for building the record, as with a real store
        self.checkpoints += 1
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        stored.set_result(None)
        return stored

    async def caller_history(
        self, caller: str, campaign: Campaign, now: datetime, exclude_call: str = ""
    ) -> CallerHistory:
        return CallerHistory()

    async def target_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        return {}

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        return True

    async def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        return None

    async def close_orphan(self, uniqueid: str, cause: str, ended_at: float) -> bool:
        return False
