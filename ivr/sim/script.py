"""What the simulated caller and the simulated buyers do: the scenario of one call.

All moments are virtual seconds. ``at_s`` values count from the start of the AGI session (the
moment Asterisk sends the ``agi_*`` header), so a script reads like a stopwatch held by the
caller. Nothing here touches sockets or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.sim.hold import BridgeHold

# A DTMF event in the lab lasted 200 ms and Asterisk acted at its END (corpus 01b, 02a, 03).
DTMF_DURATION_S = 0.2
# The lab's multi-digit entries were 400 ms apart (corpus 01b).
DTMF_GAP_S = 0.4


@dataclass(frozen=True, slots=True)
class Press:
    """Digits the caller keys in. With ``at_s`` they start at that moment; without it they are
    keyed ``after_s`` into the next command that reads digits (GET DATA, WAIT FOR DIGIT, a
    prompt with escape digits), one every ``gap_s``."""

    digits: str
    at_s: float | None = None
    after_s: float = 0.94
    gap_s: float = DTMF_GAP_S
    duration_s: float = DTMF_DURATION_S


@dataclass(frozen=True, slots=True)
class HangupAt:
    """The caller hangs up at a virtual moment (seconds from the session start)."""

    at_s: float


@dataclass(frozen=True, slots=True)
class HangupDuringCommand:
    """The caller hangs up ``after_s`` into the Nth command (1-based) the server sends."""

    command: int
    after_s: float = 0.0


@dataclass(frozen=True, slots=True)
class HangupAfterCommand:
    """The caller hangs up right after the Nth command's reply, with no command pending."""

    command: int


@dataclass(frozen=True, slots=True)
class HangupWhileRinging:
    """The caller hangs up ``after_s`` into the Nth Dial (1-based), while the target rings."""

    dial: int = 1
    after_s: float = 1.0


@dataclass(frozen=True, slots=True)
class HangupWhileBridged:
    """The caller hangs up ``after_s`` after the target of the Nth Dial answered."""

    dial: int = 1
    after_s: float = 1.0


HangupPoint = (
    HangupAt | HangupDuringCommand | HangupAfterCommand | HangupWhileRinging | HangupWhileBridged
)


class DialKind(Enum):
    ANSWER = "answer"
    BUSY = "busy"  # 486
    RING_NO_ANSWER = "ring-no-answer"  # rings until Dial's timeout, then CANCEL/487
    REJECT_480 = "reject-480"
    CONGESTION = "congestion"  # 503
    NOT_FOUND = "not-found"  # 404
    DECLINE = "decline"  # 603
    UNREACHABLE = "unreachable"  # nothing listening: no SIP answer at all


@dataclass(frozen=True, slots=True)
class DialOutcome:
    """How one target answers a Dial. Build it with the class methods."""

    kind: DialKind
    ring_s: float = 0.0  # ringing before the final answer (ANSWER) or the reject
    talk_s: float = 0.0  # bridged time when answered
    ended_by: str = "callee"  # who ends an answered call: "callee" or "caller"
    ringing_after_s: float = 0.002  # dial start -> 180 Ringing (RINGTIME_MS)
    response_after_s: float = 0.004  # dial start -> final SIP response for rejects
    # Answered and bridged until this hold is released: talk_s is then the real time held.
    hold: BridgeHold | None = field(default=None, compare=False)

    @classmethod
    def answer(cls, talk_s: float, ring_s: float = 1.0, ended_by: str = "callee") -> DialOutcome:
        if ended_by not in ("callee", "caller"):
            raise ValueError("ended_by must be 'callee' or 'caller'")
        return cls(DialKind.ANSWER, ring_s=ring_s, talk_s=talk_s, ended_by=ended_by)

    @classmethod
    def answer_until(
        cls, hold: BridgeHold, ring_s: float = 1.0, ended_by: str = "callee"
    ) -> DialOutcome:
        """Answers after ``ring_s`` and stays bridged until ``hold.release()``; the server's
        ``EXEC Dial`` gets no reply before that (see ``ivr.sim.hold``)."""
        return replace(cls.answer(0.0, ring_s, ended_by), hold=hold)

    @classmethod
    def busy(cls) -> DialOutcome:
        return cls(DialKind.BUSY)

    @classmethod
    def no_answer(cls) -> DialOutcome:
        """Rings past Dial's timeout (Asterisk CANCELs it)."""
        return cls(DialKind.RING_NO_ANSWER)

    @classmethod
    def reject_480(cls) -> DialOutcome:
        return cls(DialKind.REJECT_480)

    @classmethod
    def congestion(cls) -> DialOutcome:
        return cls(DialKind.CONGESTION)

    @classmethod
    def not_found(cls) -> DialOutcome:
        return cls(DialKind.NOT_FOUND)

    @classmethod
    def decline(cls) -> DialOutcome:
        return cls(DialKind.DECLINE)

    @classmethod
    def unreachable(cls) -> DialOutcome:
        return cls(DialKind.UNREACHABLE)


@dataclass(frozen=True, slots=True)
class CallScript:
    """One simulated inbound call: who calls which number, what the caller does, and how every
    dialled target behaves (keys: endpoint name, E.164 number or SIP URI, as dialled)."""

    did: str
    caller: str = "15551234567"
    caller_name: str = "Carrier Test"
    script: str = "inbound"
    query: str = ""  # without the "?"
    args: tuple[str, ...] | None = None  # None: the contract's (did,)
    presses: tuple[Press, ...] = ()
    hangup: HangupPoint | None = None
    dial_outcomes: dict[str, DialOutcome] = field(default_factory=dict)
    default_outcome: DialOutcome = field(default_factory=DialOutcome.unreachable)
    missing_files: frozenset[str] = frozenset()
    answer_delay_s: float = 0.5  # AGI ANSWER waits for a first media frame (README)
    max_call_s: float = 3600.0  # the caller gives up after this long, whatever happens
    calling_pres: int = 0
    sip_headers: dict[str, str] = field(default_factory=dict)  # PJSIP_HEADER(read,<name>)
    context: str = "from-carrier"
    priority: str = "2"
    channel_name: str | None = None  # None: PJSIP/carrier-<hex counter>
    uniqueid: str | None = None  # None: <epoch>.<counter>

    @property
    def agi_args(self) -> tuple[str, ...]:
        return (self.did,) if self.args is None else self.args

    @property
    def network_script(self) -> str:
        return f"{self.script}?{self.query}" if self.query else self.script
