"""Bridging: dial the ranked targets one by one, then the fallback, recording when allowed.

Each target's slot (concurrency and caps) is claimed atomically before it is dialled and given
back when its leg ends; the cap slot is kept only for a connected call. The routed checkpoint
(the record with its Dial attempt) is made durable while the claim runs, and awaited before the
Dial: the Dial is what tells the dialplan the call is routed. BUSY, NOANSWER,
CONGESTION and CHANUNAVAIL move on to the next target; a caller who hung up ends the loop.

Recording: the announcement plays once, before the first Dial; the MixMonitor itself is
started by the dialplan on the leg that answers (``dialing.dial_options``), so a call nobody
answers leaves no file, and the record names the file only once a leg that carried it answered.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from ivr.agi.api import CallChannel, ChannelHungUp
from ivr.calls.deps import CallDeps
from ivr.calls.dial_text import passes_dial_option
from ivr.calls.dialing import DialResult, dial, fallback_dial_string, target_dial_string
from ivr.calls.record import Attempt, CallLog, Disposition
from ivr.clock import utc_datetime
from ivr.plans.schema import Campaign, Target
from ivr.routing.rank import RankedTarget


@dataclass(frozen=True, slots=True)
class Recording:
    """Where an answered leg is recorded."""

    file_name: str  # as the record names it, relative to the recordings folder
    path: str  # as Asterisk sees it: MixMonitor's file


@dataclass(frozen=True, slots=True)
class BridgeOutcome:
    disposition: Disposition
    target: Target | None = None  # the buyer target that took the call
    attempt: Attempt | None = None  # the attempt that connected


async def bridge_call(
    channel: CallChannel,
    call: CallLog,
    campaign: Campaign,
    ranked: list[RankedTarget],
    deps: CallDeps,
) -> BridgeOutcome:
    legs: set[str] = set()
    recording = None
    if ranked or fallback_dial_string(campaign.fallback) is not None:
        # Before any slot is claimed: a caller who hangs up during the announcement must not
        # leave a target's concurrency or cap slot taken.
        recording = await _prepare_recording(channel, call, campaign, deps)
    for candidate in ranked:
        if channel.hung_up:
            return BridgeOutcome(Disposition.ABANDONED_RINGING)
        target = candidate.target
        attempt = await _claim_as_routed(call, target, campaign, deps)
        if attempt is None:
            call.event(deps.clock.time(), "route.claim_lost", target=target.id)
            continue
        result = await _dial_claimed(channel, call, target, attempt, deps, legs, recording)
        if result.answered:
            return BridgeOutcome(Disposition.CONNECTED, target, attempt)
        if result.status == "CANCEL" or channel.hung_up:
            return BridgeOutcome(Disposition.ABANDONED_RINGING)
    return await _fallback(channel, call, campaign, deps, legs, recording)


async def _claim_as_routed(
    call: CallLog, target: Target, campaign: Campaign, deps: CallDeps
) -> Attempt | None:
    """Claim the target's slot while the routed checkpoint goes to disk, side by side, and
    return the attempt once both are done; None if the claim was refused.

    The checkpoint holds the attempt before its claim is known, so a refusal strikes the
    attempt out again and the next checkpoint supersedes that snapshot (a crash in between
    leaves an attempt without a Dial: reconciliation finds no leg for it, and the store ignores
    the release of a claim it never took)."""
    dial_string = target_dial_string(target)
    buyer = deps.plan().target_buyers.get(target.id)
    attempt = call.begin_attempt(deps.clock.time(), dial_string, target.id, buyer)
    call.event(attempt.started_at, "dial.start", target=target.id, dial_string=dial_string)
    started = call.events[-1]
    # From the Dial on, a crash must not lose the call: the snapshot (with the attempt) is
    # taken and its write started here, and the claim runs while it goes to disk.
    routed = deps.store.checkpoint(call)
    granted = False
    try:
        granted = await deps.store.claim(call.id, target, campaign, utc_datetime(deps.clock))
    finally:
        if not granted:
            call.attempts.remove(attempt)
            call.events.remove(started)
        await routed
    return attempt if granted else None


async def _dial_claimed(
    channel: CallChannel,
    call: CallLog,
    target: Target,
    attempt: Attempt,
    deps: CallDeps,
    legs: set[str],
    recording: Recording | None,
) -> DialResult:
    connected = True  # if the session dies mid-Dial, keep the cap slot: never overshoot
    record_to = recording.path if recording is not None else None
    try:
        result = await dial(
            channel, deps.clock, attempt.dial_string, target.ring_timeout_s, legs, record_to
        )
        connected = result.answered
    finally:
        await deps.store.release(call.id, target.id, connected=connected)
    _fill_attempt(call, attempt, result, recording)
    return result


def _fill_attempt(
    call: CallLog, attempt: Attempt, result: DialResult, recording: Recording | None
) -> None:
    attempt.ended_at = result.ended_at
    attempt.dial_status = result.status
    attempt.hangup_cause = result.hangup_cause
    attempt.tech_cause = result.tech_cause
    attempt.talk_s = result.talk_s
    attempt.ring_s = result.ring_s
    if result.answered:
        attempt.answered_at = round(result.ended_at - result.talk_s, 3)
        if recording is not None:  # the answer Gosub started MixMonitor on this leg
            call.recording_path = recording.file_name
            call.event(attempt.answered_at, "recording.start", file=recording.file_name)
    call.event(
        result.ended_at,
        "dial.end",
        target=attempt.target_id,
        status=result.status,
        ring_s=result.ring_s,
        talk_s=result.talk_s,
        cause=result.hangup_cause,
        tech_cause=result.tech_cause,
    )


async def _prepare_recording(
    channel: CallChannel, call: CallLog, campaign: Campaign, deps: CallDeps
) -> Recording | None:
    """Play the recording announcement (the caller hears it before anyone answers) and name
    the file the answered leg will be recorded into; None when the campaign does not record.

    No MixMonitor starts here: app_mixmonitor opens its file as it starts, so one started
    before the Dial would leave an empty file for every call nobody answers, and cost a round
    trip between the key press and the Dial."""
    if not campaign.recording.enabled:
        return None
    if campaign.recording.announce:
        await channel.stream_file(deps.resolve_prompt(campaign.recording.announce_prompt))
    file_name = f"{call.id}.wav"
    path = f"{deps.asterisk_recordings_dir}/{file_name}"
    if not passes_dial_option(path):  # a bad setting: better unrecorded than cut off
        call.event(deps.clock.time(), "recording.refused", path=path)
        return None
    return Recording(file_name, path)


async def _fallback(
    channel: CallChannel,
    call: CallLog,
    campaign: Campaign,
    deps: CallDeps,
    legs: set[str],
    recording: Recording | None,
) -> BridgeOutcome:
    fallback = campaign.fallback
    dial_string = fallback_dial_string(fallback)
    if dial_string is not None and not channel.hung_up:
        attempt = call.begin_attempt(deps.clock.time(), dial_string, None, None)
        call.event(attempt.started_at, "dial.start", target=None, dial_string=dial_string)
        await deps.store.checkpoint(call)
        record_to = recording.path if recording is not None else None
        result = await dial(
            channel, deps.clock, dial_string, fallback.ring_timeout_s, legs, record_to
        )
        _fill_attempt(call, attempt, result, recording)
        if result.answered:
            return BridgeOutcome(Disposition.FALLBACK, None, attempt)
    if channel.hung_up:
        return BridgeOutcome(
            Disposition.ABANDONED_RINGING if call.attempts else Disposition.NO_ANSWER
        )
    with contextlib.suppress(ChannelHungUp):  # leaving during the message changes nothing
        await channel.stream_file(deps.resolve_prompt(fallback.prompt))
    return BridgeOutcome(Disposition.NO_ANSWER)
