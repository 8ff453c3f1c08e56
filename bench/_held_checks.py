"""What the held-calls benchmark checks after the release, and its lag percentiles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ivr.sim.report import CallReport

TALK_TOLERANCE_S = Decimal("0.010")  # STRFTIME's milliseconds against the double's float time
MAX_PROBLEMS = 50  # listed; the count is always complete


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"count": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(samples_ms)
    last = len(ordered) - 1
    return {
        "count": len(ordered),
        "p50": ordered[round(0.50 * last)],
        "p99": ordered[round(0.99 * last)],
        "max": ordered[-1],
    }


def check_reports(reports: list[CallReport]) -> list[str]:
    """Each call as the double saw it: bridged to the buyer, then handled to the end."""
    problems = []
    for report in reports:
        dials = report.dials
        if not report.connected:
            problems.append(f"{report.uniqueid}: no connection")
        elif len(dials) != 1 or dials[0].dialstatus != "ANSWER" or dials[0].talk_s <= 0:
            problems.append(f"{report.uniqueid}: dials {[d.dialstatus for d in dials]}")
        elif report.agistatus != "SUCCESS" or not report.ivr_done:
            problems.append(f"{report.uniqueid}: AGISTATUS={report.agistatus}, not IVR_DONE")
    return problems


def check_records(
    stored: dict[str, Any], reports: list[CallReport], warm_up: int
) -> dict[str, Any]:
    """Every stored record closed as connected with its durations, one per call placed, and
    the talk time the app stored equal to the time the double held the bridge."""
    calls: dict[str, list[Any]] = stored["calls"]
    problems: list[str] = []
    if not stored["flushed"]:
        problems.append("the record writer did not flush in time")
    if len(calls) != warm_up + len(reports):
        problems.append(f"{len(calls)} records for {warm_up + len(reports)} calls")
    if stored["attempts_not_ended"]:
        problems.append(f"{stored['attempts_not_ended']} Dial attempts never ended")
    for uniqueid, (status, disposition, talk, ring, ivr, ended, _billable) in calls.items():
        if (status, disposition, ended) != ("closed", "connected", True) or None in (
            talk,
            ring,
            ivr,
        ):
            problems.append(f"{uniqueid}: {status} {disposition} talk={talk} ring={ring} ivr={ivr}")
    for report in reports:
        row = calls.get(report.uniqueid)
        if row is None or row[2] is None or not report.dials:
            continue  # counted above
        held = Decimal(str(report.dials[0].talk_s))
        if abs(Decimal(row[2]) - held) > TALK_TOLERANCE_S:
            problems.append(f"{report.uniqueid}: stored talk {row[2]} s, held {held:.3f} s")
    return {
        "stored": len(calls),
        "problem_count": len(problems),
        "problems": problems[:MAX_PROBLEMS],
    }
