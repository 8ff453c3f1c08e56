"""One Dial to one destination, and what Asterisk says about it afterwards.

Dial strings and options follow docs/contracts.md. Talk time is measured on Asterisk's clock:
the ``U(ivr-buyer-answered)`` Gosub stores the buyer's answer moment in ``IVR_ANSWERED_AT``,
and right after Dial returns the app reads Asterisk's ``now`` with ``STRFTIME``. ANSWEREDTIME is
no use here: it counts from the caller's own answer, which the IVR took long before (corpus 06a).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.agi.api import CallChannel
from ivr.clock import Clock
from ivr.plans.schema import Fallback, Target

TRUNK_ENDPOINT = "ivr-trunk-out"
URI_ENDPOINT = "ivr-uri"
ANSWER_GOSUB = "ivr-buyer-answered"
NOW_EXPRESSION = "${STRFTIME(,,%s.%3q)}"
MAX_TALK_S = 6 * 3600  # beyond this a Dial is taken as stuck and the call as failed
RETRYABLE = frozenset({"BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL"})


def target_dial_string(target: Target) -> str:
    if target.endpoint is not None:
        return f"PJSIP/{target.endpoint}"
    if target.number is not None:
        return f"PJSIP/{target.number}@{TRUNK_ENDPOINT}"
    return f"PJSIP/{URI_ENDPOINT}/{target.sip_uri}"


def fallback_dial_string(fallback: Fallback) -> str | None:
    if fallback.endpoint is not None:
        return f"PJSIP/{fallback.endpoint}"
    if fallback.number is not None:
        return f"PJSIP/{fallback.number}@{TRUNK_ENDPOINT}"
    return None


@dataclass(frozen=True, slots=True)
class DialResult:
    status: str  # DIALSTATUS: ANSWER, BUSY, NOANSWER, CONGESTION, CHANUNAVAIL, CANCEL, ...
    started_at: float  # app clock
    ended_at: float  # app clock
    talk_s: float  # buyer answer to end of Dial, on Asterisk's clock; 0 unless answered
    hangup_cause: str | None  # the buyer leg's HANGUPCAUSE
    tech_cause: str | None  # e.g. "SIP 486 Busy Here"

    @property
    def answered(self) -> bool:
        return self.status == "ANSWER"

    @property
    def ring_s(self) -> float:
        return max(0.0, round(self.ended_at - self.started_at - self.talk_s, 3))


async def dial(
    channel: CallChannel,
    clock: Clock,
    dial_string: str,
    ring_timeout_s: int,
    known_legs: set[str],
) -> DialResult:
    """Dial one destination and read back its outcome (the caller may be gone by then).

    ``known_legs`` holds the buyer channels of earlier attempts of this call (HANGUPCAUSE_KEYS
    lists every leg so far); the new leg's name is added to it.
    """
    await channel.set_variable("IVR_ANSWERED_AT", "")  # a value left by an earlier attempt
    started = clock.time()
    await channel.exec(
        "Dial",
        dial_string,
        str(ring_timeout_s),
        f"gU({ANSWER_GOSUB})",
        timeout_s=ring_timeout_s + MAX_TALK_S,  # EXEC Dial returns only when the call ends
    )
    ended = clock.time()
    status = await channel.get_variable("DIALSTATUS") or "UNKNOWN"
    talk_s = await _talk_seconds(channel) if status == "ANSWER" else 0.0
    new_legs = [leg for leg in await _legs(channel) if leg not in known_legs]
    known_legs.update(new_legs)
    hangup_cause = tech_cause = None
    if new_legs:
        leg = new_legs[-1]
        tech_cause = await channel.get_full_variable(f"${{HANGUPCAUSE({leg},tech)}}")
        hangup_cause = await channel.get_variable("HANGUPCAUSE")
    return DialResult(status, started, ended, talk_s, hangup_cause, tech_cause or None)


async def _legs(channel: CallChannel) -> list[str]:
    keys = await channel.get_full_variable("${HANGUPCAUSE_KEYS()}")
    return [k for k in (keys or "").split(",") if k]


async def _talk_seconds(channel: CallChannel) -> float:
    answered = _epoch(await channel.get_variable("IVR_ANSWERED_AT"))
    now = _epoch(await channel.get_full_variable(NOW_EXPRESSION))
    if answered is None or now is None:
        return 0.0
    return max(0.0, round(now - answered, 3))


def _epoch(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
