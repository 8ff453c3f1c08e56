"""Which callbacks held a benchmarked server's event loop, and for how long (bench only).

Every call's next step waits while one callback runs, so the post-dial delay's tail is made of
long callbacks: a write-queue job on SQLite (its statements run on the loop's thread), a
garbage collection, a burst of one task's work. The latency phase watches them: each callback
that ran longer than ``STALL_MS`` is counted under its owner (the coroutine of the task it
stepped, else the callback's name), or under ``gc gen N`` when a collection took most of it.

It wraps ``asyncio.Handle._run`` (every ``call_soon`` callback and task step goes through it),
which costs two clock reads per callback: so it runs only in the latency phase, whose CPU the
bench does not report.
"""

from __future__ import annotations

import asyncio.events
import time
from collections.abc import Callable
from typing import Any

from _held_app import GcPauses

STALL_MS = 3.0


class LoopStalls:
    def __init__(self, stall_ms: float = STALL_MS) -> None:
        self.stall_ms = stall_ms
        self.stalls: list[tuple[str, float]] = []  # (owner, ms)
        self._original: Callable[[asyncio.Handle], None] | None = None
        self._gc: GcPauses | None = None  # its ``recent``: collections in the current callback

    def start(self) -> None:
        if self._original is not None:
            return
        original = self._original = asyncio.events.Handle._run
        gc_pauses = self._gc = GcPauses()
        collections = gc_pauses.recent
        watch = self

        def timed_run(handle: asyncio.Handle) -> None:
            collections.clear()
            started = time.perf_counter()
            try:
                original(handle)
            finally:
                took_ms = (time.perf_counter() - started) * 1000
                if took_ms > watch.stall_ms:
                    watch.stalls.append((watch._owner(handle, took_ms, gc_pauses), took_ms))

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign,assignment]

    def stop(self) -> None:
        if self._original is not None:
            asyncio.events.Handle._run = self._original  # type: ignore[method-assign,assignment]
            self._original = None
        if self._gc is not None:
            self._gc.close()
            self._gc = None

    @staticmethod
    def _owner(handle: asyncio.Handle, took_ms: float, gc_pauses: GcPauses) -> str:
        if gc_pauses.recent:
            generation, gc_ms = max(gc_pauses.recent, key=lambda collection: collection[1])
            if gc_ms * 2 >= took_ms:
                return f"gc gen{generation}"
        callback: Any = getattr(handle, "_callback", None)
        task = getattr(callback, "__self__", None)
        if isinstance(task, asyncio.Task):
            return str(getattr(task.get_coro(), "__qualname__", "task"))
        return str(getattr(callback, "__qualname__", type(callback).__name__))

    def summary(self) -> dict[str, Any]:
        """Stalls in all, the longest, and per owner: [count, longest ms, total ms]."""
        owners: dict[str, list[float]] = {}
        for owner, took_ms in self.stalls:
            count, longest, total = owners.get(owner, [0, 0.0, 0.0])
            owners[owner] = [count + 1, max(longest, round(took_ms, 2)), round(total + took_ms, 1)]
        ranked = dict(sorted(owners.items(), key=lambda item: -item[1][2]))
        longest = max((took_ms for _, took_ms in self.stalls), default=0.0)
        return {"over_ms": self.stall_ms, "count": len(self.stalls),
                "longest_ms": round(longest, 2), "by_owner": ranked}  # fmt: skip
