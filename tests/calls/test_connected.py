"""A caller who goes through the whole menu and talks to a buyer, recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ivr.sim.script import CallScript, DialOutcome, Press

from . import flows
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
    assert file_name == call.recording_file
    assert report.commands == [
        "ANSWER",
        'STREAM FILE "ivr/ivr-welcome" ""',
        'GET DATA "ivr/ivr-main-menu" "5000" "1"',
        'GET DATA "ivr/ivr-coverage-menu" "5000" "1"',
        'GET DATA "ivr/ivr-enter-zip" "5000" "5"',
        'STREAM FILE "ivr/ivr-please-hold" ""',
        'STREAM FILE "ivr/ivr-call-recorded" ""',
        'EXEC "Dial" "PJSIP/buyer-a-overflow,20,gU(ivr-buyer-answered^'
        f'/var/spool/asterisk/monitor/ivr/{file_name})"',
        'GET FULL VARIABLE "${DIALSTATUS}|${IVR_ANSWERED_AT}|${STRFTIME(,,%s.%3q)}|'
        '${HANGUPCAUSE}|${HANGUPCAUSE_KEYS()}"',
        'GET FULL VARIABLE "${HANGUPCAUSE(PJSIP/buyer-a-overflow-00000001,tech)}"',
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

    # Recorded on the buyer's leg, from its answer: the bridged conversation, talk time long.
    [recording] = report.recordings
    wav = harness.recordings_dir / file_name
    assert recording.local_path == wav and recording.channel == report.dials[0].leg
    assert wav_seconds(wav) == Decimal(str(report.dials[0].talk_s)) == Decimal("95")
    [started] = call.events_of("recording.start")
    assert started == {"file": file_name}
    assert [e["at"] for e in call.events if e["kind"] == "recording.start"] == [
        attempt["answered_at"]
    ]


async def test_a_recordings_folder_dial_would_cut_leaves_the_call_unrecorded(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A "," in the folder would split Dial's data: the call is connected unrecorded rather
    than sent to a broken Dial."""
    monkeypatch.setattr(harness.switch.deps, "asterisk_recordings_dir", "/var/spool/rec,x")
    script = CallScript(
        did="18005550101",
        caller=CHICAGO_CALLER,
        presses=(Press("1"), Press("1"), Press("60601")),
        dial_outcomes={"buyer-a-overflow": DialOutcome.answer(talk_s=95, ring_s=3)},
    )
    report = await harness.call(script)

    call = await harness.stored(report)
    assert [c for c in report.commands if c.startswith('EXEC "Dial"')] == [
        'EXEC "Dial" "PJSIP/buyer-a-overflow,20,gU(ivr-buyer-answered)"'
    ]
    assert call["disposition"] == "connected" and call["recording_path"] is None
    assert call.events_of("recording.refused") == [
        {"path": f"/var/spool/rec,x/{call.recording_file}"}
    ]
    assert report.recordings == []


async def test_without_ami_no_ended_call_is_kept_in_memory(harness: Harness) -> None:
    """Only AMI settles an ended session; without it, keeping ended calls only held thousands
    of records that every older-generation garbage collection then walked (70-90 ms pauses)."""
    assert harness.switch.ami is None
    for caller in ("+13125550131", "+13125550132", "+13125550133"):
        report = await harness.call(flows.auto_call(caller))
        assert report.agistatus == "SUCCESS" and report.ivr_done
    assert harness.switch.reconciler.awaiting_ami == 0
