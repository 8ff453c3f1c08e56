"""Dial's ``U(ivr-buyer-answered^<file>)``: the answer Gosub starts ``MixMonitor(<file>,b)`` on
the buyer's leg (dialplans/ivr.conf), so only an answered leg leaves a file, as long as the
bridge; and the one-line outcome read after a Dial (docs/contracts.md) on a live and on a dead
channel."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from ivr.sim.script import (
    CallScript,
    DialOutcome,
    HangupPoint,
    HangupWhileBridged,
    HangupWhileRinging,
)

from .agi_peer import START, call_with_commands

RING_S, TALK_S = 2.0, 10.0
FILE = "/var/spool/asterisk/monitor/ivr/c1.wav"
LEG = "PJSIP/buyer-a-00000001"
DIAL_RECORDED = f'EXEC Dial "PJSIP/buyer-a,30,gU(ivr-buyer-answered^{FILE})"\n'.encode()
DIAL_UNRECORDED = b'EXEC Dial "PJSIP/buyer-a,30,gU(ivr-buyer-answered)"\n'
OUTCOME = (
    b'GET FULL VARIABLE "${DIALSTATUS}|${IVR_ANSWERED_AT}|${STRFTIME(,,%s.%3q)}|${HANGUPCAUSE}'
    b'|${HANGUPCAUSE_KEYS()}"\n'
)
TECH = f'GET FULL VARIABLE "${{HANGUPCAUSE({LEG},tech)}}"\n'.encode()


def _script(outcome: DialOutcome, hangup: HangupPoint | None = None) -> CallScript:
    return CallScript(did="18005550100", dial_outcomes={"buyer-a": outcome}, hangup=hangup)


def _frames(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes()


async def test_an_answered_leg_is_recorded_on_its_own_channel_for_the_bridged_time(
    tmp_path: Path,
) -> None:
    commands = [DIAL_RECORDED, OUTCOME, TECH]
    report, heard = await call_with_commands(
        commands, _script(DialOutcome.answer(TALK_S, ring_s=RING_S)), recordings_dir=tmp_path
    )
    answered, ended = START + RING_S, START + RING_S + TALK_S
    assert heard.replies == [
        ["200 result=0"],
        [f"200 result=1 (ANSWER|{answered:.3f}|{ended:.3f}|16|{LEG})"],
        ["200 result=1 (SIP 200 OK)"],
    ]
    [dial] = report.dials
    assert dial.options == {"g": "", "U": f"ivr-buyer-answered^{FILE}"}
    assert dial.callee_monitor == FILE
    [recording] = report.recordings
    assert (recording.channel, recording.bridged_only, recording.seconds) == (LEG, True, TALK_S)
    assert recording.local_path == tmp_path / "ivr" / "c1.wav"
    assert _frames(recording.local_path) == TALK_S * 8000
    # It ran on the buyer's channel: the caller's channel knows nothing of it.
    assert "MIXMONITOR_FILENAME" not in report.variables


async def test_the_caller_leaving_mid_bridge_ends_the_leg_and_its_recording(
    tmp_path: Path,
) -> None:
    script = _script(
        DialOutcome.answer(300, ring_s=RING_S), hangup=HangupWhileBridged(dial=1, after_s=4.0)
    )
    report, heard = await call_with_commands(
        [DIAL_RECORDED, OUTCOME], script, recordings_dir=tmp_path
    )
    answered = START + RING_S
    assert heard.replies == [
        ["200 result=-1"],
        # res_agi runs GET FULL VARIABLE on a dead channel too (corpus 06c, 06d)
        [f"200 result=1 (ANSWER|{answered:.3f}|{answered + 4:.3f}|16|{LEG})"],
    ]
    assert heard.hangups == 1
    [recording] = report.recordings
    assert recording.seconds == 4.0 and _frames(tmp_path / "ivr" / "c1.wav") == 4 * 8000


@pytest.mark.parametrize(
    "outcome", [DialOutcome.busy(), DialOutcome.no_answer()], ids=["busy", "no-answer"]
)
async def test_a_leg_that_never_answers_leaves_no_file(
    tmp_path: Path, outcome: DialOutcome
) -> None:
    report, _ = await call_with_commands(
        [DIAL_RECORDED, OUTCOME], _script(outcome), recordings_dir=tmp_path
    )
    assert report.recordings == [] and list(tmp_path.iterdir()) == []
    assert report.dials[0].callee_monitor is None


async def test_without_a_file_the_gosub_records_nothing(tmp_path: Path) -> None:
    report, heard = await call_with_commands(
        [DIAL_UNRECORDED, OUTCOME], _script(DialOutcome.answer(TALK_S, ring_s=RING_S)),
        recordings_dir=tmp_path,
    )  # fmt: skip
    assert heard.replies[1][0].startswith("200 result=1 (ANSWER|")
    assert report.recordings == [] and list(tmp_path.iterdir()) == []


async def test_a_bridge_stopped_by_gosub_result_leaves_an_empty_file(tmp_path: Path) -> None:
    """MixMonitor started in the Gosub, then app_dial hung the buyer up: the file was opened
    (app_mixmonitor opens it as it starts) and heard no bridge."""
    commands = [b"SET VARIABLE __GOSUB_RESULT ABORT\n", DIAL_RECORDED]
    report, _ = await call_with_commands(
        commands, _script(DialOutcome.answer(TALK_S, ring_s=RING_S)), recordings_dir=tmp_path
    )
    [recording] = report.recordings
    assert recording.seconds == 0.0 and _frames(tmp_path / "ivr" / "c1.wav") == 0


async def test_the_outcome_line_after_the_caller_left_while_it_rang() -> None:
    """Corpus 06c, read in one line: CANCEL, no answer moment, HANGUPCAUSE 0, the leg, and its
    tech cause in a second command; both answer 200 on the dead channel."""
    script = _script(DialOutcome.no_answer(), hangup=HangupWhileRinging(dial=1, after_s=4.0))
    report, heard = await call_with_commands([DIAL_RECORDED, OUTCOME, TECH], script)
    assert heard.replies == [
        ["200 result=-1"],
        [f"200 result=1 (CANCEL||{START + 4:.3f}|0|{LEG})"],
        ["200 result=1 (SIP 180 Ringing)"],
    ]
    assert heard.hangups == 1 and report.agistatus == "HANGUP"
    assert report.recordings == []
