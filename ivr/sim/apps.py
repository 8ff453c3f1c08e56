"""Dialplan applications run by ``EXEC``: the ones the app uses (Dial, MixMonitor,
StopMixMonitor, Playback, Set, Hangup, Wait). An unknown application answers -2 (02c); on a dead
channel applications do nothing and answer 0 (06e), except Dial/Wait which fail."""

from __future__ import annotations

from collections.abc import Callable

from ivr.sim.call import Call
from ivr.sim.callee_gosub import violation
from ivr.sim.dial import parse_dial, reaches_bridge, run_dial
from ivr.sim.hold import BridgeHold
from ivr.sim.media import SAMPLE_RATE

App = Callable[[Call, str], int]


def dial(call: Call, data: str) -> int:
    if call.channel.hung_up:
        return -1
    request = parse_dial(data)
    breach = violation(call.channel, data)
    if breach is not None:
        call.violations.append(breach)
    leg = call.new_channel_name(request.endpoint)
    attempt = run_dial(
        call.channel, request, call.outcome_for(request), leg, number=len(call.dials) + 1
    )
    call.dials.append(attempt)
    if attempt.callee_monitor is not None:  # the buyer's leg ended with the Dial
        call.record_leg(attempt.callee_monitor, attempt.leg, attempt.talk_s)
    if attempt.caller_hung_up:
        call.mark_hung_up()
    return attempt.result


def dial_hold(call: Call, argv: list[str]) -> BridgeHold | None:
    """The hold of the bridge this command is about to make, when it is an ``EXEC Dial``
    whose target answers with ``DialOutcome.answer_until`` and the Dial will bridge."""
    if len(argv) < 3 or argv[0].lower() != "exec" or argv[1].lower() != "dial":
        return None
    if call.channel.hung_up:
        return None
    request = parse_dial(argv[2])
    outcome = call.scripted_outcome(request)
    if outcome.hold is None:
        return None
    number = len(call.dials) + 1
    return outcome.hold if reaches_bridge(call.channel, request, outcome, number) else None


def mix_monitor(call: Call, data: str) -> int:
    path, _, options = data.partition(",")
    if not call.channel.hung_up:
        call.start_monitor(path, options)
    return 0


def stop_mix_monitor(call: Call, data: str) -> int:
    call.stop_monitor()
    return 0


def playback(call: Call, data: str) -> int:
    if call.channel.hung_up:
        return 0  # 06e: EXEC Playback on a dead channel answers 0 and plays nothing
    files = data.partition(",")[0].split("&")
    for name in files:
        start = call.channel.now
        samples = call.sound_samples(name)
        if samples is None:  # 02c: Playback of a missing file -> 0 and PLAYBACKSTATUS=FAILED
            call.note_prompt(name, "missing", start)
            call.channel.variables["PLAYBACKSTATUS"] = "FAILED"
            return 0
        if call.wait(samples / SAMPLE_RATE).kind == "hangup":
            call.note_prompt(name, "hung up", start)
            call.channel.variables["PLAYBACKSTATUS"] = "FAILED"
            return -1
        call.note_prompt(name, "played", start)
    call.channel.variables["PLAYBACKSTATUS"] = "SUCCESS"
    return 0


def set_app(call: Call, data: str) -> int:
    name, sep, value = data.partition("=")
    if sep and name:
        call.channel.set_variable(name.strip(), value)
    return 0


def hangup_app(call: Call, data: str) -> int:
    call.caller.hang_up_now(call.channel.now)
    call.mark_hung_up()
    return -1


def wait_app(call: Call, data: str) -> int:
    if call.channel.hung_up:
        return -1
    try:
        seconds = max(0.0, float(data or 0))
    except ValueError:
        seconds = 0.0
    return -1 if call.wait(seconds).kind == "hangup" else 0


def nothing(call: Call, data: str) -> int:
    return 0


APPLICATIONS: dict[str, App] = {
    "dial": dial,
    "mixmonitor": mix_monitor,
    "stopmixmonitor": stop_mix_monitor,
    "playback": playback,
    "set": set_app,
    "hangup": hangup_app,
    "wait": wait_app,
    "noop": nothing,
    "verbose": nothing,
    "log": nothing,
    "userevent": nothing,
}


def run_application(call: Call, name: str, data: str) -> int:
    app = APPLICATIONS.get(name.lower())
    if app is None:
        return -2
    return app(call, data)
