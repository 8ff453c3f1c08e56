"""One Dial to one destination, and what Asterisk says about it afterwards.

Dial strings and options follow docs/contracts.md. ``dial`` sends nothing before ``EXEC Dial``:
each command between the caller's last key and the Dial adds a round trip to the post-dial
delay. So the recording starts in the dialplan, not here: ``U(ivr-buyer-answered^<file>)`` runs
a Gosub on the buyer's channel once it answers, which stamps the answer moment and starts
``MixMonitor(<file>,b)`` on that leg (dialplans/ivr.conf says why there).

Talk time is measured on Asterisk's clock: the Gosub stores the buyer's answer moment in
``IVR_ANSWERED_AT``, and right after Dial returns the app reads Asterisk's ``now`` with
``STRFTIME``. ANSWEREDTIME is no use here: it counts from the caller's own answer, which the IVR
took long before (corpus 06a). ``IVR_ANSWERED_AT`` is not cleared before each Dial: only an
answered leg sets it, an answered Dial ends the call's attempts, and the dialplan clears it
before the app is reached; it is believed only when DIALSTATUS is ANSWER.

Everything the outcome needs is read in one ``GET FULL VARIABLE`` (one round trip instead of
five; it still answers on a dead channel, corpus 06c), then the new leg's SIP cause in a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.agi.api import CallChannel
from ivr.clock import Clock
from ivr.plans.schema import Fallback, Target

TRUNK_ENDPOINT = "ivr-trunk-out"
URI_ENDPOINT = "ivr-uri"
ANSWER_GOSUB = "ivr-buyer-answered"
# One expression, one round trip. Channel names (HANGUPCAUSE_KEYS) may hold any character but
# come last, so splitting on the first four "|" keeps them whole; the others never hold one.
OUTCOME_EXPRESSION = (
    "${DIALSTATUS}|${IVR_ANSWERED_AT}|${STRFTIME(,,%s.%3q)}|${HANGUPCAUSE}|${HANGUPCAUSE_KEYS()}"
)
OUTCOME_FIELDS = 5
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


def dial_options(record_to: str | None) -> str:
    """``g`` keeps the caller after the buyer hangs up; ``U()`` runs the answer Gosub on the
    buyer's leg, with the file to record into as its ARG1 (``^`` separates Gosub arguments in
    U(), apps/app_dial.c)."""
    if record_to is None:
        return f"gU({ANSWER_GOSUB})"
    return f"gU({ANSWER_GOSUB}^{record_to})"


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
    record_to: str | None = None,
) -> DialResult:
    """Dial one destination and read back its outcome (the caller may be gone by then).

    ``known_legs`` holds the buyer channels of earlier attempts of this call (HANGUPCAUSE_KEYS
    lists every leg so far); the new leg's name is added to it. ``record_to``: the file (as
    Asterisk sees it) the answered leg is recorded into, or None not to record.
    """
    options = dial_options(record_to)
    started = clock.time()
    await channel.exec(
        "Dial",
        dial_string,
        str(ring_timeout_s),
        options,
        timeout_s=ring_timeout_s + MAX_TALK_S,  # EXEC Dial returns only when the call ends
    )
    ended = clock.time()
    outcome = await channel.get_full_variable(OUTCOME_EXPRESSION)
    fields = (outcome or "").split("|", OUTCOME_FIELDS - 1)
    fields += [""] * (OUTCOME_FIELDS - len(fields))
    status, answered_at, now, cause, keys = fields
    status = status or "UNKNOWN"
    talk_s = _talk_seconds(answered_at, now) if status == "ANSWER" else 0.0
    new_legs = [leg for leg in keys.split(",") if leg and leg not in known_legs]
    known_legs.update(new_legs)
    hangup_cause = tech_cause = None
    if new_legs:
        tech_cause = await channel.get_full_variable(f"${{HANGUPCAUSE({new_legs[-1]},tech)}}")
        hangup_cause = cause or None
    return DialResult(status, started, ended, talk_s, hangup_cause, tech_cause or None)


def _talk_seconds(answered_at: str, now: str) -> float:
    answered, ended = _epoch(answered_at), _epoch(now)
    if answered is None or ended is None:
        return 0.0
    return max(0.0, round(ended - answered, 3))


def _epoch(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
