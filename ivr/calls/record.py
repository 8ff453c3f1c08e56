"""The record of one call, as it grows: who called, what the menu did, which targets were tried,
how long each part took, and what the call earned.

It is plain data kept in memory during the call. At each checkpoint (opened, routing, closed)
its ``snapshot()`` goes to the journal, from which the database is fed. A snapshot is the whole
record with a version number, so the store keeps the latest and replays are harmless.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Disposition(StrEnum):
    """How a call ended, from the switch's point of view."""

    UNKNOWN_NUMBER = "unknown_number"  # the DID is no tracking number
    REJECTED = "rejected"  # screening refused it (see reject_reason)
    ABANDONED_IVR = "abandoned_ivr"  # the caller hung up during the menu
    FILTERED = "filtered"  # the menu screened the caller out (e.g. existing customer)
    IVR_HANGUP = "ivr_hangup"  # the menu gave up on the caller (e.g. no valid key pressed)
    FAILED_IVR = "failed_ivr"  # the menu could not be run
    CONNECTED = "connected"  # bridged to a buyer target
    FALLBACK = "fallback"  # bridged to the campaign's fallback destination
    NO_ANSWER = "no_answer"  # every target and the fallback failed
    ABANDONED_RINGING = "abandoned_ringing"  # the caller hung up while a target rang
    FAILED = "failed"  # the app failed; the dialplan's fail-safe route took the call


@dataclass(slots=True)
class CallEvent:
    at: float
    kind: str
    detail: dict[str, Any]


@dataclass(slots=True)
class Attempt:
    """One Dial of one destination."""

    seq: int
    target_id: str | None  # None for the fallback destination
    buyer_id: str | None
    dial_string: str
    started_at: float
    ended_at: float | None = None
    answered_at: float | None = None
    dial_status: str | None = None
    hangup_cause: str | None = None
    tech_cause: str | None = None
    talk_s: float = 0.0
    ring_s: float = 0.0


@dataclass(slots=True)
class CallLog:
    uniqueid: str
    channel: str
    did_raw: str
    caller_raw: str
    caller_name: str
    started_at: float
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    did: str | None = None
    caller: str | None = None
    caller_state: str | None = None
    campaign_id: str | None = None
    publisher_id: str | None = None
    menu_id: str | None = None
    menu_version: int | None = None
    answered_at: float | None = None
    ivr_ended_at: float | None = None
    ended_at: float | None = None
    status: str = "open"
    disposition: Disposition | None = None
    reject_reason: str | None = None
    duplicate: bool = False
    tags: list[str] = field(default_factory=list)
    gathered: dict[str, str] = field(default_factory=dict)
    region: str | None = None
    target_id: str | None = None
    buyer_id: str | None = None
    ivr_s: float = 0.0
    ring_s: float = 0.0
    talk_s: float = 0.0
    billable: bool = False
    billable_reason: str | None = None
    revenue: Decimal = Decimal("0")
    payout: Decimal = Decimal("0")
    margin: Decimal = Decimal("0")
    recording_path: str | None = None
    data_source: str = "agi"
    events: list[CallEvent] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    version: int = 0

    def event(self, at: float, kind: str, **detail: Any) -> None:
        self.events.append(CallEvent(round(at, 3), kind, detail))

    def begin_attempt(
        self, at: float, dial_string: str, target_id: str | None, buyer_id: str | None
    ) -> Attempt:
        attempt = Attempt(len(self.attempts) + 1, target_id, buyer_id, dial_string, at)
        self.attempts.append(attempt)
        return attempt

    def snapshot(self) -> dict[str, Any]:
        """The whole record as JSON-ready data, with a new version number."""
        self.version += 1
        data = {name: getattr(self, name) for name in _SCALARS}
        data["disposition"] = self.disposition.value if self.disposition else None
        data["tags"] = sorted(self.tags)
        data["gathered"] = dict(self.gathered)
        for money in ("revenue", "payout", "margin"):
            data[money] = str(getattr(self, money))
        data["events"] = [{"at": e.at, "kind": e.kind, "detail": e.detail} for e in self.events]
        data["attempts"] = [{n: getattr(a, n) for n in _ATTEMPT_FIELDS} for a in self.attempts]
        return data


_SCALARS = (
    "id", "version", "uniqueid", "channel", "did_raw", "caller_raw", "caller_name", "started_at",
    "did", "caller", "caller_state", "campaign_id", "publisher_id", "menu_id", "menu_version",
    "answered_at", "ivr_ended_at", "ended_at", "status", "reject_reason", "duplicate", "region",
    "target_id", "buyer_id", "ivr_s", "ring_s", "talk_s", "billable", "billable_reason",
    "recording_path", "data_source",
)  # fmt: skip
_ATTEMPT_FIELDS = (
    "seq", "target_id", "buyer_id", "dial_string", "started_at", "ended_at", "answered_at",
    "dial_status", "hangup_cause", "tech_cause", "talk_s", "ring_s",
)  # fmt: skip
