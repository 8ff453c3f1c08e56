"""Reading a shared/asterisk agi.log: its header, and the exchange as timed steps."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

LINE = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) (<<|>>|#) ?(.*)$")


@dataclass
class Entry:
    at: float  # seconds from the connection
    direction: str  # "<<", ">>" or "#"
    data: bytes  # the exact bytes, final "\n" included for << and >>


@dataclass
class Transcript:
    connected_at: float  # seconds of the day
    header: list[str]
    entries: list[Entry] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return dict(line.split(": ", 1) for line in self.header if line)

    def first_reply_at(self, command: str) -> float:
        """When the reply to the first ``command`` arrived (seconds from the connection)."""
        seen = False
        for entry in self.entries:
            if entry.direction == ">>" and entry.data.startswith(command.encode()):
                seen = True
            elif seen and entry.direction == "<<":
                return entry.at
        raise LookupError(command)


def read_transcript(path: Path) -> Transcript:
    raw_entries: list[Entry] = []
    start: float | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = LINE.match(line)
        if not match:
            continue
        hours, minutes, seconds, direction, text = match.groups()
        moment = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        if start is None:
            start = moment
        if direction == "#" and text.startswith("raw: b"):
            raw_entries[-1].data = ast.literal_eval(text[len("raw: ") :])
            continue
        data = text.encode("utf-8") + (b"\n" if direction != "#" else b"")
        raw_entries.append(Entry(moment - start, direction, data))
    assert start is not None
    transcript = Transcript(start, [])
    in_header = True
    for entry in raw_entries:
        if in_header and entry.direction == "<<":
            text = entry.data[:-1].decode("utf-8")
            transcript.header.append(text)
            in_header = text != ""
            continue
        transcript.entries.append(entry)
    return transcript
