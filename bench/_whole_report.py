"""What the whole-call benchmark checks on every call, and the figures and verdicts it prints."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass
from typing import Any

from _whole_driver import DriveResult
from _whole_process import CpuSample

from ivr.sim.report import CallReport

DB_KINDS = ("sqlite", "postgres")
GOAL_CALLS_PER_S = 300.0
GOAL_CPU_MS = 4.0
GOAL_RAW_RATIO = 0.5
GOAL_PDD_P99_MS = 10.0
DOUBLE_BOUND_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class Run:
    kind: str
    result: DriveResult
    cpu0: CpuSample
    cpu1: CpuSample
    driver_s: float
    database_s: float | None  # the PostgreSQL server's CPU over the run (postgres kind only)
    tail_s: float  # how long the server took to store its backlog after the run's last call

    @property
    def calls_per_s(self) -> float:
        """Calls placed until every one is stored: the backlog the server had left at the last
        call's end counts (a rate the store cannot keep up with is not a rate)."""
        return self.result.calls / (self.result.wall_s + self.tail_s)

    @property
    def process_cpu_ms(self) -> float:
        return 1000 * (self.cpu1.process_s - self.cpu0.process_s) / self.result.calls

    @property
    def main_cpu_ms(self) -> float:
        return 1000 * (self.cpu1.main_s - self.cpu0.main_s) / self.result.calls

    @property
    def database_cpu_ms(self) -> float | None:
        return None if self.database_s is None else 1000 * self.database_s / self.result.calls

    @property
    def double_share(self) -> float:
        return self.driver_s / self.result.wall_s


def check_report(report: CallReport) -> str | None:
    """Why this call did not run the whole path, or None when it did."""
    if not report.connected:
        return "no connection"
    if report.agistatus != "SUCCESS":
        return f"AGISTATUS={report.agistatus}"
    if not report.ivr_done:
        return "IVR_DONE was not set"
    if [digit for _, digit in report.digits] != ["1"]:
        return f"digits acted on: {report.digits}"
    if len(report.dials) != 1 or report.dials[0].dialstatus != "ANSWER":
        return f"dials: {[d.dialstatus for d in report.dials]}"
    # The answer Gosub records the buyer's leg (Dial's U() option names the file).
    if [recording.channel for recording in report.recordings] != [report.dials[0].leg]:
        return "no recording of the answered leg"
    return None


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(1000 * value, 3)


def _rounds(runs: list[Run], kinds: list[str]) -> list[dict[str, Run]]:
    per_kind = {kind: [run for run in runs if run.kind == kind] for kind in kinds}
    count = min(len(v) for v in per_kind.values())
    return [{kind: per_kind[kind][i] for kind in kinds} for i in range(count)]


