"""FastAGI server benchmark (not a test): ``ivr.agi`` against a minimal raw asyncio server.

Both servers run the same 10-command session (``bench/_agi_session.py``; the bench first checks
that both send byte-identical commands), each in its own process, driven over loopback by the
Asterisk double (``ivr.sim.AsteriskDouble``) in this process, ``--concurrency`` calls in flight.
Runs alternate (real, raw, raw, real, ...); every figure is the median of per-pair ratios, never
an absolute time: the box is noisy. Every call's report is checked (10 commands, digit read,
buyer answered, AGISTATUS=SUCCESS), so a server cannot look fast by skipping work.

* sessions/s: end-to-end, double included. When the double's own CPU is near 100 % (column
  "double cpu %") it is the bottleneck and this ratio is diluted towards 1.
* server CPU ms/session: the server's main thread's CPU time (Linux schedstat, ns), i.e. how
  many sessions/s it could sustain on one core. Its ratio (raw / real) isolates the server.

PASS needs both median ratios (real / raw sessions/s, raw / real CPU) at or above ``--target``.
Run: ``.venv/bin/python bench/agi_bench.py [--sessions N] [--rounds R] [--check]``; writes
``bench/results/agi.json``. Exit 0 either way; with ``--check``, 1 on FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from _agi_process import ServerProcess
from _agi_session import call_script, check_report

from ivr.clock import ManualClock
from ivr.sim.double import AsteriskDouble

RESULTS = Path(__file__).parent / "results" / "agi.json"
KINDS = ("real", "raw")
# asyncio servers listen with a backlog of 100: more connects at once overflow it, and the
# kernel's 1 s SYN retries would measure the backlog instead of the server.
MAX_CONCURRENCY = 100
MAX_SESSIONS = 20_000
MAX_ROUNDS = 50
DOUBLE_BOUND_SHARE = 0.9
RUN_TIMEOUT_S = 60.0  # a run that takes longer means a stuck server: stop, do not hang


@dataclass(frozen=True, slots=True)
class RunResult:
    kind: str
    sessions: int
    wall_s: float
    server_cpu_s: float
    driver_cpu_s: float

    @property
    def sessions_per_s(self) -> float:
        return self.sessions / self.wall_s

    @property
    def server_cpu_ms(self) -> float:
        return 1000 * self.server_cpu_s / self.sessions


async def drive(port: int, sessions: int, concurrency: int) -> list[str]:
    """Place ``sessions`` calls, ``concurrency`` at a time; the failures, as reasons."""
    double = AsteriskDouble(ManualClock())
    script = call_script()
    failures: list[str] = []
    left = sessions

    async def caller() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            reason = check_report(await double.place_call("127.0.0.1", port, script))
            if reason is not None:
                failures.append(reason)

    await asyncio.gather(*(caller() for _ in range(min(concurrency, sessions))))
    return failures


async def timed_run(server: ServerProcess, sessions: int, concurrency: int) -> RunResult:
    cpu0, driver0, wall0 = server.cpu_seconds(), time.process_time(), time.perf_counter()
    try:
        failures = await asyncio.wait_for(drive(server.port, sessions, concurrency), RUN_TIMEOUT_S)
    except TimeoutError:
        raise SystemExit(
            f"{server.kind}: {sessions} sessions took over {RUN_TIMEOUT_S} s"
        ) from None
    wall = time.perf_counter() - wall0
    driver_cpu = time.process_time() - driver0
    # the server's last closes may still be running: let it go idle before reading its CPU
    await asyncio.sleep(0.05)
    server_cpu = server.cpu_seconds() - cpu0
    if failures:
        raise SystemExit(f"{server.kind}: {len(failures)} bad calls, e.g. {failures[0]}")
    return RunResult(server.kind, sessions, wall, server_cpu, driver_cpu)


async def same_commands(servers: dict[str, ServerProcess]) -> None:
    """Both servers must send Asterisk byte-identical command lines, or the race is unfair."""
    seen = {}
    for kind, server in servers.items():
        report = await AsteriskDouble(ManualClock()).place_call(
            "127.0.0.1", server.port, call_script()
        )
        if (reason := check_report(report)) is not None:
            raise SystemExit(f"{kind}: the bench session failed: {reason}")
        seen[kind] = report.commands
    if seen["real"] != seen["raw"]:
        raise SystemExit(f"the servers send different commands: {seen}")


def profile_path(args: argparse.Namespace, kind: str) -> Path | None:
    return args.output.with_name(f"agi-{kind}.prof") if args.profile else None


async def measure(args: argparse.Namespace) -> list[tuple[RunResult, RunResult]]:
    servers = {kind: ServerProcess.start(kind, profile_path(args, kind)) for kind in KINDS}
    try:
        await same_commands(servers)
        for server in servers.values():  # warm up: imports, caches, socket buffers
            await timed_run(server, args.sessions // 5, args.concurrency)
        pairs = []
        for index in range(args.rounds):
            order = KINDS if index % 2 == 0 else KINDS[::-1]
            runs = {k: await timed_run(servers[k], args.sessions, args.concurrency) for k in order}
            pairs.append((runs["real"], runs["raw"]))
            print(f"round {index + 1}/{args.rounds} done", file=sys.stderr)
        return pairs
    finally:
        for server in servers.values():
            server.stop()


def summarize(pairs: list[tuple[RunResult, RunResult]], target: float) -> dict[str, object]:
    throughput = [real.sessions_per_s / raw.sessions_per_s for real, raw in pairs]
    efficiency = [raw.server_cpu_s / real.server_cpu_s for real, raw in pairs]
    median_throughput = statistics.median(throughput)
    median_efficiency = statistics.median(efficiency)

    double_share = [
        (real.driver_cpu_s + raw.driver_cpu_s) / (real.wall_s + raw.wall_s) for real, raw in pairs
    ]

    def median_of(kind: int, attribute: str) -> float:
        return statistics.median(getattr(pair[kind], attribute) for pair in pairs)

    return {
        "target": target,
        "sessions_per_s": {
            "real": median_of(0, "sessions_per_s"),
            "raw": median_of(1, "sessions_per_s"),
        },
        "server_cpu_ms_per_session": {
            "real": median_of(0, "server_cpu_ms"),
            "raw": median_of(1, "server_cpu_ms"),
        },
        "double_cpu_share": statistics.median(double_share),
        "throughput_ratio": median_throughput,
        "cpu_ratio": median_efficiency,
        "throughput_ratios": throughput,
        "cpu_ratios": efficiency,
        "passed": min(median_throughput, median_efficiency) >= target,
        "runs": [
            {**asdict(run), "sessions_per_s": run.sessions_per_s} for pair in pairs for run in pair
        ],
    }


def print_table(summary: dict[str, object], pairs: list[tuple[RunResult, RunResult]]) -> None:
    print(
        f"{'round':>5} {'real s/s':>9} {'raw s/s':>9} {'ratio':>6} "
        f"{'real cpu ms':>11} {'raw cpu ms':>10} {'ratio':>6} {'double cpu %':>12}"
    )
    for index, (real, raw) in enumerate(pairs, start=1):
        driver = 100 * (real.driver_cpu_s + raw.driver_cpu_s) / (real.wall_s + raw.wall_s)
        print(
            f"{index:>5} {real.sessions_per_s:>9.0f} {raw.sessions_per_s:>9.0f} "
            f"{real.sessions_per_s / raw.sessions_per_s:>6.2f} {real.server_cpu_ms:>11.3f} "
            f"{raw.server_cpu_ms:>10.3f} {raw.server_cpu_s / real.server_cpu_s:>6.2f} "
            f"{driver:>12.0f}"
        )
    rate, cpu = summary["sessions_per_s"], summary["server_cpu_ms_per_session"]
    assert isinstance(rate, dict) and isinstance(cpu, dict)
    print(
        f"median sessions/s      real {rate['real']:.0f}  raw {rate['raw']:.0f}  "
        f"ratio {summary['throughput_ratio']:.3f}"
    )
    print(
        f"median server CPU ms   real {cpu['real']:.3f}  raw {cpu['raw']:.3f}  "
        f"ratio {summary['cpu_ratio']:.3f} (raw / real)"
    )
    share = summary["double_cpu_share"]
    assert isinstance(share, float)
    if share >= DOUBLE_BOUND_SHARE:
        print(
            f"note: the double used {share:.0%} of a core: it is the bottleneck, so the "
            "sessions/s ratio is diluted; the CPU ratio is the server's own"
        )
    verdict = "PASS" if summary["passed"] else "FAIL"
    print(f"{verdict}: both ratios must be >= {summary['target']:.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=1000, help="sessions per run")
    parser.add_argument("--concurrency", type=int, default=100, help="calls in flight")
    parser.add_argument("--rounds", type=int, default=15, help="real/raw run pairs")
    parser.add_argument("--target", type=float, default=0.80, help="minimum ratio")
    parser.add_argument("--check", action="store_true", help="exit 1 on FAIL")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile both servers (skews the ratios)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY} (the listen backlog)")
    if not 100 <= args.sessions <= MAX_SESSIONS or not 1 <= args.rounds <= MAX_ROUNDS:
        parser.error(f"--sessions must be 100..{MAX_SESSIONS}, --rounds 1..{MAX_ROUNDS}")
    return args


def main() -> int:
    args = parse_args()
    pairs = asyncio.run(measure(args))
    summary = summarize(pairs, args.target)
    summary["settings"] = {k: v for k, v in vars(args).items() if k != "output"}
    print_table(summary, pairs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    print(f"results written to {args.output}")
    return 1 if args.check and not summary["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
