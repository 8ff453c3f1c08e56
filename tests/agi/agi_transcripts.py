"""Reading the recorded FastAGI conversations of shared/asterisk (``agi.log``).

Each line is ``HH:MM:SS.mmm << text`` (from Asterisk), ``>> text`` (to Asterisk) or ``# comment``;
a ``# raw: b'...'`` comment gives the exact bytes of the line above it (control characters and
UTF-8 are only shown approximately in the text). The header runs up to the empty ``<<`` line.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} (<<|>>|#) ?(.*)$", re.S)


@dataclass
class Exchange:
    sent: bytes  # the command as sent, "\n" included
    reply: list[bytes] = field(default_factory=list)  # reply lines, "\n" stripped
    hangup_before_reply: bool = False  # HANGUP arrived after the command was sent
    hangup_after_reply: bool = False  # HANGUP arrived while no command ran (after this reply)

    def complete(self) -> bool:
        if not self.reply:
            return False
        code = self.reply[0][:3]
        if self.reply[0][3:4] != b"-":
            return True
        return len(self.reply) > 1 and self.reply[-1].startswith(code + b" ")


@dataclass
class Transcript:
    path: Path
    header: list[bytes]  # header lines, "\n" stripped, blank terminator excluded
    exchanges: list[Exchange]
    hangup_before_first_command: bool = False
    pipelined: bool = False  # the recording went on to pipeline commands: cut there


def _events(path: Path) -> list[tuple[str, bytes]] | None:
    events: list[tuple[str, bytes]] = []
    for text in path.read_text("utf-8").split("\n"):
        if not text:
            continue
        match = LINE.match(text)
        if match is None:
            return None  # not the scripted-lab format (e.g. the panoramisk log of flowC)
        kind, body = match.groups()
        if kind == "#":
            if body.startswith("raw: "):
                raw = ast.literal_eval(body[len("raw: ") :])
                events[-1] = (events[-1][0], raw.removesuffix(b"\n"))
            continue
        events.append((kind, body.encode("utf-8")))
    return events


def load(path: Path) -> Transcript | None:
    events = _events(path)
    if not events:
        return None
    header: list[bytes] = []
    index = 0
    while index < len(events) and events[index] != ("<<", b""):
        header.append(events[index][1])
        index += 1
    transcript = Transcript(path=path, header=header, exchanges=[])
    _pair(transcript, events[index + 1 :])
    return transcript


def _pair(transcript: Transcript, events: list[tuple[str, bytes]]) -> None:
    current: Exchange | None = None
    for kind, body in events:
        if kind == ">>":
            if current is not None and not current.complete():
                transcript.pipelined = True
                transcript.exchanges.pop()
                return
            current = Exchange(sent=body + b"\n")
            transcript.exchanges.append(current)
        elif body == b"HANGUP":
            if current is None:
                transcript.hangup_before_first_command = True
            elif current.complete():
                current.hangup_after_reply = True
            else:
                current.hangup_before_reply = True
        else:
            assert current is not None, f"reply before any command in {transcript.path}"
            current.reply.append(body)


def all_logs(shared: Path) -> list[Path]:
    return sorted(shared.glob("corpus/*/agi.log")) + sorted(shared.glob("calls/*/agi.log"))


def case_name(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"
