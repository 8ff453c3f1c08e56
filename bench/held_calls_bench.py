"""Held-calls benchmark (not a test): 10,000 calls bridged at once in one app process.

"Hold 10,000 calls bridged at once in one app process. Report memory per held call, open
sockets, and event-loop lag while they are held. Then release them all and check every record
is complete and no socket is left."

* The app (``_held_app.py``, its own process): a real ``Switch`` on SQLite with the bench plan
  (``_held_plan.py``: no menu, one buyer target without caps), FastAGI backlog 1024, and a lag
  sampler task (how late a periodic ``asyncio.sleep(0.01)`` wakes).
* The double (this process): ``AsteriskDouble`` on per-call timelines from the system clock,
  without transcripts; every buyer answers with ``DialOutcome.answer_until(hold)``, so each call
  stays bridged (its ``EXEC Dial`` unanswered) until the hold is released. Connects ramp up in
  batches below the listen backlog, each batch bridged before the next starts.
* Figures: the app's RSS before the ramp (after a warm-up) and while every call is held, per
  held call = delta / calls (the double's too); the app's TCP sockets; the lag p50/p99/max
  over ``--hold-s`` seconds with every call held. Then release: every call must end with
  DIALSTATUS=ANSWER and IVR_DONE=1; after the record writer flushes, every stored record must
  be closed, connected, with ring, IVR and talk durations, the talk equal to the double's to
  10 ms; and neither process may keep a TCP socket other than its listeners.

Goal: "10,000 held calls at no more than 50 KiB each, event-loop lag p99 at most 50 ms, and 0
leaked sockets" (printed PASS/FAIL; exit 0 either way, 1 on FAIL with ``--check``).
Run: ``.venv/bin/python bench/held_calls_bench.py [--calls N] [--batch B] [--hold-s S]``;
writes ``bench/results/held_calls.json``. ``--trace-memory`` prints the app's top allocating
lines while held (tracemalloc: slower, and it inflates the RSS figure; for diagnosis only).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from _held_app import raise_open_files_limit
from _held_checks import check_records, check_reports, percentiles
from _held_plan import caller_script
from _held_protocol import AppProcess, Sockets

from ivr.clock import SystemClock
from ivr.sim.double import AsteriskDouble, Timeline
from ivr.sim.hold import BridgeHold
from ivr.sim.report import CallReport

RESULTS = Path(__file__).parent / "results" / "held_calls.json"
MAX_CALLS = 15_000  # two sockets per call must fit the open-files limit of this box (20,000)
WARM_UP_CALLS = 100
BACKLOG = 1024  # FastAgiServer.start's default, which the Switch uses
BATCH_TIMEOUT_S = 120.0
SETTLE_TIMEOUT_S = 60.0
KIB = 1024


class HeldRun:
    """One benchmark run: the app process, the double, and what was measured."""

    def __init__(self, app: AppProcess, args: argparse.Namespace) -> None:
        self.app = app
        self.args = args
        self.double = AsteriskDouble(SystemClock(), timeline=Timeline.PER_CALL, transcript=False)
        self.me = psutil.Process()
        self.figures: dict[str, Any] = {}
        self._next_caller = 0

    def _start_calls(self, count: int, hold: BridgeHold) -> list[asyncio.Task[CallReport]]:
        first, self._next_caller = self._next_caller, self._next_caller + count
        port = self.app.agi_port
        return [
            asyncio.create_task(
                self.double.place_call("127.0.0.1", port, caller_script(index, hold))
            )
            for index in range(first, first + count)
        ]

    async def hold_calls(self, count: int, hold: BridgeHold) -> list[asyncio.Task[CallReport]]:
        """Ramp up ``count`` bridged calls, one batch at a time."""
        tasks: list[asyncio.Task[CallReport]] = []
        while len(tasks) < count:
            tasks += self._start_calls(min(self.args.batch, count - len(tasks)), hold)
            try:
                await asyncio.wait_for(hold.wait_for_held(len(tasks)), BATCH_TIMEOUT_S)
            except TimeoutError:
                raise SystemExit(f"only {hold.held} of {len(tasks)} calls got bridged") from None
        return tasks

    async def release(
        self, hold: BridgeHold, tasks: list[asyncio.Task[CallReport]]
    ) -> list[CallReport]:
        hold.release()
        return list(await asyncio.wait_for(asyncio.gather(*tasks), BATCH_TIMEOUT_S))

    async def warm_up(self) -> None:
        """Imports, caches, compiled statements and socket buffers, before the baseline."""
        hold = BridgeHold()
        tasks = await self.hold_calls(WARM_UP_CALLS, hold)
        await self.release(hold, tasks)
        await self.settle()

    async def settle(self) -> dict[str, Any]:
        """Wait until the app has closed every call it was serving."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while True:
            state = await self.app.command("state")
            if state["open_connections"] == 0 or time.monotonic() > deadline:
                return state
            await asyncio.sleep(0.1)

    async def memory(self) -> tuple[int, int]:
        """RSS of the app and of this process, after a full collection in both."""
        await self.app.command("gc")
        gc.collect()
        return self.app.rss(), int(self.me.memory_info().rss)

    def own_sockets(self) -> Sockets:
        return Sockets.of(self.me)


