"""What a CallReport tells the app's end-to-end tests: the command lines (raw and as Asterisk
parsed them) with their replies, the final channel variables of the contract, the dials, the
recordings, the prompts, and whether and when the server closed the socket."""

from __future__ import annotations

import itertools
from pathlib import Path

from ivr.sim.script import CallScript, DialOutcome, HangupDuringCommand

from .agi_peer import START, call_with_commands

TALK_S, RING_S = 42.0, 3.0
SCRIPT = CallScript(
    did="18005550100", dial_outcomes={"buyer-a": DialOutcome.answer(TALK_S, ring_s=RING_S)}
)
HANDLED_CALL = [
    b"ANSWER\n",
    b'STREAM FILE ivr/ivr-welcome ""\n',
    b'EXEC MixMonitor "/var/spool/asterisk/monitor/c1/rec.wav,b"\n',
    b'EXEC Dial "PJSIP/buyer-a,25,gU(ivr-buyer-answered)"\n',
    b'SET VARIABLE IVR_FAILSAFE_REASON "buyer \\"a\\" left"\n',
    b"GET VARIABLE\n",
    b"SET VARIABLE IVR_DONE 1\n",
]


async def test_commands_are_kept_raw_and_parsed_with_their_replies(tmp_path: Path) -> None:
    report, heard = await call_with_commands(HANDLED_CALL, SCRIPT, recordings_dir=tmp_path)
    exchanges = report.exchanges
    assert [e.raw for e in exchanges] == HANDLED_CALL
    assert report.commands == [line[:-1].decode() for line in HANDLED_CALL]
    assert exchanges[4].argv == ("SET", "VARIABLE", "IVR_FAILSAFE_REASON", 'buyer "a" left')
    assert exchanges[3].argv[2] == "PJSIP/buyer-a,25,gU(ivr-buyer-answered)"
    assert [list(e.replies) for e in exchanges] == heard.replies
    assert exchanges[5].replies[0].startswith("520-") and exchanges[5].replies[-1].startswith(
        "520 "
    )
    dial = exchanges[3]
    assert dial.replied_at - dial.sent_at == RING_S + TALK_S
    assert all(a.replied_at <= b.sent_at for a, b in itertools.pairwise(exchanges))


async def test_the_outcome_of_a_handled_call(tmp_path: Path) -> None:
    report, _ = await call_with_commands(HANDLED_CALL, SCRIPT, recordings_dir=tmp_path)
    assert report.ivr_done and not report.failsafe_route and not report.failsafe_requested
    assert report.failsafe_reason == 'buyer "a" left'
    [dial] = report.dials
    assert dial.dial_string == "PJSIP/buyer-a,25,gU(ivr-buyer-answered)"
    assert dial.options == {"g": "", "U": "ivr-buyer-answered"}
    assert (dial.timeout_s, dial.dialstatus, dial.talk_s) == (25.0, "ANSWER", TALK_S)
    [recording] = report.recordings
    assert recording.local_path == tmp_path / "c1" / "rec.wav"
    assert recording.local_path.is_file() and recording.seconds == TALK_S
    assert [(p.name, p.how) for p in report.prompts] == [("ivr/ivr-welcome", "played")]
    assert report.server_closed and not report.gave_up_on_server
    assert report.server_closed_at is not None and report.server_closed_at >= dial.ended_at
    assert dial.ended_at == START + 0.5 + 2.0 + RING_S + TALK_S  # ANSWER, prompt, ring, talk


async def test_an_app_that_gives_up_sends_the_call_to_the_failsafe_route() -> None:
    commands = [b"SET VARIABLE IVR_FAILSAFE 1\n", b"SET VARIABLE IVR_FAILSAFE_REASON no-plan\n"]
    report, _ = await call_with_commands(commands, SCRIPT)
    assert report.failsafe_requested and report.failsafe_route and not report.ivr_done
    assert report.failsafe_reason == "no-plan" and report.agistatus == "SUCCESS"


async def test_returning_without_ivr_done_is_a_failsafe_too() -> None:
    report, _ = await call_with_commands([b"ANSWER\n"], SCRIPT)
    assert report.failsafe_route and not report.failsafe_requested


async def test_a_caller_who_hung_up_ends_the_dialplan() -> None:
    script = CallScript(did="18005550100", hangup=HangupDuringCommand(2, 0.3))
    commands = [b"ANSWER\n", b"WAIT FOR DIGIT 5000\n", b"GET VARIABLE IVR_DONE\n"]
    report, heard = await call_with_commands(commands, script)
    assert heard.hangups == 1 and report.agistatus == "HANGUP"
    assert not report.failsafe_route and report.hangup_pushed_at is not None
    assert report.hangup_pushed_at == START + 0.5 + 0.3


async def test_a_server_that_never_closes_is_dropped_only_with_a_limit() -> None:
    report, heard = await call_with_commands(
        [b"ANSWER\n"], SCRIPT, close=False, silence_limit_s=0.1
    )
    assert heard.replies == [["200 result=0"]]
    assert report.gave_up_on_server and not report.server_closed
