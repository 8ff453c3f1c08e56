"""The fake channel replays the Asterisk 22 corpus: same DTMF timeline, same replies, same timing.

Each case's ``run.json`` gives the caller's DTMF (ms after the answer, ``ms:key``) and its
``agi.log`` the commands with their send and reply times. Every GET DATA, STREAM FILE and WAIT
FOR DIGIT is sent to the fake at the same moment; its answer must equal what Asterisk replied
and end within 0.1 s of it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from menu_fake_channel import DTMF_S, FakeChannel, KeyPress

from ivr.agi.api import DigitInput, Playback
from ivr.clock import ManualClock

# Sound lengths in the lab's Asterisk (endpos when played to the end, 8 kHz samples: 02b).
LAB_SOUNDS = {"beep": 3404 / 8000, "vm-enter-num-to-call": 16184 / 8000}
LINE_RE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3}) (>>|<<) (.*)$")
CASES = [
    "01a-getdata-no-input",
    "01b-getdata-zip-5-digits-then-pound",
    "01c-getdata-max-digits",
    "01d-getdata-pound-only",
    "01e-getdata-partial-then-timeout",
    "02a-streamfile-escape-digit-pressed",
    "02b-streamfile-no-press",
    "03-waitfordigit-saydigits-saynumber",
]


@dataclass(frozen=True)
class Exchange:
    sent: float  # seconds after the ANSWER reply
    command: str
    replied: float
    reply: str


def _seconds(stamp: str) -> float:
    t = datetime.strptime(stamp, "%H:%M:%S.%f")
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def read_exchanges(agi_log: Path) -> list[Exchange]:
    """Command/first-reply pairs after the header, timed from the ANSWER reply."""
    pairs: list[tuple[float, str, float, str]] = []
    pending: tuple[float, str] | None = None
    for line in agi_log.read_text(encoding="utf-8").splitlines():
        match = LINE_RE.match(line)
        if match is None:
            continue
        stamp, direction, text = _seconds(match[1]), match[2], match[3]
        if direction == ">>":
            pending = (stamp, text)
        elif pending is not None and text[:3].isdigit():
            pairs.append((pending[0], pending[1], stamp, text))
            pending = None
    answer = next(p for p in pairs if p[1] == "ANSWER")
    return [Exchange(s - answer[2], c, r - answer[2], t) for s, c, r, t in pairs if c != "ANSWER"]


def read_keys(case_dir: Path) -> list[KeyPress]:
    dtmf = json.loads((case_dir / "run.json").read_text())["args"]["dtmf"] or ""
    keys = []
    for item in filter(None, dtmf.split(",")):
        ms, key = item.split(":")
        keys.append(KeyPress(int(ms) / 1000 + DTMF_S, key))
    return keys


SKIPPED = object()


async def replay(fake: FakeChannel, command: str) -> object:
    """What the fake answers to the corpus command, or SKIPPED for commands it does not play."""
    words = shlex.split(command)
    if words[:2] == ["GET", "DATA"]:
        return await fake.get_data(words[2], int(words[3]) / 1000, int(words[4]))
    if words[:2] == ["STREAM", "FILE"] and len(words) == 4:
        return await fake.stream_file(words[2], words[3])
    if words[:3] == ["WAIT", "FOR", "DIGIT"]:
        timeout = int(words[3]) / 1000 if int(words[3]) >= 0 else 3600.0
        return await fake.wait_for_digit(timeout)
    return SKIPPED


def meaning(command: str, reply: str) -> object:
    """The corpus reply line as the channel API value (the real parser lives in ivr.agi)."""
    if command.startswith("GET DATA"):
        match = re.fullmatch(r"200 result=(\d*)( \(timeout\))?", reply)
        assert match, reply
        return DigitInput(match[1], match[2] is not None)
    if command.startswith("STREAM FILE"):
        match = re.fullmatch(r"200 result=(\d+) endpos=(\d+)", reply)
        assert match, reply
        code = int(match[1])
        return Playback(chr(code) if code else None, int(match[2]))
    match = re.fullmatch(r"200 result=(\d+)", reply)
    assert match, reply
    return chr(int(match[1])) if int(match[1]) else None


def same_playback(got: object, want: object) -> bool:
    if not (isinstance(got, Playback) and isinstance(want, Playback)):
        return got == want
    return got.digit == want.digit and abs(got.endpos - want.endpos) <= 0.05 * 8000


@pytest.mark.parametrize("case", CASES)
async def test_fake_answers_like_asterisk(shared_asterisk: Path, case: str) -> None:
    case_dir = shared_asterisk / "corpus" / case
    clock = ManualClock()
    origin = clock.time()
    fake = FakeChannel(clock, read_keys(case_dir), durations=LAB_SOUNDS)
    checked = 0
    for exchange in read_exchanges(case_dir / "agi.log"):
        if origin + exchange.sent > clock.time():
            clock.set(origin + exchange.sent)  # the script idled (01c) or ran other commands
        got = await replay(fake, exchange.command)
        if got is SKIPPED:
            continue
        assert same_playback(got, meaning(exchange.command, exchange.reply)), exchange
        assert clock.time() - origin == pytest.approx(exchange.replied, abs=0.1), exchange
        checked += 1
    assert checked >= 1
