"""app_dial as the transcripts show it: what a Dial returns, how long it takes, and the
variables it leaves on the caller's channel (README table, corpus 06a-06d, calls/*)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ivr.sim.callee_gosub import run_callee_gosub, stops_bridge
from ivr.sim.channel import Channel, LegCause
from ivr.sim.script import DialKind, DialOutcome

# SIP final response -> (DIALSTATUS, HANGUPCAUSE, tech cause, ast_cause2str)
REJECTS = {
    DialKind.BUSY: ("BUSY", 17, "SIP 486 Busy Here", "User busy"),
    DialKind.REJECT_480: (
        "NOANSWER",
        19,
        "SIP 480 Temporarily Unavailable",
        "User alerting, no answer",
    ),
    DialKind.CONGESTION: (
        "CONGESTION",
        34,
        "SIP 503 Service Unavailable",
        "Circuit/channel congestion",
    ),
    DialKind.NOT_FOUND: ("CHANUNAVAIL", 1, "SIP 404 Not Found", "Unallocated (unassigned) number"),
    DialKind.DECLINE: ("CHANUNAVAIL", 21, "SIP 603 Decline", "Call Rejected"),
}
RINGING = LegCause("SIP 180 Ringing", "Normal Clearing")
ANSWERED = LegCause("SIP 200 OK", "Normal Clearing")
# With no Dial timeout, an INVITE nobody answers fails after SIP timer B (64 x T1 = 32 s).
TIMER_B_S = 32.0
TIMING_VARIABLES = ("ANSWEREDTIME", "DIALEDTIME", "RINGTIME", "PROGRESSTIME")


@dataclass(frozen=True, slots=True)
class DialRequest:
    """A parsed ``Dial(<tech/resource>,<timeout>,<options>)`` (first destination only)."""

    data: str  # the application data as Dial received it
    destination: str  # e.g. "PJSIP/buyer1"
    resource: str  # e.g. "buyer1", "+13125550123@ivr-trunk-out", "ivr-uri/sip:x@y"
    endpoint: str  # the PJSIP endpoint that names the leg's channel
    target: str  # the key a scenario uses: endpoint, number or SIP URI
    timeout_s: float | None
    options: dict[str, str]


@dataclass(frozen=True, slots=True)
class DialAttempt:
    """One Dial as the double played it, for the call report."""

    dial_string: str  # Dial's whole data, e.g. "PJSIP/buyer1,30,gU(ivr-buyer-answered)"
    destination: str
    target: str
    timeout_s: float | None  # the ring timeout; None: rings until the caller or timer B ends it
    options: dict[str, str]  # {"g": "", "U": "ivr-buyer-answered"}
    outcome: DialKind
    dialstatus: str
    leg: str
    started_at: float  # epoch
    ended_at: float  # epoch
    answered_at: float | None  # epoch of the target's answer
    talk_s: float  # bridged seconds
    result: int  # the EXEC reply: 0 or -1
    caller_hung_up: bool
    gosub_result: str | None = None  # GOSUB_RESULT that stopped the bridge (callee_gosub)
    # The file of the MixMonitor(...,b) the U() Gosub started on the buyer's leg (its ARG1)
    callee_monitor: str | None = None


def parse_dial(data: str) -> DialRequest:
    parts = data.split(",")
    destination = parts[0].split("&")[0]
    resource = destination.partition("/")[2]
    if "@" in resource:
        target, _, endpoint = resource.partition("@")
    elif "/" in resource:
        endpoint, _, target = resource.partition("/")
    else:
        endpoint = target = resource
    timeout = float(parts[1]) if len(parts) > 1 and parts[1].strip() else None
    options = parse_options(",".join(parts[2:])) if len(parts) > 2 else {}
    return DialRequest(data, destination, resource, endpoint, target, timeout, options)


def parse_options(text: str) -> dict[str, str]:
    """``gU(ivr-buyer-answered)`` -> {"g": "", "U": "ivr-buyer-answered"}."""
    options: dict[str, str] = {}
    i = 0
    while i < len(text):
        letter = text[i]
        i += 1
        if i < len(text) and text[i] == "(":
            end = text.find(")", i)
            end = len(text) if end < 0 else end
            options[letter] = text[i + 1 : end]
            i = end + 1
        else:
            options[letter] = ""
    return options


def milliseconds(seconds: float) -> int:
    # Asterisk truncates; the margin keeps 4.014 from becoming 4013 when the times were
    # epoch-sized floats (about 2e-7 s of rounding).
    return math.floor(seconds * 1000 + 0.01)


def run_dial(
    channel: Channel, request: DialRequest, outcome: DialOutcome, leg: str, number: int
) -> DialAttempt:
    """Play one Dial on the channel: moves its clock to the end of the Dial and sets the
    variables app_dial sets."""
    start = channel.now
    for name in ("DIALSTATUS", "DIALEDPEERNAME", "DIALEDPEERNUMBER"):
        channel.variables[name] = ""
    for name in TIMING_VARIABLES:
        channel.variables[name] = channel.variables[f"{name}_MS"] = ""
    channel.caller.dial_started(number, start)
    kind = outcome.kind
    if kind is DialKind.ANSWER and request.timeout_s is not None:
        if outcome.ring_s >= request.timeout_s:
            kind = DialKind.RING_NO_ANSWER
    if kind is DialKind.ANSWER:
        return _answered(channel, request, outcome, leg, number)
    return _not_answered(channel, request, outcome, kind, leg)


def reaches_bridge(
    channel: Channel, request: DialRequest, outcome: DialOutcome, number: int
) -> bool:
    """Whether the Nth Dial, started now, would bridge caller and target (changes nothing):
    the target answers within the timeout, before the caller leaves, and no U() Gosub stops
    it. ``run_dial`` decides the same way."""
    if outcome.kind is not DialKind.ANSWER:
        return False
    if request.timeout_s is not None and outcome.ring_s >= request.timeout_s:
        return False
    answer = channel.now + outcome.ring_s
    if channel.caller.end_during_dial(number, channel.now) < answer:
        return False
    return not stops_bridge(channel, request.options)


def _final_moment(
    start: float, request: DialRequest, outcome: DialOutcome, kind: DialKind
) -> float:
    if kind in REJECTS:
        return start + outcome.response_after_s
    if kind is DialKind.UNREACHABLE:
        return start + (request.timeout_s if request.timeout_s is not None else TIMER_B_S)
    if request.timeout_s is None:  # rings forever: only the caller can end it
        return math.inf
    return start + request.timeout_s


def _not_answered(
    channel: Channel, request: DialRequest, outcome: DialOutcome, kind: DialKind, leg: str
) -> DialAttempt:
    start = channel.now
    final = _final_moment(start, request, outcome, kind)
    gone = channel.caller.end_of_caller()
    rings = kind is DialKind.RING_NO_ANSWER
    if gone < final:
        channel.now = max(start, gone)
        if rings or (kind is DialKind.ANSWER):
            channel.leg_causes[leg] = RINGING
            _set_ms(channel, "RINGTIME", outcome.ringing_after_s)
        channel.variables["HANGUPCAUSE"] = "0"
        return _finish(channel, request, kind, "CANCEL", leg, start, None, -1, True)
    channel.now = final
    if kind in REJECTS:
        status, cause, tech, text = REJECTS[kind]
        channel.leg_causes[leg] = LegCause(tech, text)
        channel.variables["HANGUPCAUSE"] = str(cause)
    elif rings:
        status = "NOANSWER"
        channel.leg_causes[leg] = RINGING
        channel.variables["HANGUPCAUSE"] = "0"
        _set_ms(channel, "RINGTIME", outcome.ringing_after_s)
    else:  # nothing listening: no leg cause, HANGUPCAUSE left as the last Dial set it
        status = "NOANSWER"
    return _finish(channel, request, kind, status, leg, start, None, 0, False)


def _answered(
    channel: Channel, request: DialRequest, outcome: DialOutcome, leg: str, number: int
) -> DialAttempt:
    start = channel.now
    answer = start + outcome.ring_s
    if channel.caller.end_of_caller() < answer:
        return _not_answered(channel, request, outcome, DialKind.ANSWER, leg)
    channel.now = answer
    channel.leg_causes[leg] = ANSWERED
    channel.variables["DIALEDPEERNAME"] = leg
    channel.variables["DIALEDPEERNUMBER"] = request.resource
    _set_ms(channel, "RINGTIME", outcome.ringing_after_s)
    monitor = None
    if "U" in request.options:
        gosub = run_callee_gosub(channel, request.options["U"], "g" in request.options)
        monitor, stop = gosub.monitor, gosub.stop
        if stop is not None:
            # The buyer is hung up at once; nothing answers the caller (the bridge would
            # have), ANSWEREDTIME stays cleared, HANGUPCAUSE is left alone (app_dial copies
            # the buyer's cause only when the buyer hung up by itself).
            result = 0 if stop.go_on else -1
            status = stop.dialstatus
            attempt = _finish(
                channel, request, DialKind.ANSWER, status, leg, start, answer, result, False
            )
            return replace(attempt, gosub_result=stop.gosub_result, callee_monitor=monitor)
    attempt = _bridged(channel, request, outcome, leg, number, start)
    return attempt if monitor is None else replace(attempt, callee_monitor=monitor)


def _bridged(
    channel: Channel,
    request: DialRequest,
    outcome: DialOutcome,
    leg: str,
    number: int,
    start: float,
) -> DialAttempt:
    answer = channel.now
    if channel.answered_at is None:  # the bridge answers the caller
        channel.answered_at = answer
    channel.caller.dial_answered(number, answer)
    callee_end = answer + outcome.talk_s
    if outcome.ended_by == "caller":
        channel.caller.hang_up_now(callee_end)
    gone = channel.caller.end_of_caller()
    caller_hung_up = gone <= callee_end
    end = max(answer, gone) if caller_hung_up else callee_end
    channel.now = end
    channel.bridges.append((answer, end))
    channel.variables["HANGUPCAUSE"] = "16"
    _set_ms(channel, "ANSWEREDTIME", end - channel.answered_at)
    _set_ms(channel, "DIALEDTIME", end)  # the caller's channel was created at the session start
    result = 0 if ("g" in request.options and not caller_hung_up) else -1
    return _finish(
        channel, request, DialKind.ANSWER, "ANSWER", leg, start, answer, result, caller_hung_up
    )


def _set_ms(channel: Channel, name: str, seconds: float) -> None:
    ms = milliseconds(seconds)
    channel.variables[name] = str(ms // 1000)
    channel.variables[f"{name}_MS"] = str(ms)


def _finish(
    channel: Channel,
    request: DialRequest,
    kind: DialKind,
    status: str,
    leg: str,
    start: float,
    answer: float | None,
    result: int,
    caller_hung_up: bool,
) -> DialAttempt:
    channel.variables["DIALSTATUS"] = status
    return DialAttempt(
        dial_string=request.data,
        destination=request.destination,
        target=request.target,
        timeout_s=request.timeout_s,
        options=dict(request.options),
        outcome=kind,
        dialstatus=status,
        leg=leg,
        started_at=channel.epoch(start),
        ended_at=channel.epoch(),
        answered_at=None if answer is None else channel.epoch(answer),
        talk_s=0.0 if answer is None else channel.now - answer,
        result=result,
        caller_hung_up=caller_hung_up,
    )
