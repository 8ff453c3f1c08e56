"""Every AGI transcript recorded from Asterisk 22, replayed against the double: the server side
sends the transcript's ``>>`` bytes (at the transcript's moments on the virtual clock) and the
double must answer the transcript's ``<<`` lines, in order, unsolicited HANGUP included."""

from __future__ import annotations

import asyncio
import math
import re
from pathlib import Path
from typing import Any

import pytest

from ivr.clock import ManualClock
from ivr.sim.double import AsteriskDouble
from ivr.sim.report import CallReport
from ivr.sim.script import (
    CallScript,
    DialKind,
    DialOutcome,
    HangupAt,
    HangupDuringCommand,
    HangupWhileBridged,
    HangupWhileRinging,
    Press,
)

from .transcript import Entry, Transcript, read_transcript

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "asterisk"
MISSING = frozenset({"lab-no-such-file"})
NEXT_READ_1 = {"presses": (Press("1"),)}


def answer_at(ring_s: float, talk_s: float, ringing_after_s: float, **kw: Any) -> DialOutcome:
    return DialOutcome(
        DialKind.ANSWER, ring_s=ring_s, talk_s=talk_s, ringing_after_s=ringing_after_s, **kw
    )


# What the caller and the buyers did in each recording (from its README.txt), as script fields.
SCENARIOS: dict[str, dict[str, Any]] = {
    "corpus/02b-streamfile-no-press": {"missing_files": MISSING},
    "corpus/02c-streamfile-and-playback-missing-file": {"missing_files": MISSING},
    "corpus/02d-streamfile-missing-only-agistatus": {"missing_files": MISSING},
    "corpus/02e-exec-unknown-app-only-agistatus": {"missing_files": MISSING},
    "corpus/06a-exec-dial-g-buyer-hangs-up-first": {
        "answer_delay_s": 0.0,
        "dial_outcomes": {"buyer1": answer_at(1.0, 3.012, 0.002)},
    },
    "corpus/06b-exec-dial-no-g-buyer-hangs-up-first": {
        "answer_delay_s": 0.001,
        "dial_outcomes": {"buyer1": answer_at(1.0, 3.014, 0.004)},
    },
    "corpus/06c-exec-dial-caller-hangs-up-while-buyer-rings": {
        "dial_outcomes": {"buyer1": DialOutcome(DialKind.RING_NO_ANSWER, ringing_after_s=0.002)},
        "hangup": HangupWhileRinging(1, after_s=4.006),
    },
    "corpus/06d-exec-dial-caller-hangs-up-while-bridged": {
        "answer_delay_s": 0.0,
        "dial_outcomes": {"buyer1": answer_at(0.5, 60.0, 0.003)},
        "hangup": HangupWhileBridged(1, after_s=4.508),
    },
    "corpus/07a-mixmonitor-b-option": {
        "answer_delay_s": 0.002,
        "dial_outcomes": {"buyer1": answer_at(1.0, 4.019, 0.002)},
    },
    "corpus/07b-mixmonitor-no-b-option": {
        "answer_delay_s": 0.001,
        "dial_outcomes": {"buyer1": answer_at(1.0, 4.015, 0.002)},
    },
    # 09d/09f/09f2: ring and talk from asterisk.log ("is ringing", "answered", "left" the
    # bridge), RINGTIME_MS for the 180. The log's times are cut to the ms, so the caller's
    # answer moment is the one ANSWEREDTIME_MS and DIALEDTIME_MS agree on (09d: 8009 / 8012
    # puts it 3 ms after the channel's start; 09f: 4014 / 4016, 2 ms).
    "corpus/09d-ami-coreshowchannels-during-bridged-call": {
        "answer_delay_s": 0.003,
        "dial_outcomes": {"buyer1": answer_at(0.508, 60.0, 0.002)},
        "hangup": HangupWhileBridged(1, after_s=7.501),
    },
    "corpus/09f-ami-call-stream-events-call-cdr": {
        "answer_delay_s": 0.001,
        "dial_outcomes": {"buyer1": answer_at(1.008, 3.005, 0.002)},
    },
    "corpus/09f2-ami-call-stream-filter-action": {
        "dial_outcomes": {"buyer1": answer_at(1.007, 3.006, 0.002)},
    },
    "corpus/09g2-ami-core-stop-now-with-live-agi-call": {"hangup": HangupDuringCommand(2, 1.896)},
    "calls/01-happy": NEXT_READ_1,
    "calls/02-fallback-busy": NEXT_READ_1,
    "calls/03-fallback-noanswer": NEXT_READ_1,
    "calls/04-flowB-agi-exec-dial-busy": {
        **NEXT_READ_1,
        "dial_outcomes": {
            "buyer1": DialOutcome.busy(),
            "buyer2": DialOutcome.answer(talk_s=7.863, ring_s=1.0, ended_by="caller"),
        },
    },
    "calls/allfail-busy-then-unreachable": NEXT_READ_1,
    "calls/reject-480-then-603": NEXT_READ_1,
    "calls/reject-503-then-404": NEXT_READ_1,
    "calls/hangup-during-getdata": {"hangup": HangupDuringCommand(3, 0.504)},
    "calls/flowE-agi-linger-after-hangup": {"hangup": HangupDuringCommand(3, 0.505)},
}
SKIPPED = {
    "calls/flowC-panoramisk-hangup": "panoramisk's parsed results, not the raw AGI lines",
    "calls/flowD-agi-server-down": "no AGI session (nothing listened); see test_double.py",
}


