"""Dial's U() Gosub and GOSUB_RESULT as apps/app_dial.c handles them, and the contract rule that
the app never sets GOSUB_RESULT (docs/contracts.md): the double acts as Asterisk would and
reports the breach, so such an app bug fails the app's tests."""

from __future__ import annotations

import pytest

from ivr.sim.script import CallScript, DialOutcome

from .agi_peer import START, call_with_commands

RING_S, TALK_S = 2.0, 10.0
SCRIPT = CallScript(
    did="18005550100", dial_outcomes={"buyer-a": DialOutcome.answer(TALK_S, ring_s=RING_S)}
)
DIAL_G = b'EXEC Dial "PJSIP/buyer-a,30,gU(ivr-buyer-answered)"\n'
DIAL_NO_G = b'EXEC Dial "PJSIP/buyer-a,30,U(ivr-buyer-answered)"\n'
AFTER_DIAL = [
    b"GET VARIABLE DIALSTATUS\n",
    b"GET VARIABLE ANSWEREDTIME\n",
    b"GET VARIABLE IVR_ANSWERED_AT\n",
    b"CHANNEL STATUS\n",
]


async def test_a_contract_keeping_app_is_bridged_and_stamped() -> None:
    report, heard = await call_with_commands([DIAL_G, *AFTER_DIAL], SCRIPT)
    answered = f"{START + RING_S:.3f}"
    assert heard.replies == [
        ["200 result=0"],
        ["200 result=1 (ANSWER)"],
        ["200 result=1 (10)"],  # the caller was answered by the bridge, at the buyer's answer
        [f"200 result=1 ({answered})"],
        ["200 result=6"],
    ]
    assert report.violations == []
    assert report.dials[0].talk_s == TALK_S and report.dials[0].gosub_result is None


@pytest.mark.parametrize(
    ("set_line", "dial", "dial_reply", "status"),
    [
        (b"SET VARIABLE __GOSUB_RESULT ABORT\n", DIAL_G, "200 result=0", "ANSWER"),
        (b"SET VARIABLE __GOSUB_RESULT ABORT\n", DIAL_NO_G, "200 result=-1", "ANSWER"),
        (b"SET VARIABLE _GOSUB_RESULT BUSY\n", DIAL_NO_G, "200 result=0", "BUSY"),
        (b"SET VARIABLE _GOSUB_RESULT congestion\n", DIAL_G, "200 result=0", "congestion"),
        (b"SET VARIABLE __GOSUB_RESULT CONTINUE\n", DIAL_NO_G, "200 result=0", "ANSWER"),
    ],
)
async def test_an_inherited_gosub_result_stops_the_bridge(
    set_line: bytes, dial: bytes, dial_reply: str, status: str
) -> None:
    report, heard = await call_with_commands([set_line, dial, *AFTER_DIAL], SCRIPT)
    assert heard.replies[1:] == [
        [dial_reply],
        [f"200 result=1 ({status})"],
        ["200 result=1 ()"],  # no bridge: ANSWEREDTIME stays cleared
        [f"200 result=1 ({START + RING_S:.3f})"],  # the subroutine did run
        ["200 result=4"],  # and nothing answered the caller
    ]
    assert heard.hangups == 0  # the caller is still there
    attempt = report.dials[0]
    assert attempt.talk_s == 0.0 and attempt.dialstatus == status
    assert attempt.gosub_result == set_line.split()[-1].decode()
    assert len(report.violations) == 1 and "GOSUB_RESULT" in report.violations[0]


async def test_no_bridge_means_no_bridged_recording() -> None:
    commands = [
        b"ANSWER\n",
        b"SET VARIABLE __GOSUB_RESULT ABORT\n",
        b'EXEC MixMonitor "/var/spool/asterisk/monitor/x.wav,b"\n',
        DIAL_G,
    ]
    report, _ = await call_with_commands(commands, SCRIPT)
    assert [r.seconds for r in report.recordings] == [0.0]


@pytest.mark.parametrize(
    "set_lines",
    [
        [b"SET VARIABLE GOSUB_RESULT ABORT\n"],  # not inherited: the buyer never sees it
        [b"SET VARIABLE __GOSUB_RESULT ABORT\n", b"SET VARIABLE GOSUB_RESULT ABORT\n"],
        [b"SET VARIABLE __GOSUB_RESULT HOLD-ON\n"],  # a value app_dial does not act on
        [b'EXEC Set "GOSUB_RESULT=ABORT"\n'],
    ],
)
async def test_a_gosub_result_asterisk_ignores_is_still_reported(set_lines: list[bytes]) -> None:
    report, heard = await call_with_commands([*set_lines, DIAL_G, *AFTER_DIAL], SCRIPT)
    assert heard.replies[len(set_lines) :][:3] == [
        ["200 result=0"],
        ["200 result=1 (ANSWER)"],
        ["200 result=1 (10)"],
    ]
    assert report.dials[0].talk_s == TALK_S
    assert len(report.violations) == 1
    assert "must never set" in report.violations[0]


async def test_inheritance_prefixes_are_not_part_of_the_name() -> None:
    commands = [
        b"SET VARIABLE __IVR_X one\n",
        b"GET VARIABLE IVR_X\n",
        b"GET VARIABLE __IVR_X\n",
        b'EXEC Set "_IVR_Y=two"\n',
        b"GET FULL VARIABLE ${IVR_Y}\n",
    ]
    report, heard = await call_with_commands(commands, SCRIPT)
    assert heard.replies[1:] == [
        ["200 result=1 (one)"],
        ["200 result=0"],  # Asterisk compares names without their underscores
        ["200 result=0"],
        ["200 result=1 (two)"],
    ]
    assert report.variables["IVR_X"] == "one" and report.variables["IVR_Y"] == "two"