async def measure(app: AppProcess, args: argparse.Namespace) -> dict[str, Any]:
    run = HeldRun(app, args)
    await run.warm_up()
    app_rss0, double_rss0 = await run.memory()
    await app.command("mark")
    await app.command("lag")  # drop the warm-up's samples
    hold = BridgeHold()
    ramp0 = time.perf_counter()
    tasks = await run.hold_calls(args.calls, hold)
    ramp_s = time.perf_counter() - ramp0
    ramp = await app.command("lag")
    await asyncio.sleep(args.hold_s)  # every call held: the window the lag goal is about
    held = await app.command("lag")
    app_rss1, double_rss1 = await run.memory()
    held_state = await app.command("state")
    held_sockets, double_held_sockets = app.sockets(), run.own_sockets()
    top = (await app.command("top"))["top"] if args.trace_memory else []
    held_count = hold.held
    reports = await run.release(hold, tasks)
    after_state = await run.settle()
    records = await app.command("records")
    app_rss2, _ = await run.memory()
    return {
        "calls": args.calls,
        "held_at_once": held_count,
        "ramp_s": ramp_s,
        "app_active_calls_held": held_state["active_calls"],
        "app_rss_mib": {
            "before": app_rss0 / KIB**2,
            "held": app_rss1 / KIB**2,
            "after": app_rss2 / KIB**2,
        },
        "app_kib_per_held_call": (app_rss1 - app_rss0) / KIB / args.calls,
        "double_kib_per_held_call": (double_rss1 - double_rss0) / KIB / args.calls,
        "app_sockets_held": held_sockets.other,
        "double_sockets_held": double_held_sockets.other,
        "app_sockets_after": app.sockets().other,
        "app_open_connections_after": after_state["open_connections"],
        "double_sockets_after": run.own_sockets().other,
        "lag_held_ms": percentiles(held["samples_ms"]) | {"gc_max": held["gc_max_ms"]},
        "lag_ramp_ms": percentiles(ramp["samples_ms"]) | {"gc_max": ramp["gc_max_ms"]},
        "report_failures": check_reports(reports),
        "record_check": check_records(records, reports, WARM_UP_CALLS),
        "memory_top": top,
    }


def verdict(result: dict[str, Any], args: argparse.Namespace) -> dict[str, bool]:
    leaked = (
        result["app_sockets_after"]
        + result["double_sockets_after"]
        + result["app_open_connections_after"]
    )
    return {
        "all held at once": result["held_at_once"] == args.calls,
        f"<= {args.max_kib:g} KiB per held call": result["app_kib_per_held_call"] <= args.max_kib,
        f"lag p99 <= {args.max_lag_ms:g} ms": result["lag_held_ms"]["p99"] <= args.max_lag_ms,
        "0 leaked sockets": leaked == 0,
        "every call answered and done": not result["report_failures"],
        "every record complete": not result["record_check"]["problems"],
    }


