"""Reader of the transcripts' ami.log format (shared/asterisk README):
`HH:MM:SS.ffffff << line` from Asterisk, `>> line` to Asterisk, `# comment`; the `\\r\\n` line
ends are not shown and an empty `<< ` line is the blank line that ends a message. The banner
is the one message with no blank line after it. Lines are kept as bytes, verbatim."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

_LINE = re.compile(rb"^(\d\d):(\d\d):(\d\d\.\d+) (<<|>>|#) ?(.*)$")
BANNER = b"Asterisk Call Manager/"
# All transcripts were recorded on this day (README); the log only gives the time of day.
RECORDING_DAY = date(2026, 11, 21)
# Per-session events Asterisk sends at login: a replay must not repeat the recorded ones.
SESSION_EVENTS = frozenset({"FullyBooted", "SuccessfulAuth"})


@dataclass(frozen=True)
class TranscriptBlock:
    at: float  # epoch seconds of the block's first line
    direction: str  # "<<" from Asterisk, ">>" to Asterisk
    lines: tuple[bytes, ...]

    def header(self, name: str) -> str | None:
        prefix = name.lower().encode() + b":"
        for line in self.lines:
            if line.lower().startswith(prefix):
                return line[len(prefix) :].lstrip(b" ").decode("utf-8", errors="replace")
        return None

    @property
    def event(self) -> str | None:
        return self.header("Event")

    def wire(self) -> bytes:
        """The block as Asterisk sent it."""
        return b"".join(line + b"\r\n" for line in self.lines) + b"\r\n"

    def as_dict(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for line in self.lines:
            key, _, value = line.decode("utf-8", errors="replace").partition(":")
            result.setdefault(key, value[1:] if value.startswith(" ") else value)
        return result


def parse_ami_log(source: Path | bytes, day: date = RECORDING_DAY) -> list[TranscriptBlock]:
    data = source.read_bytes() if isinstance(source, Path) else source
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    blocks: list[TranscriptBlock] = []
    current: dict[str, tuple[float, list[bytes]]] = {}
    for raw in data.split(b"\n"):
        match = _LINE.match(raw)
        if match is None or match[4] == b"#":
            continue
        at = midnight + int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
        direction, text = match[4].decode(), match[5]
        if direction == "<<" and text.startswith(BANNER) and direction not in current:
            blocks.append(TranscriptBlock(at, direction, (text,)))
        elif text:
            current.setdefault(direction, (at, []))[1].append(text)
        elif direction in current:
            start, lines = current.pop(direction)
            blocks.append(TranscriptBlock(start, direction, tuple(lines)))
    return blocks


def recorded_events(blocks: list[TranscriptBlock]) -> list[TranscriptBlock]:
    """The call events of a transcript: what a replay sends to every listening session.
    Answers to the recording client's own actions (responses, list items carrying its
    ActionID) and the per-login events are left out."""
    return [
        block
        for block in blocks
        if block.direction == "<<"
        and block.event is not None
        and block.event not in SESSION_EVENTS
        and block.header("ActionID") is None
    ]