def all_cases() -> list[str]:
    logs = sorted(SHARED.glob("corpus/*/agi.log")) + sorted(SHARED.glob("calls/*/agi.log"))
    return [str(path.parent.relative_to(SHARED)) for path in logs]


def caller_presses(case_dir: Path, transcript: Transcript) -> tuple[Press, ...]:
    """The README's ``--dtmf ms:digit,...`` (ms after the answer) as presses."""
    readme = case_dir / "README.txt"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    match = re.search(r"--dtmf '?([^' ]+)'?", text)
    if not match:
        return ()
    # The lab's DTMF clock starts with the first command after ANSWER.
    answered = [e.at for e in transcript.entries if e.direction == ">>"][1]
    presses = []
    for item in match.group(1).split(","):
        ms, digit = item.split(":")
        presses.append(Press(digit, at_s=answered + int(ms) / 1000))
    return tuple(presses)


def sip_headers(case_dir: Path) -> dict[str, str]:
    """From / Privacy / P-Asserted-Identity of the carrier's INVITE."""
    log = case_dir / "sip-carrier.log"
    if not log.exists():
        return {}
    wanted = ("From", "Privacy", "P-Asserted-Identity")
    headers: dict[str, str] = {}
    text = log.read_text(encoding="utf-8")
    invite = text[text.index("INVITE ") :].split("\r\n\r\n", 1)[0]
    for line in invite.splitlines():
        name, sep, value = line.rstrip("\r").partition(": ")
        if sep and name in wanted and name not in headers:
            # Asterisk prints the From it parsed: the sender's port is not part of it (08a-g).
            headers[name] = value.replace("@127.0.0.1:5070>", "@127.0.0.1>")
    return headers


def scenario(case: str, transcript: Transcript) -> CallScript:
    env = transcript.env
    case_dir = SHARED / case
    script, _, query = env["agi_network_script"].partition("?")
    arg_keys = sorted((k for k in env if k.startswith("agi_arg_")), key=lambda k: int(k[8:]))
    fields: dict[str, Any] = {
        "did": env["agi_extension"],
        "caller": env["agi_callerid"],
        "caller_name": env["agi_calleridname"],
        "script": script,
        "query": query,
        "args": tuple(env[k] for k in arg_keys),
        "channel_name": env["agi_channel"],
        "uniqueid": env["agi_uniqueid"],
        "calling_pres": int(env["agi_callingpres"]),
        "context": env["agi_context"],
        "priority": env["agi_priority"],
        "answer_delay_s": transcript.first_reply_at("ANSWER") - transcript.entries[0].at,
        "presses": caller_presses(case_dir, transcript),
        "sip_headers": sip_headers(case_dir),
    }
    if case == "corpus/06e-caller-hangs-up-while-agi-idle":
        fields["hangup"] = HangupAt(transcript.first_reply_at("ANSWER") + 1.509)
    fields.update(SCENARIOS.get(case, {}))
    return CallScript(**fields)


