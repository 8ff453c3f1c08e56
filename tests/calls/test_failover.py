"""Targets that fail: the next target, then the campaign's fallback, then the all-busy message."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ivr.sim.script import DialOutcome, HangupDuringCommand, Press

from . import flows
from .harness import Harness

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
    assert report.commands == [
        *flows.MENU_TO_HOLD,
        flows.ANNOUNCE,
        flows.monitor(call["recording_path"]),
        *flows.dial_commands(MAIN, 20, f"{MAIN}-00000001", answered=False),
        *flows.dial_commands(OVERFLOW, 20, f"{OVERFLOW}-00000002", answered=True),
        flows.DONE,
    ]
    assert call["disposition"] == "connected" and call["target_id"] == "buyer-a-overflow"
    assert call["gathered"] == {"zip": "10001"} and call["caller_state"] == "NY"
    assert [(a["target_id"], a["dial_status"], a["hangup_cause"], a["tech_cause"])
            for a in call.attempts] == [
        ("buyer-a-main", "BUSY", 17, "SIP 486 Busy Here"),
        ("buyer-a-overflow", "ANSWER", 16, "SIP 200 OK"),
    ]  # fmt: skip
    assert call.seconds("talk_s") == Decimal("95.000")
    assert call["billable"] is True
    assert (call.money("revenue"), call.money("payout")) == (Decimal("20"), Decimal("8"))
    assert len(report.recordings) == 1  # one MixMonitor for the whole call


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
    assert report.commands[-len(_two_dials()) - 1 :] == [*_two_dials(), flows.DONE]
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


def _two_dials() -> list[str]:
    return [
        *flows.dial_commands(OVERFLOW, 20, f"{OVERFLOW}-00000001", answered=False),
        *flows.dial_commands(FALLBACK, 30, "PJSIP/ivr-trunk-out-00000002", answered=True),
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
    assert report.commands[-2:] == [flows.ALL_BUSY, flows.DONE]
    assert [c for c in report.commands if c.startswith('EXEC "Dial"')] == [
        f'EXEC "Dial" "{MAIN},20,gU(ivr-buyer-answered)"',
        f'EXEC "Dial" "{OVERFLOW},20,gU(ivr-buyer-answered)"',
        f'EXEC "Dial" "{FALLBACK},30,gU(ivr-buyer-answered)"',
    ]
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
    before = [
        *flows.MENU_TO_HOLD,
        flows.ANNOUNCE,
        "EXEC MixMonitor (its file name is random: counted, not compared)",
        *_dial_lines(OVERFLOW, 20, f"{OVERFLOW}-00000001"),
        *_dial_lines(FALLBACK, 30, "PJSIP/ivr-trunk-out-00000002"),
    ]
    script = flows.auto_call(
        default_outcome=DialOutcome.busy(),
        hangup=HangupDuringCommand(len(before) + 1, after_s=1.0),
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    assert report.commands[len(before) :] == [flows.ALL_BUSY, flows.DONE]
    assert report.agistatus == "HANGUP" and report.server_closed
    # Every destination was busy before the caller left: nobody rang while they hung up.
    assert call["disposition"] == "no_answer"
    assert [a["dial_status"] for a in call.attempts] == ["BUSY", "BUSY"]


def _dial_lines(dial_string: str, timeout_s: int, leg: str) -> list[str]:
    return flows.dial_commands(dial_string, timeout_s, leg, answered=False)