def _spread(figures: dict[str, float]) -> str:
    return (
        f"p50 {figures['p50']:.2f}  p99 {figures['p99']:.2f}  max {figures['max']:.2f} ms"
        f"  (longest gc {figures['gc_max']:.0f} ms)"
    )


def table_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    rss, calls = result["app_rss_mib"], result["calls"]
    records = result["record_check"]
    return [
        ("calls held at once", f"{result['held_at_once']:,} of {calls:,}"),
        ("ramp-up", f"{result['ramp_s']:.1f} s ({calls / result['ramp_s']:.0f} calls/s)"),
        (
            "app RSS before / held / after",
            "{before:.0f} / {held:.0f} / {after:.0f} MiB".format(**rss),
        ),
        ("app memory per held call", f"{result['app_kib_per_held_call']:.1f} KiB"),
        ("double memory per held call", f"{result['double_kib_per_held_call']:.1f} KiB"),
        ("app TCP sockets while held", f"{result['app_sockets_held']:,} (+ listeners)"),
        ("double TCP sockets while held", f"{result['double_sockets_held']:,}"),
        ("event-loop lag while held", _spread(result["lag_held_ms"])),
        ("lag samples while held", str(result["lag_held_ms"]["count"])),
        ("event-loop lag during ramp-up", _spread(result["lag_ramp_ms"])),
        (
            "sockets left: app / double",
            f"{result['app_sockets_after']} / {result['double_sockets_after']}",
        ),
        ("calls failed (double's view)", str(len(result["report_failures"]))),
        ("records stored / problems", f"{records['stored']:,} / {records['problem_count']}"),
    ]


def print_table(result: dict[str, Any], goals: dict[str, bool], args: argparse.Namespace) -> None:
    rows = table_rows(result)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for line in result["memory_top"][:15]:
        print(f"  {line['bytes'] / result['calls']:8.0f} B/call  {line['where']}")
    for problem in (result["report_failures"] + result["record_check"]["problems"])[:5]:
        print(f"  problem: {problem}")
    for goal, passed in goals.items():
        print(f"{'PASS' if passed else 'FAIL'}: {goal}")
    overall = "PASS" if all(goals.values()) else "FAIL"
    print(
        f"{overall}: {result['calls']:,} held calls at no more than {args.max_kib:g} KiB each,"
        f" event-loop lag p99 at most {args.max_lag_ms:g} ms,"
        " and 0 leaked sockets"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=10_000, help="calls held at once")
    parser.add_argument("--batch", type=int, default=500, help="connects per ramp-up batch")
    parser.add_argument("--hold-s", type=float, default=10.0, help="seconds all stay held")
    parser.add_argument("--max-kib", type=float, default=50.0, help="goal: KiB per held call")
    parser.add_argument("--max-lag-ms", type=float, default=50.0, help="goal: lag p99")
    parser.add_argument("--trace-memory", action="store_true", help="tracemalloc in the app")
    parser.add_argument("--check", action="store_true", help="exit 1 on FAIL")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()
    if not 100 <= args.calls <= MAX_CALLS:
        parser.error(f"--calls must be 100..{MAX_CALLS}")
    if not 1 <= args.batch <= BACKLOG // 2:
        parser.error(f"--batch must be 1..{BACKLOG // 2} (half the listen backlog)")
    if not 1 <= args.hold_s <= 120:
        parser.error("--hold-s must be 1..120")
    return args


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    limit = raise_open_files_limit()
    if limit < args.calls + 1000:
        raise SystemExit(f"open-files limit {limit} is too low for {args.calls} calls")
    with tempfile.TemporaryDirectory(prefix="held-calls-") as var_dir:
        app = await AppProcess.start(Path(var_dir), args.trace_memory)
        try:
            return await measure(app, args)
        finally:
            await app.stop()


def main() -> int:
    args = parse_args()
    result = asyncio.run(main_async(args))
    goals = verdict(result, args)
    result["goals"] = goals
    result["passed"] = all(goals.values())
    result["settings"] = {k: v for k, v in vars(args).items() if k != "output"}
    print_table(result, goals, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"results written to {args.output}")
    return 1 if args.check and not result["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
