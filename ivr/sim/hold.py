"""Bridges that last until someone outside the call says so.

A scripted ``DialOutcome.answer(talk_s=...)`` ends its bridge after a fixed virtual time. A
benchmark that must see N calls bridged *at the same moment* needs the opposite: buyers that
answer and stay on the line until the benchmark releases them all. ``BridgeHold`` is that
switch. Give it to ``DialOutcome.answer_until(hold)``; every Dial that reaches the bridge with
that outcome stays bridged (the server sees no reply to its ``EXEC Dial``) until ``release()``.
The talk time the double then reports is the real time the bridge was held.

One hold serves many calls; once released it stays released (a Dial that bridges afterwards
talks for 0 s). It counts the bridges held right now, so a driver can wait until all are up.
"""

from __future__ import annotations

import asyncio


class BridgeHold:
    def __init__(self) -> None:
        self._released = asyncio.Event()
        self._changed = asyncio.Event()  # set on every change of ``held``, for waiters
        self.held = 0  # bridges being held right now
        self.total = 0  # bridges ever held by this hold

    @property
    def released(self) -> bool:
        return self._released.is_set()

    def release(self) -> None:
        """Every bridge held now (and any later one) ends: the buyers hang up."""
        self._released.set()

    async def wait_for_held(self, count: int) -> None:
        """Return once at least ``count`` bridges are held at the same time."""
        while self.held < count:
            self._changed.clear()
            await self._changed.wait()

    async def hold_bridge(self) -> float:
        """Keep one bridge up until released; returns the real seconds it was held."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self._count(+1)
        try:
            await self._released.wait()
        finally:
            self._count(-1)
        return loop.time() - started

    def _count(self, step: int) -> None:
        self.held += step
        self.total += step > 0
        self._changed.set()
