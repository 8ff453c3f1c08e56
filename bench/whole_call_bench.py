"""Whole-call benchmark (not a test): the real switch against a raw FastAGI floor, same run.

Every call runs the complete path of the bench plan (``bench/_whole_plan.py``): attribution,
screening (history read), ANSWER, a two-prompt menu with a key press, routing among 50 targets
with caps (loads read), MixMonitor, an atomic claim, Dial (answered, short virtual talk), the
release, qualification and money, and the record (journal group commit, then the database).
The server is a real ``ivr.app.Switch`` in a child process, driven over loopback TCP by the
Asterisk double in this process. Kinds of server, each in its own process:

* ``sqlite`` / ``postgres``: the switch on that database;
* ``noop``: the switch with a store that stores nothing (cost of storage = the difference);
* ``raw``: a plain asyncio server replaying the switch's exact command lines with no logic.

Two phases:
1. rate: ``--concurrency`` calls in flight (closed loop), ``--rounds`` runs of ``--calls`` calls
   per kind, order rotated per round: calls/s and server CPU ms per call; ratios per round.
2. latency: calls started at ``--pace`` calls/s, each Dial held ``--hold`` real seconds, so about
   pace x hold calls are in progress (as with real calls): post-dial delay p50/p99, wall time
   from the reply carrying the key press to the arrival of ``EXEC Dial``, seen by the double.

Run: ``.venv/bin/python bench/whole_call_bench.py [--databases sqlite,postgres] [--check]``;
writes ``bench/results/whole_call.json``. Exit 0 either way; with ``--check``, 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _whole_driver import DriveResult, closed_loop, install_timing, paced
from _whole_pg import database_cpu_s, temporary_database
from _whole_plan import call_script, callers, write_plan
from _whole_process import WholeServer
from _whole_report import Run, check_report, print_summary, summarize

from ivr.clock import ManualClock
from ivr.sim.double import AsteriskDouble

RESULTS = Path(__file__).parent / "results" / "whole_call.json"
RUN_TIMEOUT_S = 120.0
CHANNELS_PER_RUN = 1_000_000  # uniqueids must differ across runs (the column is unique)
# After a rate run: the server counts as idle once it used under 5 % of a core for 50 ms.
SETTLE_WINDOW_S = 0.05
SETTLE_IDLE_SHARE = 0.05
SETTLE_TIMEOUT_S = 20.0


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.plan = write_plan(workdir / "bench-plan.yaml")
        self.scripts = (call_script(number) for number in callers())
        self.servers: dict[str, WholeServer] = {}
        self.placed: dict[str, int] = {}
        self.runs: list[Run] = []
        self.latency: dict[str, DriveResult] = {}
        self._channel_block = itertools.count(1)

    def start_switch(self, kind: str, url: str, store: str = "db") -> None:
        var_dir = self.workdir / kind
        argv = ["switch", url, str(self.plan), str(var_dir), store, str(self.args.aged_days)]
        self.servers[kind] = WholeServer.start(kind, argv + self._profile(kind))
        self.placed[kind] = 0

    def start_raw(self, commands: list[str]) -> None:
        path = self.workdir / "raw-commands.json"
        path.write_text(json.dumps(commands), encoding="utf-8")
        self.servers["raw"] = WholeServer.start("raw", ["raw", str(path), *self._profile("raw")])
        self.placed["raw"] = 0

    def _profile(self, kind: str) -> list[str]:
        wanted = self.args.profile
        return [str(self.args.output.with_name(f"whole-{kind}.prof"))] if kind in wanted else []

    async def capture_commands(self, kind: str) -> list[str]:
        """One call on the real switch: the exact lines the raw server will replay."""
        double = AsteriskDouble(ManualClock(), first_channel=0)
        report = await double.place_call("127.0.0.1", self.servers[kind].port, next(self.scripts))
        self.placed[kind] += 1
        if (reason := check_report(report)) is not None:
            raise SystemExit(f"{kind}: the bench call failed: {reason}\n{report.agi_log()}")
        return [exchange.raw.decode("utf-8", "surrogateescape") for exchange in report.exchanges]

    async def rate_run(self, kind: str, calls: int) -> Run:
        server = self.servers[kind]
        cpu0, driver0, db0 = server.cpu(), time.process_time(), self._database_cpu_s(kind)
        first = next(self._channel_block) * CHANNELS_PER_RUN
        work = closed_loop(
            server.port, self.scripts, calls, self.args.concurrency, check_report, first
        )
        result = await self._bounded(kind, work)
        driver_s = time.process_time() - driver0
        tail_s = await self._settle(kind)
        db_s = self._database_cpu_s(kind)
        database_s = None if db_s is None or db0 is None else db_s - db0
        return Run(kind, result, cpu0, server.cpu(), driver_s, database_s, tail_s)

    async def _settle(self, kind: str) -> float:
        """Have the server store what the run left to store, and return how long that took.
        The record writer stores behind the calls (write-behind) and, under load, lingers to
        group a call's checkpoints; the backlog at the last call's end is part of the run (its
        time counts in calls/s, unlingered, so that a store that falls behind cannot pass).
        Then wait until the server and the database are idle (not counted in the rate; in the
        CPU), so that nothing of this run slows the next kind's."""
        server = self.servers[kind]
        flush_s = await asyncio.get_running_loop().run_in_executor(None, server.flush)
        started = time.monotonic()
        busy = [server.busy_s(), self._database_cpu_s(kind) or 0.0]
        while time.monotonic() - started < SETTLE_TIMEOUT_S:
            await asyncio.sleep(SETTLE_WINDOW_S)
            now = [server.busy_s(), self._database_cpu_s(kind) or 0.0]
            if all(
                b - a < SETTLE_IDLE_SHARE * SETTLE_WINDOW_S for a, b in zip(busy, now, strict=True)
            ):
                break
            busy = now
        return flush_s

    @staticmethod
    def _database_cpu_s(kind: str) -> float | None:
        return database_cpu_s() if kind == "postgres" else None

    async def latency_run(self, kind: str) -> DriveResult:
        server = self.servers[kind]
        first = next(self._channel_block) * CHANNELS_PER_RUN
        calls = int(self.args.pace * self.args.latency_s)
        await asyncio.get_running_loop().run_in_executor(None, server.watch)
        work = paced(server.port, self.scripts, calls, self.args.pace, check_report, first)
        return await self._bounded(kind, work)

    async def _bounded(self, kind: str, work: Any) -> DriveResult:
        try:
            result: DriveResult = await asyncio.wait_for(work, RUN_TIMEOUT_S)
        except TimeoutError:
            raise SystemExit(f"{kind}: a run took over {RUN_TIMEOUT_S} s") from None
        self.placed[kind] += result.calls
        if result.failures:
            raise SystemExit(f"{kind}: {len(result.failures)} bad calls, e.g. {result.failures[0]}")
        return result

    async def measure(self) -> None:
        kinds = list(self.servers)
        install_timing(0.0)
        for kind in kinds:  # warm up: imports, caches, pools, the plan read
            await self.rate_run(kind, max(200, self.args.calls // 5))
        for index in range(self.args.rounds):
            shift = index % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                self.runs.append(await self.rate_run(kind, self.args.calls))
            print(f"rate round {index + 1}/{self.args.rounds} done", file=sys.stderr)
        install_timing(self.args.hold)
        for kind in kinds:
            self.latency[kind] = await self.latency_run(kind)
            print(f"latency run {kind} done", file=sys.stderr)

    def stop_all(self) -> dict[str, dict[str, Any]]:
        return {kind: server.stop() for kind, server in self.servers.items()}


async def run_bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    bench = Bench(args, workdir)
    stats: dict[str, dict[str, Any]] = {}
    try:
        async with temporary_database(enabled="postgres" in args.databases) as pg_url:
            if "sqlite" in args.databases:
                bench.start_switch("sqlite", f"sqlite+aiosqlite:///{workdir / 'ivr.sqlite3'}")
            if pg_url is not None:
                bench.start_switch("postgres", pg_url)
            bench.start_switch("noop", f"sqlite+aiosqlite:///{workdir / 'noop.sqlite3'}", "noop")
            bench.start_raw(await bench.capture_commands(next(iter(bench.servers))))
            try:
                await bench.measure()
            finally:
                stats = bench.stop_all()
    except BaseException:
        for server in bench.servers.values():
            if server.popen.poll() is None:
                server.popen.kill()
        raise
    return summarize(bench.runs, bench.latency, stats, bench.placed, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--calls", type=int, default=2000, help="calls per rate run")
    parser.add_argument("--rounds", type=int, default=3, help="rate runs per kind")
    parser.add_argument("--concurrency", type=int, default=200, help="calls in flight (rate)")
    parser.add_argument("--pace", type=float, default=200.0, help="calls/s (latency phase)")
    parser.add_argument("--hold", type=float, default=1.0, help="real s each Dial is held")
    parser.add_argument("--aged-days", type=int, default=0, help="past days of cap counters")
    parser.add_argument("--latency-s", type=float, default=10.0, help="latency phase length")
    parser.add_argument("--profile", default="", help="kinds to run under cProfile, e.g. sqlite")
    parser.add_argument("--check", action="store_true", help="exit 1 on any FAIL")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()
    args.databases = {name.strip() for name in args.databases.split(",") if name.strip()}
    args.profile = {name.strip() for name in args.profile.split(",") if name.strip()}
    if not args.databases or not args.databases <= {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite, postgres or both")
    if not 100 <= args.calls <= 50_000 or not 1 <= args.rounds <= 20:
        parser.error("--calls must be 100..50000, --rounds 1..20")
    if not 1 <= args.concurrency <= 1000 or not 1 <= args.pace <= 2000:
        parser.error("--concurrency must be 1..1000, --pace 1..2000")
    if not 0 <= args.hold <= 30 or not 1 <= args.latency_s <= 120:
        parser.error("--hold must be 0..30, --latency-s 1..120")
    if not 0 <= args.aged_days <= 3660:
        parser.error("--aged-days must be 0..3660")
    return args


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ivr-whole-bench-") as tmp:
        summary = asyncio.run(run_bench(args, Path(tmp)))
    summary["elapsed_s"] = round(time.perf_counter() - started, 1)
    print_summary(summary)
    args.output.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"results written to {args.output}")
    return 1 if args.check and not summary["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
