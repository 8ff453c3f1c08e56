"""A call snapshot (``CallLog.snapshot()``, as journalled) turned into table rows: one ``calls``
row (its event timeline included, as the snapshot's JSON list) and its ``routing_attempts``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

DID_LEN = 32
NUMBER_LEN = 64
NAME_LEN = 128


def _at(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _seconds(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.001"))


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def call_row(snap: dict[str, Any], menu_version_id: int | None) -> dict[str, Any]:
    return {
        "ref": snap["id"],
        "version": snap["version"],
        "uniqueid": snap.get("uniqueid") or None,
        "channel": (snap.get("channel") or "")[:128] or None,
        "did": (snap.get("did") or snap.get("did_raw") or "")[:DID_LEN],
        "caller_number": (snap.get("caller") or snap.get("caller_raw") or "")[:NUMBER_LEN] or None,
        "caller_name": (snap.get("caller_name") or "")[:NAME_LEN] or None,
        "caller_state": snap.get("caller_state"),
        "campaign_id": snap.get("campaign_id"),
        "publisher_id": snap.get("publisher_id"),
        "target_id": snap.get("target_id"),
        "menu_version_id": menu_version_id,
        "started_at": _at(snap["started_at"]),
        "answered_at": _at(snap.get("answered_at")),
        "ended_at": _at(snap.get("ended_at")),
        "ivr_s": _seconds(snap.get("ivr_s")),
        "ring_s": _seconds(snap.get("ring_s")),
        "talk_s": _seconds(snap.get("talk_s")),
        "disposition": snap.get("disposition"),
        "billable": bool(snap.get("billable")),
        "billable_reason": snap.get("billable_reason"),
        "duplicate": bool(snap.get("duplicate")),
        "revenue": _money(snap.get("revenue")),
        "payout": _money(snap.get("payout")),
        "margin": _money(snap.get("margin")),
        "recording_path": snap.get("recording_path"),
        "tags": list(snap.get("tags") or []),
        "gathered": dict(snap.get("gathered") or {}),
        "events": snap.get("events") or [],
        "data_source": snap.get("data_source") or "agi",
        "status": snap.get("status") or "open",
        "reject_reason": snap.get("reject_reason"),
        "region": snap.get("region"),
    }


def attempt_rows(call_id: int, snap: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for attempt in snap.get("attempts") or []:
        cause = attempt.get("hangup_cause")
        rows.append(
            {
                "call_id": call_id,
                "seq": attempt["seq"],
                "target_id": attempt.get("target_id"),
                "dial_string": attempt["dial_string"][:300],
                "started_at": _at(attempt["started_at"]),
                "answered_at": _at(attempt.get("answered_at")),
                "ended_at": _at(attempt.get("ended_at")),
                "dial_status": attempt.get("dial_status"),
                "hangup_cause": int(cause) if cause and str(cause).isdigit() else None,
                "tech_cause": attempt.get("tech_cause"),
                "outcome": (attempt.get("dial_status") or "").lower() or None,
            }
        )
    return rows
