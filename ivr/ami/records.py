"""What the call-state tracker knows about a call: its dial legs, bridges and end. A finished
CallRecord is what reconciliation needs: hangup cause, DialEnd status per leg, talk time from
BridgeEnter/BridgeLeave (ANSWEREDTIME is wrong when the app answered first, corpus 06a) and the
Cdr events, which Asterisk sends at the end, one per Dial attempt (README)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Phase = Literal["in_ivr", "ringing", "talking"]
_CHANNEL_SEQUENCE = re.compile(r"-[0-9a-f]+$")


def endpoint_from_channel(channel: str) -> str:
    """`PJSIP/buyer1-0000002d` -> `PJSIP/buyer1` (the per-channel sequence number dropped)."""
    return _CHANNEL_SEQUENCE.sub("", channel)


def endpoint_from_dial(dest_channel: str, dial_string: str) -> str:
    """DialBegin gives the tech in DestChannel and the rest in DialString (`buyer1`,
    `+15551234567@ivr-trunk-out`): together they are the target as the dialplan dialled it."""
    tech = dest_channel.split("/", 1)[0]
    return f"{tech}/{dial_string}" if dial_string else endpoint_from_channel(dest_channel)


@dataclass
class BridgeStay:
    bridge_id: str
    entered_at: float
    left_at: float | None = None


@dataclass
class Leg:
    """One dial attempt to a target, keyed by the Uniqueid of the outgoing channel."""

    uniqueid: str
    channel: str
    endpoint: str
    dial_began_at: float
    dial_status: str | None = None
    dial_ended_at: float | None = None
    bridge: BridgeStay | None = None
    hangup_cause: int | None = None
    hangup_cause_txt: str = ""
    tech_cause: str = ""
    hung_up_at: float | None = None
    approximate: bool = False  # rebuilt from CoreShowChannels: times are estimates

    @property
    def active(self) -> bool:
        """Ringing, answered or bridged: it occupies one line of its target."""
        return self.hung_up_at is None and self.dial_status in (None, "ANSWER")

    @property
    def ringing(self) -> bool:
        return self.hung_up_at is None and self.dial_status is None


@dataclass
class CallRecord:
    """Every channel sharing one Linkedid: the caller's channel and the legs it dialled."""

    linkedid: str
    caller_uniqueid: str
    caller_channel: str
    started_at: float
    legs: list[Leg] = field(default_factory=list)
    caller_bridges: list[BridgeStay] = field(default_factory=list)
    live_channels: set[str] = field(default_factory=set)
    hangup_cause: int | None = None
    hangup_cause_txt: str = ""
    ended_at: float | None = None
    ended_unobserved: bool = False  # ended while the AMI link was down
    cdrs: list[dict[str, str]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    rebuilt: bool = False

    def leg(self, uniqueid: str) -> Leg | None:
        return next((leg for leg in self.legs if leg.uniqueid == uniqueid), None)

    def talk_window(self, leg: Leg) -> tuple[float, float | None] | None:
        """When the caller and this leg were both in the same bridge (end None: still talking)."""
        if leg.bridge is None:
            return None
        stays = [s for s in self.caller_bridges if s.bridge_id == leg.bridge.bridge_id]
        if not stays:  # caller's side unknown (rebuilt): the leg's own stay is the best guess
            return leg.bridge.entered_at, leg.bridge.left_at
        stay = stays[-1]
        start = max(stay.entered_at, leg.bridge.entered_at)
        ends = [t for t in (stay.left_at, leg.bridge.left_at) if t is not None]
        return start, (min(ends) if ends else None)

    def talk_seconds(self, leg: Leg) -> float:
        window = self.talk_window(leg)
        if window is None or window[1] is None:
            return 0.0
        return max(0.0, window[1] - window[0])

    @property
    def total_talk_seconds(self) -> float:
        return sum(self.talk_seconds(leg) for leg in self.legs)

    def phase(self) -> tuple[Phase, Leg | None, float]:
        """Current phase, the leg it concerns, and since when."""
        for leg in reversed(self.legs):
            window = self.talk_window(leg)
            if window is not None and window[1] is None and leg.hung_up_at is None:
                return "talking", leg, window[0]
        for leg in reversed(self.legs):
            if leg.ringing:
                return "ringing", leg, leg.dial_began_at
        ends = [leg_end for leg in self.legs if (leg_end := _leg_end(leg)) is not None]
        return "in_ivr", None, max([self.started_at, *ends])


def _leg_end(leg: Leg) -> float | None:
    if leg.bridge is not None and leg.bridge.left_at is not None:
        return leg.bridge.left_at
    return leg.hung_up_at if leg.hung_up_at is not None else leg.dial_ended_at


@dataclass(frozen=True)
class LiveCall:
    linkedid: str
    caller_channel: str
    phase: Phase
    target: str | None
    since: float
