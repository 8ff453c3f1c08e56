"""The live calls list as an operator reads it: AMI's picture (in IVR, ringing target X,
talking to target X, for N seconds) joined to the app's record of each call (campaign,
publisher) and to the plan (which target an endpoint is). Pure: no I/O.

The join key is the caller channel's Uniqueid: it is the Linkedid of every channel of the call
and the `agi_uniqueid` the inbound session was opened with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ivr.ami.state import CallStateTracker
from ivr.ami.targets import target_of


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What the app knows of a live call (from its CallLog)."""

    ref: str
    campaign_id: str | None
    publisher_id: str | None
    caller: str | None


def live_snapshot(
    tracker: CallStateTracker,
    facts: Mapping[str, CallFacts],
    endpoints: Mapping[str, str],
    now: float,
) -> dict[str, Any]:
    """`facts` by caller uniqueid, `endpoints` dial string -> target id."""
    calls = []
    campaigns: Counter[str] = Counter()
    for live in tracker.live_calls():
        record = tracker.calls.get(live.linkedid)
        uniqueid = record.caller_uniqueid if record is not None else live.linkedid
        known = facts.get(uniqueid) or facts.get(live.linkedid)
        if known is not None and known.campaign_id:
            campaigns[known.campaign_id] += 1
        calls.append(
            {
                "uniqueid": uniqueid,
                "linkedid": live.linkedid,
                "channel": live.caller_channel,
                "phase": live.phase,
                "endpoint": live.target,
                "target_id": target_of(live.target, endpoints),
                "since": live.since,
                "for_s": round(max(0.0, now - live.since), 3),
                "call_ref": known.ref if known else None,
                "campaign_id": known.campaign_id if known else None,
                "publisher_id": known.publisher_id if known else None,
                "caller": known.caller if known else None,
            }
        )
    return {
        "calls": calls,
        "concurrency": concurrency_by_target(tracker, endpoints),
        "campaigns": dict(campaigns),
    }


def concurrency_by_target(
    tracker: CallStateTracker, endpoints: Mapping[str, str]
) -> dict[str, int]:
    """Lines in use per target id; an endpoint that is no plan target is listed as dialled."""
    counts: Counter[str] = Counter()
    for endpoint, lines in tracker.concurrency().items():
        counts[target_of(endpoint, endpoints) or endpoint] += lines
    return {key: n for key, n in counts.items() if n}


def change_of(event: Mapping[str, str], snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """One SSE message: the AMI event that changed something and the call as it is now
    (None once it ended)."""
    linkedid = event.get("Linkedid") or ""
    call = next((c for c in snapshot["calls"] if c["linkedid"] == linkedid), None)
    return {
        "event": event.get("Event"),
        "linkedid": linkedid,
        "uniqueid": event.get("Uniqueid"),
        "call": call,
        "concurrency": snapshot["concurrency"],
        "campaigns": snapshot["campaigns"],
    }