def _median_or_none(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def _kind_figures(runs: list[Run], latency: DriveResult | None) -> dict[str, Any]:
    delays = [d for run in runs for d in run.result.post_dial_delays_s]
    figures: dict[str, Any] = {
        "calls_per_s": statistics.median(run.calls_per_s for run in runs),
        "process_cpu_ms_per_call": statistics.median(run.process_cpu_ms for run in runs),
        "main_thread_cpu_ms_per_call": statistics.median(run.main_cpu_ms for run in runs),
        "double_cpu_share": statistics.median(run.double_share for run in runs),
        "database_cpu_ms_per_call": _median_or_none([run.database_cpu_ms for run in runs]),
        "tail_s": statistics.median(run.tail_s for run in runs),
        "saturated_pdd_ms": {"p50": _ms(_percentile(delays, 0.5)),
                             "p99": _ms(_percentile(delays, 0.99))},
        "runs": [{"calls": r.result.calls, "wall_s": r.result.wall_s, "calls_per_s": r.calls_per_s,
                  "process_cpu_ms": r.process_cpu_ms, "main_cpu_ms": r.main_cpu_ms,
                  "database_cpu_ms": r.database_cpu_ms, "double_share": r.double_share,
                  "tail_s": r.tail_s}
                 for r in runs],
    }  # fmt: skip
    if latency is not None:
        delays = latency.post_dial_delays_s
        figures["paced"] = {
            "calls": latency.calls,
            "calls_per_s": latency.calls / latency.wall_s,
            "max_in_flight": latency.max_in_flight,
            "pdd_ms": {"p50": _ms(_percentile(delays, 0.5)),
                       "p99": _ms(_percentile(delays, 0.99)),
                       "max": _ms(max(delays, default=None))},
        }  # fmt: skip
    return figures


def _goals(kind: str, figures: dict[str, Any], raw_ratio: float) -> dict[str, Any]:
    pdd = figures.get("paced", {}).get("pdd_ms", {}).get("p99")
    return {
        "calls_per_s": [figures["calls_per_s"], f">= {GOAL_CALLS_PER_S:.0f}",
                        figures["calls_per_s"] >= GOAL_CALLS_PER_S],
        "cpu_ms_per_call": [figures["process_cpu_ms_per_call"], f"<= {GOAL_CPU_MS}",
                            figures["process_cpu_ms_per_call"] <= GOAL_CPU_MS],
        "raw_ratio": [raw_ratio, f">= {GOAL_RAW_RATIO}", raw_ratio >= GOAL_RAW_RATIO],
        "pdd_p99_ms": [pdd, f"<= {GOAL_PDD_P99_MS}", pdd is not None and pdd <= GOAL_PDD_P99_MS],
    }  # fmt: skip


def summarize(
    runs: list[Run],
    latency: dict[str, DriveResult],
    stats: dict[str, dict[str, Any]],
    placed: dict[str, int],
    args: argparse.Namespace,
) -> dict[str, Any]:
    kinds = list(dict.fromkeys(run.kind for run in runs))
    rounds = _rounds(runs, kinds)
    kinds_out = {k: _kind_figures([r for r in runs if r.kind == k], latency.get(k)) for k in kinds}
    summary: dict[str, Any] = {"kinds": kinds_out, "goals": {}, "stored": {}, "passed": True}
    for kind in (k for k in DB_KINDS if k in kinds):
        raw_ratio = statistics.median(r[kind].calls_per_s / r["raw"].calls_per_s for r in rounds)
        storage = statistics.median(r[kind].calls_per_s / r["noop"].calls_per_s for r in rounds)
        kinds_out[kind]["raw_ratio"] = raw_ratio
        kinds_out[kind]["vs_noop_store_ratio"] = storage
        goals = _goals(kind, kinds_out[kind], raw_ratio)
        summary["goals"][kind] = goals
        connected = stats.get(kind, {}).get("stored", {}).get("connected", 0)
        summary["stored"][kind] = {"placed": placed[kind], "connected_rows": connected,
                                   "server": stats.get(kind)}  # fmt: skip
        ok = all(goal[2] for goal in goals.values()) and connected == placed[kind]
        summary["passed"] = summary["passed"] and ok
    summary["servers"] = stats
    summary["settings"] = {k: sorted(v) if isinstance(v, set) else v
                           for k, v in vars(args).items() if k != "output"}  # fmt: skip
    return summary


def print_summary(summary: dict[str, Any]) -> None:
    kinds = summary["kinds"]
    print("\nRATE (closed loop): medians of the rounds; the server's CPU per call")
    print(f"{'kind':>9} {'calls/s':>8} {'cpu ms':>7} {'main ms':>8} {'vs raw':>7} {'vs noop':>8} "
          f"{'sat. PDD p50/p99 ms':>20} {'double cpu':>10} {'db ms':>6} {'tail s':>6}")  # fmt: skip
    for kind, f in kinds.items():
        pdd = f["saturated_pdd_ms"]
        sat = f"{_fmt(pdd['p50'])} / {_fmt(pdd['p99'])}"
        print(f"{kind:>9} {f['calls_per_s']:>8.0f} {f['process_cpu_ms_per_call']:>7.2f} "
              f"{f['main_thread_cpu_ms_per_call']:>8.2f} {_fmt(f.get('raw_ratio')):>7} "
              f"{_fmt(f.get('vs_noop_store_ratio')):>8} {sat:>20} "
              f"{f['double_cpu_share']:>10.0%} "
              f"{_fmt(f['database_cpu_ms_per_call']):>6} {f['tail_s']:>6.2f}")  # fmt: skip
    print("\nLATENCY (paced): post-dial delay, key-press reply -> EXEC Dial, real wall time")
    for kind, f in kinds.items():
        if "paced" in f:
            p = f["paced"]
            print(f"{kind:>9} {p['calls_per_s']:>6.0f} calls/s, up to {p['max_in_flight']} in "
                  f"progress: p50 {_fmt(p['pdd_ms']['p50'])} ms  p99 {_fmt(p['pdd_ms']['p99'])} ms"
                  f"  max {_fmt(p['pdd_ms']['max'])} ms")  # fmt: skip
    _print_stalls(summary.get("servers", {}))
    for kind, server in summary.get("servers", {}).items():
        if aged := (server or {}).get("aged"):
            print(f"{kind:>9} aged store: {aged['inserted']} past counters, the janitor's first "
                  f"sweep deleted {aged['swept']} in {aged['sweep_s']:.2f} s")  # fmt: skip
    print("\nSERVER (whole process life): garbage collections and write batches")
    for kind, server in summary.get("servers", {}).items():
        if server and "gc_collections" in server:
            print(f"{kind:>9} gc {server['gc_collections']} collections, longest "
                  f"{server['gc_longest_ms']} ms, total {server['gc_total_ms']} ms; "
                  f"{server['write_batches']} write batches, longest "
                  f"{server['longest_write_batch_s'] * 1000:.0f} ms")  # fmt: skip
    print("\nGOALS")
    for kind, goals in summary["goals"].items():
        for name, (value, target, ok) in goals.items():
            verdict = "PASS" if ok else "FAIL"
            print(f"{verdict}  {kind:>8} {name:<16} {_goal_fmt(value):>9} (goal {target})")
        stored = summary["stored"][kind]
        ok = stored["placed"] == stored["connected_rows"]
        print(f"{'PASS' if ok else 'FAIL'}  {kind:>8} {'records stored':<16} "
              f"{stored['connected_rows']} of {stored['placed']} calls")  # fmt: skip
    print("\nnote: the box has 2 cores shared by the server, the double and the database; absolute "
          "figures are noisy, compare the ratios measured in this run. CPU ms/call counts every "
          "thread of the server process (main = its event loop alone); db ms/call is the "
          "PostgreSQL server's own CPU; tail s is how long the server took to store its backlog "
          "once the last call ended, counted in calls/s and CPU.")  # fmt: skip
    if any(f["double_cpu_share"] >= DOUBLE_BOUND_SHARE for f in kinds.values()):
        print("note: the double used about a whole core in some runs: it limited their rate.")
    print("OVERALL: " + ("PASS" if summary["passed"] else "FAIL"))


def _print_stalls(servers: dict[str, dict[str, Any]]) -> None:
    """What held each server's event loop during the latency phase (``_loop_stalls``): every
    call's next step waited behind these, so they make the post-dial delay's tail."""
    for kind, server in servers.items():
        stalls = (server or {}).get("stalls")
        if not stalls:
            continue
        top = list(stalls["by_owner"].items())[:4]
        owners = ", ".join(f"{owner} {n} (longest {longest:.1f})" for owner, (n, longest, _) in top)
        print(
            f"{kind:>9} loop held over {stalls['over_ms']:.0f} ms: {stalls['count']} times, "
            f"longest {stalls['longest_ms']:.1f} ms{': ' + owners if owners else ''}"
        )


def _goal_fmt(value: float) -> str:
    """A figure against its goal, precise enough that the verdict can be read off it: a ratio
    of 0.498 printed as 0.50 read as a FAIL at the goal of 0.5."""
    return f"{value:.3f}" if abs(value) < 10 else _fmt(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