def clock_start(transcript: Transcript) -> float:
    """Asterisk's wall clock when the session started. The log's times come from the lab's
    clock, a few ms off Asterisk's own (10a: EPOCH turned 15 commands later than the log says).
    Where Asterisk read its clock for a reply, the reply bounds the offset: ``GET VARIABLE
    EPOCH`` answered n was asked while Asterisk's clock was in [n, n + 1)."""
    env = transcript.env
    guess = int(env["agi_uniqueid"].split(".")[0]) + transcript.connected_at % 1
    low, high = -math.inf, math.inf
    asked_at: float | None = None
    for entry in transcript.entries:
        if entry.direction == ">>":
            asked_at = entry.at if entry.data == b"GET VARIABLE EPOCH\n" else None
        elif entry.direction == "<<" and asked_at is not None:
            match = re.fullmatch(rb"200 result=1 \((\d+)\)\n", entry.data)
            if match:
                low = max(low, int(match.group(1)) - asked_at)
                high = min(high, int(match.group(1)) + 1 - asked_at)
            asked_at = None
    assert low < high, "EPOCH replies that no single clock offset explains"
    if low <= guess < high:
        return guess
    return (low + high) / 2


def steps(transcript: Transcript) -> list[tuple[list[Entry], int]]:
    """(commands sent in one write, number of lines Asterisk wrote after them)."""
    out: list[tuple[list[Entry], int]] = []
    for entry in transcript.entries:
        if entry.direction == ">>":
            if out and out[-1][1] == 0:
                out[-1][0].append(entry)  # no reply in between: one write (corpus 05)
            else:
                out.append(([entry], 0))
        elif entry.direction == "<<" and out:
            out[-1] = (out[-1][0], out[-1][1] + 1)
    return out


async def replay(
    transcript: Transcript, script: CallScript, clock: ManualClock
) -> tuple[list[str], list[str], CallReport, int]:
    """A FastAGI server that plays the transcript's server side; returns the header and the
    reply lines it received."""
    header: list[str] = []
    replies: list[str] = []
    epoch0 = clock.time()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (line := await reader.readline()) not in (b"\n", b""):
            header.append(line[:-1].decode("utf-8"))
        for sends, expected in steps(transcript):
            clock.set(max(clock.time(), epoch0 + sends[0].at))
            writer.write(b"".join(entry.data for entry in sends))
            for _ in range(expected):
                try:
                    line = await asyncio.wait_for(reader.readline(), 2.0)
                except TimeoutError:
                    break
                replies.append(line.decode("utf-8")[:-1])
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        # Legs take the next numbers of Asterisk's channel counter after the caller's channel.
        first_leg = int(script.channel_name.rsplit("-", 1)[1], 16) + 1 if script.channel_name else 0
        double = AsteriskDouble(clock, idle_grace_s=0.05, first_channel=first_leg)
        report = await double.place_call("127.0.0.1", port, script)
    return header, replies, report, port


@pytest.mark.parametrize("case", all_cases())
async def test_double_answers_as_asterisk_did(case: str) -> None:
    if case in SKIPPED:
        pytest.skip(SKIPPED[case])
    transcript = read_transcript(SHARED / case / "agi.log")
    env = transcript.env
    clock = ManualClock(start=clock_start(transcript))
    header, replies, report, port = await replay(transcript, scenario(case, transcript), clock)

    expected_header = [
        f"agi_request: agi://127.0.0.1:{port}/{env['agi_network_script']}"
        if line.startswith("agi_request:")
        else line
        for line in transcript.header
        if line and not line.startswith("agi_threadid:")
    ]
    assert [line for line in header if not line.startswith("agi_threadid:")] == expected_header
    expected = [e.data.decode("utf-8")[:-1] for e in transcript.entries if e.direction == "<<"]
    assert replies == expected
    # The report tells the same story; it may go on past the server's close (05: a line left
    # in Asterisk's stdio buffer still runs once the socket hits EOF).
    assert report.replies()[: len(expected)] == expected
    assert [exchange.text for exchange in report.exchanges] == report.commands
