"""What the double saw of one call, for tests and for ``ivr simulate``."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.sim.call import PlayedPrompt, Recording
from ivr.sim.dial import DialAttempt
from ivr.sim.script import CallScript

FROM_ASTERISK = "<<"
TO_ASTERISK = ">>"


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    direction: str  # "<<" from Asterisk (the double), ">>" to Asterisk (the server), as agi.log
    text: str  # without the final "\n"; a "\r" the server sent stays
    at: float  # virtual epoch


@dataclass
class CallReport:
    script: CallScript
    channel: str
    uniqueid: str
    started_at: float  # virtual epoch of the header
    connected: bool = True  # False: nothing listened (flowD), AGISTATUS=FAILURE
    lines: list[TranscriptLine] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    dials: list[DialAttempt] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    prompts: list[PlayedPrompt] = field(default_factory=list)
    digits: list[tuple[float, str]] = field(default_factory=list)  # (epoch, digit) acted on
    answered_at: float | None = None
    hangup_pushed_at: float | None = None  # virtual epoch of the unsolicited HANGUP line
    server_closed_at: float | None = None  # virtual epoch when the server closed the socket
    kept_after_hangup_real_s: float | None = None  # real seconds the server held a dead channel
    agistatus: str = "FAILURE"

    def agi_log(self) -> str:
        """The conversation in agi.log form (without timestamps)."""
        return "\n".join(f"{line.direction} {line.text}" for line in self.lines)

    def replies(self) -> list[str]:
        """Every line the double sent after the header."""
        header_done = False
        out: list[str] = []
        for line in self.lines:
            if line.direction != FROM_ASTERISK:
                continue
            if header_done:
                out.append(line.text)
            elif line.text == "":
                header_done = True
        return out
