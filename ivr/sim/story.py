"""A call's story as text: what ``ivr simulate`` prints.

It is told from the stored record (as the web API returns it: the call, its events and its
routing attempts), so it shows exactly what the switch decided and booked, plus what the
Asterisk double saw on its side of the wire.
"""

from __future__ import annotations

from typing import Any

from ivr.sim.report import CallReport


def tell(record: dict[str, Any] | None, report: CallReport) -> str:
    lines = _double_side(report)
    if record is None:
        lines.append("no call record was found on the switch")
        return "\n".join(lines)
    lines += _header(record)
    for event in record.get("events", []):
        lines += _event(event["kind"], event["detail"])
    lines += _ending(record)
    return "\n".join(lines)


def _double_side(report: CallReport) -> list[str]:
    out = [f"call {report.uniqueid} on {report.script.did} from {report.script.caller}"]
    if not report.connected:
        out.append("  the FastAGI server did not answer: AGISTATUS=FAILURE, dialplan fail-safe")
        return out
    for prompt in report.prompts:
        out.append(f"  heard   {prompt.name}")
    if report.digits:
        out.append("  pressed " + "".join(digit for _, digit in report.digits))
    variables = {k: v for k, v in report.variables.items() if k.startswith("IVR_")}
    out.append(f"  AGISTATUS={report.agistatus} {variables}")
    out += [f"  CONTRACT VIOLATION: {v}" for v in report.violations]
    return out


def _header(record: dict[str, Any]) -> list[str]:
    return [
        f"record {record['ref']} ({record['status']}, from {record['data_source']})",
        f"  campaign {record['campaign_id']}, publisher {record['publisher_id']}, "
        f"caller state {record['caller_state']}",
    ]


def _event(kind: str, detail: dict[str, Any]) -> list[str]:
    if kind == "screen":
        return [f"  screening: {detail['reason']} ({detail['detail']})"]
    if kind == "menu.step":
        pressed = f" pressed {detail['input']}" if detail.get("input") else ""
        goes = f" -> {detail['next']}" if detail.get("next") else ""
        prompt = detail.get("prompt") or ""
        return [f"  ivr  {detail['node']:<14} {detail['type']:<7} {prompt:<22}"
                f"{detail['result']}{pressed}{goes}"]  # fmt: skip
    if kind == "route.decision":
        out = [f"  route: ranked {', '.join(detail['ranked']) or '(none)'}"]
        out += [f"    skipped {e['target']}: {e['reason']} ({e['detail']})"
                for e in detail["excluded"]]  # fmt: skip
        return out
    if kind == "route.claim_lost":
        return [f"    skipped {detail['target']}: its cap or concurrency filled meanwhile"]
    if kind == "dial.end":
        talk = f", talked {detail['talk_s']} s" if detail.get("talk_s") else ""
        sip = detail.get("tech_cause") or "no SIP answer"
        return [f"  dial {detail['target'] or 'fallback'}: {detail['status']} after "
                f"{detail['ring_s']} s ringing{talk} ({sip})"]  # fmt: skip
    if kind == "attribution.unknown":
        return [f"  {detail['did']} is no tracking number"]
    return []


def _ending(record: dict[str, Any]) -> list[str]:
    billable = "billable" if record["billable"] else "not billable"
    return [
        f"  ended {record['disposition']}"
        + (f" ({record['reject_reason']})" if record.get("reject_reason") else ""),
        f"  durations: IVR {record['ivr_s']} s, ring {record['ring_s']} s, "
        f"talk {record['talk_s']} s",
        f"  {billable}: {record['billable_reason']}; revenue {record['revenue']}, "
        f"payout {record['payout']}, margin {record['margin']}",
        f"  recording: {record['recording_path'] or 'none'}",
    ]
