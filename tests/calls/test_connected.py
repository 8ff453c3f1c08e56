"""A caller who goes through the whole menu and talks to a buyer, recorded."""

from __future__ import annotations

from decimal import Decimal

from ivr.sim.script import CallScript, DialOutcome, Press

from .harness import Harness, wav_seconds

CHICAGO_CALLER = "+13125550123"


async def test_connected_call_through_both_menus_with_recording(harness: Harness) -> None:
    script = CallScript(
        did="18005550101",
        caller=CHICAGO_CALLER,
        presses=(Press("1"), Press("1"), Press("60601")),
        dial_outcomes={"buyer-a-overflow": DialOutcome.answer(talk_s=95, ring_s=3)},
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    file_name = call["recording_path"]
    assert report.commands == [
        "ANSWER",
        'STREAM FILE "ivr/ivr-welcome" ""',
        'GET DATA "ivr/ivr-main-menu" "5000" "1"',
        'GET DATA "ivr/ivr-coverage-menu" "5000" "1"',
        'GET DATA "ivr/ivr-enter-zip" "5000" "5"',
        'STREAM FILE "ivr/ivr-please-hold" ""',
        'STREAM FILE "ivr/ivr-call-recorded" ""',
        f'EXEC "MixMonitor" "/var/spool/asterisk/monitor/ivr/{file_name},b"',
        'SET VARIABLE "IVR_ANSWERED_AT" ""',
        'EXEC "Dial" "PJSIP/buyer-a-overflow,20,gU(ivr-buyer-answered)"',
        'GET VARIABLE "DIALSTATUS"',
        'GET VARIABLE "IVR_ANSWERED_AT"',
        'GET FULL VARIABLE "${STRFTIME(,,%s.%3q)}"',
        'GET FULL VARIABLE "${HANGUPCAUSE_KEYS()}"',
        'GET FULL VARIABLE "${HANGUPCAUSE(PJSIP/buyer-a-overflow-00000001,tech)}"',
        'GET VARIABLE "HANGUPCAUSE"',
        'SET VARIABLE "IVR_DONE" "1"',
    ]
    assert report.ivr_done and report.server_closed and report.violations == []

    assert call["status"] == "closed"
    assert call["disposition"] == "connected"
    assert call["reject_reason"] is None
    assert call["campaign_id"] == "auto-insurance" and call["publisher_id"] == "leadgen-east"
    assert call["target_id"] == "buyer-a-overflow"
    assert call["tags"] == ["auto"]
    assert call["gathered"] == {"zip": "60601"}
    assert call["caller_number"] == CHICAGO_CALLER and call["caller_state"] == "IL"
    assert call.seconds("talk_s") == Decimal("95.000")
    assert call.seconds("ring_s") == Decimal("3.000")
    ivr_end = report.exchanges[5].replied_at  # the hold prompt ends the menu
    assert report.answered_at is not None
    assert call.seconds("ivr_s") == Decimal(str(round(ivr_end - report.answered_at, 3)))
    assert call["billable"] is True and call["billable_reason"] == "billable"
    # buyer-a-overflow pays 20.00; leadgen-east takes a 40 % revenue share.
    assert call.money("revenue") == Decimal("20.00")
    assert call.money("payout") == Decimal("8.00")
    assert call.money("margin") == Decimal("12.00")

    [attempt] = call.attempts
    assert attempt["target_id"] == "buyer-a-overflow"
    assert attempt["dial_string"] == "PJSIP/buyer-a-overflow"
    assert attempt["dial_status"] == "ANSWER" and attempt["outcome"] == "answer"
    assert attempt["hangup_cause"] == 16 and attempt["tech_cause"] == "SIP 200 OK"

    [route] = call.events_of("route.decision")
    assert route["ranked"] == ["buyer-a-overflow"]
    assert {e["target"]: e["reason"] for e in route["excluded"]} == {
        "buyer-a-main": "out_of_state",
        "buyer-b-home": "missing_tags",
    }

    [recording] = report.recordings
    wav = harness.recordings_dir / file_name
    assert recording.local_path == wav
    assert wav_seconds(wav) == Decimal(str(report.dials[0].talk_s)) == Decimal("95")
