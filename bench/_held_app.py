"""The app side of the held-calls benchmark: a real ``Switch`` in its own process.

    python bench/_held_app.py <var-dir> [--trace-memory]

SQLite under ``<var-dir>``, the bench plan (``_held_plan.py``) applied at start, FastAGI on a
free loopback port. Prints ``READY <json>`` once listening, then answers one JSON line per
command read on stdin (``_held_protocol.py`` speaks it from the benchmark); EOF stops the switch.

A sampler task measures event-loop lag all along: it sleeps 10 ms and notes how late it woke.
``--trace-memory`` runs tracemalloc so ``top`` can say which lines hold the memory of held calls
(it slows the process down: use it to find the cause, not for the figures).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import resource
import sys
import time
import tracemalloc
from collections import deque
from pathlib import Path
from typing import Any

from _held_plan import write_plan
from _held_records import stored_records

from ivr.app import Switch, settle_heap
from ivr.settings import load_settings

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
LAG_TICK_S = 0.01
FLUSH_TIMEOUT_S = 120.0
TOP_LINES = 25


def raise_open_files_limit() -> int:
    """Both processes hold one socket per call: lift the soft limit to the hard one."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class LagSampler:
    """How late a periodic ``asyncio.sleep(LAG_TICK_S)`` wakes: the loop's responsiveness."""

    def __init__(self) -> None:
        self.samples_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="lag-sampler")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_TICK_S)
            self.samples_ms.append((loop.time() - before - LAG_TICK_S) * 1000)

    def take(self) -> list[float]:
        samples, self.samples_ms = self.samples_ms, []
        return samples

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class GcPauses:
    """How long each garbage collection held the loop: the usual cause of a lone long lag."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self.by_generation: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.recent: deque[tuple[int, float]] = deque(maxlen=64)  # (generation, ms), newest last
        self._started = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            pause_ms = (time.perf_counter() - self._started) * 1000
            self.pauses_ms.append(pause_ms)
            self.by_generation[info["generation"]].append(pause_ms)
            self.recent.append((info["generation"], pause_ms))

    def close(self) -> None:
        gc.callbacks.remove(self._note)

    def take(self) -> list[float]:
        pauses, self.pauses_ms = self.pauses_ms, []
        return pauses


class Runner:
    def __init__(self, switch: Switch, trace_memory: bool) -> None:
        self.switch = switch
        self.lag = LagSampler()
        self.gc_pauses = GcPauses()
        self.trace_memory = trace_memory
        self._mark: tracemalloc.Snapshot | None = None

    async def command(self, name: str) -> dict[str, Any]:
        handlers = {
            "lag": self._lag,
            "state": self._state,
            "gc": self._gc,
            "mark": self._mark_memory,
            "top": self._top_memory,
            "records": self._records,
        }
        handler = handlers.get(name)
        if handler is None:
            return {"error": f"unknown command {name!r}"}
        return await handler()

    async def _lag(self) -> dict[str, Any]:
        """Every lag sample since the last ``lag`` (the benchmark computes percentiles), and
        the longest garbage collection meanwhile."""
        pauses = self.gc_pauses.take()
        return {
            "samples_ms": [round(s, 3) for s in self.lag.take()],
            "gc_max_ms": max(pauses, default=0.0),
            "gc_count": len(pauses),
        }

    async def _state(self) -> dict[str, Any]:
        agi = self.switch.agi
        return {"active_calls": agi.active_calls, "open_connections": agi.open_connections}

    async def _gc(self) -> dict[str, Any]:
        return {"collected": gc.collect()}

    async def _mark_memory(self) -> dict[str, Any]:
        if self.trace_memory:
            gc.collect()
            self._mark = tracemalloc.take_snapshot()
        return {"tracing": self.trace_memory}

    async def _top_memory(self) -> dict[str, Any]:
        """Lines that allocated most since ``mark``, biggest first."""
        if self._mark is None:
            return {"top": []}
        gc.collect()
        stats = tracemalloc.take_snapshot().compare_to(self._mark, "lineno")
        total = sum(stat.size_diff for stat in stats)
        top = [
            {"where": str(stat.traceback[0]), "bytes": stat.size_diff, "count": stat.count_diff}
            for stat in stats[:TOP_LINES]
        ]
        return {"total_bytes": total, "top": top}

    async def _records(self) -> dict[str, Any]:
        """Flush the record writer, then read back every call the database holds."""
        flushed = await self.switch.writer.flush(FLUSH_TIMEOUT_S)
        return {"flushed": flushed, **await stored_records(self.switch.db)}


async def serve(var_dir: Path, trace_memory: bool) -> None:
    open_files = raise_open_files_limit()
    settings = load_settings(
        var_dir=var_dir,
        agi_host=HOST,
        agi_port=0,
        web_host=HOST,
        web_port=0,
        prompts_dir=REPO / "prompts",
        log_level="WARNING",
        shutdown_grace_s=5,
    )
    switch = Switch(settings)
    await switch.start(plan_files=[write_plan(var_dir / "held-plan.yaml")])
    settle_heap()  # as ``ivr serve`` does once started
    assert switch.agi_address is not None
    runner = Runner(switch, trace_memory)
    runner.lag.start()
    ready = {"agi_port": switch.agi_address[1], "open_files_limit": open_files}
    print(f"READY {json.dumps(ready)}", flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            print(json.dumps(await runner.command(line.strip())), flush=True)
    finally:
        await runner.lag.stop()
        await switch.stop()


def main() -> int:
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--trace-memory"]):
        print(__doc__, file=sys.stderr)
        return 2
    trace_memory = sys.argv[2:] == ["--trace-memory"]
    if trace_memory:
        tracemalloc.start(1)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(Path(sys.argv[1]), trace_memory))
    return 0


if __name__ == "__main__":
    sys.exit(main())
