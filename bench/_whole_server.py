"""A benchmarked whole-call server in its own process.

    python bench/_whole_server.py switch <db-url> <plan.yaml> <var-dir> db|noop <aged-days> [prof]
    python bench/_whole_server.py raw <commands.json> [prof]

Binds 127.0.0.1 on a free port, prints ``PORT <n>`` once listening, and serves until its stdin
closes; a ``flush`` line on stdin makes it store what is waiting and answer ``FLUSHED``, a
``watch`` line starts counting the callbacks that hold its event loop (``_loop_stalls``) and
answers ``WATCHING``. Then it prints ``STATS <json>`` (for ``switch``: what reached the
database; ``stalls``: what held the loop once watched) and exits.

* ``switch``: the real ``ivr.app.Switch`` (journal, record writer, live plan, FastAGI server,
  web console), with the bench plan applied at start (and ``aged-days`` of past cap counters
  added, ``_whole_aged``). ``noop`` swaps the call path's store for
  one that does nothing, so the cost of storage shows as the difference;
* ``raw``: a plain ``asyncio.start_server`` that reads the header, then writes the given command
  lines one by one and reads one reply line each: the floor, the same commands with no logic.

With a last argument, runs under cProfile and writes the stats there on exit.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _child import raw_replay
from _held_app import GcPauses
from _loop_stalls import LoopStalls
from _whole_aged import age_store
from _whole_store import NoopCallStore
from sqlalchemy import func, select

from ivr.app import Switch, settle_heap
from ivr.plans.loader import load_plan_files
from ivr.settings import load_settings
from ivr.store.models import Call

HOST = "127.0.0.1"
FLUSH_TIMEOUT_S = 60.0
REPO = Path(__file__).resolve().parent.parent


async def serve_commands(flush: Callable[[], Awaitable[bool]], stalls: LoopStalls) -> None:
    """Answer the bench's lines on stdin until it closes: ``flush`` stores everything the
    calls so far left to store, at once (no lingering), and prints ``FLUSHED <ok> <seconds>``;
    ``watch`` starts ``stalls`` and prints ``WATCHING``."""
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.strip() == "flush":
            started = time.perf_counter()
            ok = await flush()
            print(f"FLUSHED {ok} {time.perf_counter() - started:.6f}", flush=True)
        elif line.strip() == "watch":
            stalls.start()
            print("WATCHING", flush=True)
    stalls.stop()


async def serve_switch(
    url: str, plan: Path, var_dir: Path, store: str, aged_days: int
) -> dict[str, Any]:
    settings = load_settings(
        var_dir=var_dir,
        database_url=url,
        agi_host=HOST,
        agi_port=0,
        web_host=HOST,
        web_port=0,
        prompts_dir=REPO / "prompts",
        log_level="WARNING",
    )
    switch = Switch(settings)
    if store == "noop":
        switch.deps.store = NoopCallStore()
    await switch.start(plan_files=[plan])
    aged = {}
    if aged_days and store != "noop":
        aged = await age_store(switch.db, switch.store, load_plan_files([plan]), aged_days)
    settle_heap()  # as ``ivr serve`` does once started
    pauses = GcPauses()
    assert switch.agi_address is not None
    print(f"PORT {switch.agi_address[1]}", flush=True)
    stalls = LoopStalls()
    await serve_commands(lambda: switch.writer.flush(FLUSH_TIMEOUT_S), stalls)
    await switch.agi.stop(grace_s=5.0)
    flushed = await switch.writer.flush(30.0)
    async with switch.db.read() as session:
        rows = await session.execute(select(Call.disposition, func.count()).group_by("disposition"))
        stored = {str(disposition): count for disposition, count in rows}
    stats = {
        "flushed": flushed,
        "stored": stored,
        "written": switch.writer.written,
        "rejected": switch.writer.rejected,
        "degraded_claims": switch.store.degraded_claims,
        "write_batches": switch.db.writes.batches,
        "write_jobs": switch.db.writes.jobs,
        "write_busy_s": round(switch.db.writes.busy_s, 3),
        "longest_write_batch_s": round(switch.db.writes.longest_batch_s, 3),
        "gc_collections": len(pauses.pauses_ms),
        "gc_longest_ms": round(max(pauses.pauses_ms, default=0.0), 2),
        "gc_total_ms": round(sum(pauses.pauses_ms), 1),
        "gc_by_generation": {
            generation: [len(found), round(max(found, default=0.0), 2)]
            for generation, found in pauses.by_generation.items()
        },
        "stalls": stalls.summary(),
        "aged": aged,
    }
    await switch.stop()
    return stats


async def _nothing_to_flush() -> bool:
    return True


async def serve_raw(commands: list[bytes]) -> dict[str, Any]:
    server = await asyncio.start_server(raw_replay(commands), HOST, 0)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stalls = LoopStalls()
    await serve_commands(_nothing_to_flush, stalls)
    server.close()
    await server.wait_closed()
    return {"stalls": stalls.summary()}


def run(argv: list[str]) -> dict[str, Any]:
    if argv[0] == "switch":
        url, plan, var_dir, store, aged_days = argv[1:6]
        return asyncio.run(serve_switch(url, Path(plan), Path(var_dir), store, int(aged_days)))
    lines = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    return asyncio.run(serve_raw([line.encode("utf-8", "surrogateescape") for line in lines]))


def main() -> int:
    argv = sys.argv[1:]
    arity = {"switch": 6, "raw": 2}
    if not argv or argv[0] not in arity or len(argv) not in (arity[argv[0]], arity[argv[0]] + 1):
        print(__doc__, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    profile_to = argv[arity[argv[0]]] if len(argv) > arity[argv[0]] else None
    if profile_to is None:
        stats = run(argv)
    else:  # profiled runs are for finding hot spots, not for figures
        profile = cProfile.Profile()
        stats = profile.runcall(run, argv[: arity[argv[0]]])
        profile.dump_stats(profile_to)
    print(f"STATS {json.dumps(stats)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
