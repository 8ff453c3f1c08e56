"""A caller hanging up at every stage of the call: the record is closed with the stage's
disposition, nothing is billed, and the app closes the FastAGI socket."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ivr.routing.facts import TargetLoad
from ivr.sim.script import (
    DialOutcome,
    HangupAt,
    HangupDuringCommand,
    HangupPoint,
    HangupWhileBridged,
    HangupWhileRinging,
)

from . import flows
from .harness import Harness, StoredCall, wav_seconds

ZERO = Decimal("0")
# Seconds from the app's ANSWER: the welcome lasts 8.059 s; a menu digit is acted on 1.14 s into
# its GET DATA (keyed 0.94 s in, 200 ms long); the ZIP's five digits take 2.74 s; the hold
# prompt lasts 3.868 s. The IVR ends at the hang-up, or at the end of the hold prompt.
STAGES = [
    # (id, hang-up point, commands the app sends before HANGUP reaches it, ivr_s)
    # Gone before the app's first command: Asterisk pushes HANGUP, then 511 for ANSWER.
    ("before-answer", HangupAt(0.0), flows.MENU_TO_HOLD[:1], "0"),
    ("at-answer", HangupDuringCommand(1, 0.2), flows.MENU_TO_HOLD[:1], "0"),
    ("welcome", HangupDuringCommand(2, 1.0), flows.MENU_TO_HOLD[:2], "1.000"),
    ("main-menu", HangupDuringCommand(3, 0.5), flows.MENU_TO_HOLD[:3], "8.559"),
    ("coverage-menu", HangupDuringCommand(4, 0.5), flows.MENU_TO_HOLD[:4], "9.699"),
    ("zip", HangupDuringCommand(5, 1.0), flows.MENU_TO_HOLD[:5], "11.339"),
    ("hold", HangupDuringCommand(6, 1.0), flows.MENU_TO_HOLD, "14.079"),
    ("announcement", HangupDuringCommand(7, 1.0), [*flows.MENU_TO_HOLD, flows.ANNOUNCE],
     "16.947"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("point", "sent", "ivr_s"), [s[1:] for s in STAGES], ids=[s[0] for s in STAGES]
)
async def test_hangup_before_the_dial(
    harness: Harness, point: HangupPoint, sent: list[str], ivr_s: str
) -> None:
    report = await harness.call(flows.auto_call(hangup=point))

    call = await harness.stored(report)
    # After HANGUP only the dead-channel-safe IVR_DONE goes out, then the socket is closed.
    assert report.commands == [*sent, flows.DONE]
    assert report.agistatus == "HANGUP" and report.server_closed
    assert "HANGUP" in report.replies() and report.replies()[-1] == "200 result=1"
    _assert_closed_unbilled(call, "abandoned_ivr")
    assert call.seconds("ivr_s") == Decimal(ivr_s)
    assert call.attempts == [] and call["target_id"] is None
    assert call.seconds("ring_s") == ZERO and call.seconds("talk_s") == ZERO
    assert call["recording_path"] is None and report.recordings == []
    # No slot of the target stays taken: neither a live claim nor a connected call counted.
    assert await harness.load_of("buyer-a-overflow") == TargetLoad()


async def test_hangup_while_the_target_rings(harness: Harness) -> None:
    script = flows.auto_call(
        hangup=HangupWhileRinging(dial=1, after_s=4.0),
        dial_outcomes={"buyer-a-overflow": DialOutcome.no_answer()},
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    record_to = flows.recording_path(call.recording_file)
    # After the Dial the channel is dead: GET FULL VARIABLE still answers (corpus 06c).
    assert report.commands == [
        *flows.MENU_TO_HOLD,
        flows.ANNOUNCE,
        *flows.dial_commands("PJSIP/buyer-a-overflow", 20, "PJSIP/buyer-a-overflow-00000001",
                             record_to),
        flows.DONE,
    ]  # fmt: skip
    dialled, hangup, outcome, tech, done = report.replies()[-5:]
    assert (dialled, hangup, tech, done) == (
        "200 result=-1", "HANGUP", "200 result=1 (SIP 180 Ringing)", "200 result=1"
    )  # fmt: skip
    status, answered_at, now, cause, legs = outcome.removeprefix("200 result=1 (")[:-1].split("|")
    assert (status, answered_at, cause) == ("CANCEL", "", "0")
    assert legs == "PJSIP/buyer-a-overflow-00000001"
    assert float(now) == pytest.approx(report.dials[0].ended_at, abs=0.001)
    assert report.agistatus == "HANGUP" and report.server_closed
    _assert_closed_unbilled(call, "abandoned_ringing")
    [attempt] = call.attempts
    assert attempt["dial_status"] == "CANCEL" and attempt["hangup_cause"] == 0
    assert attempt["tech_cause"] == "SIP 180 Ringing"
    assert call.seconds("ring_s") == Decimal("4.000") and call.seconds("talk_s") == ZERO
    assert call["target_id"] is None
    # Nobody answered: no MixMonitor ran, so there is no file, and the record names none.
    assert call["recording_path"] is None and report.recordings == []
    assert call.events_of("recording.start") == []
    assert not harness.recordings_dir.exists() or list(harness.recordings_dir.iterdir()) == []


async def test_caller_ends_the_bridged_call_before_it_is_billable(harness: Harness) -> None:
    script = flows.auto_call(
        hangup=HangupWhileBridged(dial=1, after_s=30.0),
        dial_outcomes={"buyer-a-overflow": DialOutcome.answer(talk_s=300, ring_s=2)},
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    assert report.commands[-4:] == [
        *flows.dial_commands("PJSIP/buyer-a-overflow", 20, "PJSIP/buyer-a-overflow-00000001",
                             flows.recording_path(call["recording_path"])),
        flows.DONE,
    ]  # fmt: skip
    assert report.agistatus == "HANGUP" and report.server_closed
    _assert_closed_unbilled(call, "connected")
    assert call["billable_reason"] == "short_call: 30s < 90s"
    assert call["target_id"] == "buyer-a-overflow"
    assert call.seconds("talk_s") == Decimal("30.000")
    [attempt] = call.attempts
    assert attempt["dial_status"] == "ANSWER" and attempt["hangup_cause"] == 16
    assert wav_seconds(harness.recordings_dir / call["recording_path"]) == Decimal("30")


def _assert_closed_unbilled(call: StoredCall, disposition: str) -> None:
    assert call["status"] == "closed" and call["ended_at"] is not None
    assert call["disposition"] == disposition
    assert call["billable"] is False
    assert (call.money("revenue"), call.money("payout"), call.money("margin")) == (ZERO,) * 3
