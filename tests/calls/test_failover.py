"""Targets that fail: the next target, then the campaign's fallback, then the all-busy message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ivr.sim.script import DialOutcome, HangupDuringCommand, Press

from . import flows
from .harness import Harness, wav_seconds

ZERO = Decimal("0")
NY_PRESSES = (Press("1"), Press("1"), Press("10001"))
MAIN = "PJSIP/buyer-a-main"
OVERFLOW = "PJSIP/buyer-a-overflow"
FALLBACK = "PJSIP/+16175550100@ivr-trunk-out"


async def test_busy_buyer_then_the_next_target_answers(harness: Harness) -> None:
    script = flows.auto_call(
        caller=flows.NEW_YORK,
        presses=NY_PRESSES,
        dial_outcomes={"buyer-a-main": DialOutcome.busy(), "buyer-a-overflow": flows.ANSWER_95},
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    record_to = flows.recording_path(call["recording_path"])
    assert report.commands == [
        *flows.MENU_TO_HOLD,
        flows.ANNOUNCE,  # once, before the first Dial
        *flows.dial_commands(MAIN, 20, f"{MAIN}-00000001", record_to),
        *flows.dial_commands(OVERFLOW, 20, f"{OVERFLOW}-00000002", record_to),
        flows.DONE,
    ]
    assert call["disposition"] == "connected" and call["target_id"] == "buyer-a-overflow"
    assert call["gathered"] == {"zip": "10001"} and call["caller_state"] == "NY"
    assert [(a["target_id"], a["dial_status"], a["hangup_cause"], a["tech_cause"])
            for a in call.attempts] == [
        ("buyer-a-main", "BUSY", 17, "SIP 486 Busy Here"),
        ("buyer-a-overflow", "ANSWER", 16, "SIP 200 OK"),
    ]  # fmt: skip
    # The second attempt's talk time: IVR_ANSWERED_AT is set by its own answer (the busy
    # first attempt never reached the Gosub), 3 s of ringing then 95 s of talk.
    assert call.seconds("talk_s") == Decimal("95.000")
    assert [e["talk_s"] for e in call.events_of("dial.end")] == [0.0, 95.0]
    assert call.attempts[0]["answered_at"] is None
    assert call["billable"] is True
    assert (call.money("revenue"), call.money("payout")) == (Decimal("20"), Decimal("8"))
    # One recording, of the leg that answered, as long as its talk.
    [recording] = report.recordings
    assert recording.channel == f"{OVERFLOW}-00000002"
    assert call["recording_path"] == call.recording_file
    assert wav_seconds(harness.recordings_dir / call.recording_file) == Decimal("95")


async def test_busy_buyer_then_the_fallback_answers(harness: Harness) -> None:
    script = flows.auto_call(
        did=flows.RADIO_DID,  # fixed payout: the publisher would be paid if it were billable
        dial_outcomes={
            "buyer-a-overflow": DialOutcome.busy(),
            "+16175550100": DialOutcome.answer(talk_s=120, ring_s=5),
        },
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    two_dials = _two_dials(flows.recording_path(call.recording_file))
    assert report.commands[-len(two_dials) - 1 :] == [*two_dials, flows.DONE]
    assert call["disposition"] == "fallback"
    assert call["target_id"] is None
    assert [(a["target_id"], a["dial_string"], a["dial_status"]) for a in call.attempts] == [
        ("buyer-a-overflow", OVERFLOW, "BUSY"),
        (None, FALLBACK, "ANSWER"),
    ]
    assert call.seconds("talk_s") == Decimal("120.000")
    # 4 ms until the buyer's 486 (corpus: the reject comes at once), then 5 s of ringing.
    assert call.seconds("ring_s") == Decimal("5.004")
    # No buyer took the call: nobody pays for it and the publisher earns nothing.
    assert call["billable"] is False and call["billable_reason"] == "not_connected"
    assert (call.money("revenue"), call.money("payout"), call.money("margin")) == (ZERO,) * 3
    # The fallback's leg is recorded like a buyer's: the record names the file, 120 s long.
    [recording] = report.recordings
    assert recording.channel == "PJSIP/ivr-trunk-out-00000002"
    assert call["recording_path"] == call.recording_file
    assert call.events_of("recording.start") == [{"file": call.recording_file}]
    assert wav_seconds(harness.recordings_dir / call.recording_file) == Decimal("120")


def _two_dials(record_to: str) -> list[str]:
    return [
        *flows.dial_commands(OVERFLOW, 20, f"{OVERFLOW}-00000001", record_to),
        *flows.dial_commands(FALLBACK, 30, "PJSIP/ivr-trunk-out-00000002", record_to),
    ]


FAILURES = [
    # (outcome, DIALSTATUS, HANGUPCAUSE, tech cause)
    (DialOutcome.busy(), "BUSY", 17, "SIP 486 Busy Here"),
    (DialOutcome.congestion(), "CONGESTION", 34, "SIP 503 Service Unavailable"),
    (DialOutcome.not_found(), "CHANUNAVAIL", 1, "SIP 404 Not Found"),
    (DialOutcome.no_answer(), "NOANSWER", 0, "SIP 180 Ringing"),
]


@pytest.mark.parametrize(
    ("outcome", "status", "cause", "tech"), FAILURES, ids=[f[1] for f in FAILURES]
)
async def test_every_destination_fails_then_the_all_busy_message(
    harness: Harness, outcome: DialOutcome, status: str, cause: int, tech: str
) -> None:
    script = flows.auto_call(caller=flows.NEW_YORK, presses=NY_PRESSES, default_outcome=outcome)
    report = await harness.call(script)

    call = await harness.stored(report)
    record_to = flows.recording_path(call.recording_file)
    assert report.commands == [
        *flows.MENU_TO_HOLD,
        flows.ANNOUNCE,
        *flows.dial_commands(MAIN, 20, f"{MAIN}-00000001", record_to),
        *flows.dial_commands(OVERFLOW, 20, f"{OVERFLOW}-00000002", record_to),
        *flows.dial_commands(FALLBACK, 30, "PJSIP/ivr-trunk-out-00000003", record_to),
        flows.ALL_BUSY,
        flows.DONE,
    ]
    # Nobody answered: no MixMonitor started, no file, no recording in the record.
    assert report.recordings == [] and call["recording_path"] is None
    assert not harness.recordings_dir.exists() or list(harness.recordings_dir.iterdir()) == []
    assert report.agistatus == "SUCCESS" and report.server_closed
    assert call["disposition"] == "no_answer" and call["status"] == "closed"
    assert [(a["target_id"], a["dial_status"], a["hangup_cause"], a["tech_cause"])
            for a in call.attempts] == [
        ("buyer-a-main", status, cause, tech),
        ("buyer-a-overflow", status, cause, tech),
        (None, status, cause, tech),
    ]  # fmt: skip
    rang = Decimal("70.000") if status == "NOANSWER" else ZERO  # 20 + 20 + 30 s timeouts
    assert call.seconds("ring_s") == pytest.approx(rang, abs=Decimal("0.05"))
    assert call.seconds("talk_s") == ZERO and call["billable"] is False
    assert call["billable_reason"] == "not_connected"
    assert (call.money("revenue"), call.money("payout"), call.money("margin")) == (ZERO,) * 3


async def test_caller_hanging_up_during_the_all_busy_message_was_not_answered(
    harness: Harness,
) -> None:
    def before(record_to: str) -> list[str]:
        return [
            *flows.MENU_TO_HOLD,
            flows.ANNOUNCE,
            *flows.dial_commands(OVERFLOW, 20, f"{OVERFLOW}-00000001", record_to),
            *flows.dial_commands(FALLBACK, 30, "PJSIP/ivr-trunk-out-00000002", record_to),
        ]

    script = flows.auto_call(
        default_outcome=DialOutcome.busy(),
        hangup=HangupDuringCommand(len(before("")) + 1, after_s=1.0),
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    record_to = flows.recording_path(call.recording_file)
    assert report.commands == [*before(record_to), flows.ALL_BUSY, flows.DONE]
    assert report.agistatus == "HANGUP" and report.server_closed
    # Every destination was busy before the caller left: nobody rang while they hung up.
    assert call["disposition"] == "no_answer"
    assert [a["dial_status"] for a in call.attempts] == ["BUSY", "BUSY"]
