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


@dataclass(frozen=True, slots=True)
class AgiExchange:
    """One command the server sent and what the double answered."""

    raw: bytes  # the exact bytes of the line, its final "\n" included (if it had one)
    text: str  # what run_agi handed to parse_args: the final "\n" cut, a "\r" kept
    argv: tuple[str, ...]  # the words as Asterisk parsed them (quotes and escapes resolved)
    replies: tuple[str, ...]  # its reply lines (several for 520); an unsolicited HANGUP is not one
    sent_at: float  # virtual epoch when the double started it
    replied_at: float  # virtual epoch of the reply


@dataclass
class CallReport:
    script: CallScript
    channel: str
    uniqueid: str
    started_at: float  # virtual epoch of the header
    connected: bool = True  # False: nothing listened (flowD), AGISTATUS=FAILURE
    lines: list[TranscriptLine] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # = [e.text for e in exchanges]
    exchanges: list[AgiExchange] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    dials: list[DialAttempt] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    prompts: list[PlayedPrompt] = field(default_factory=list)
    digits: list[tuple[float, str]] = field(default_factory=list)  # (epoch, digit) acted on
    answered_at: float | None = None
    hangup_pushed_at: float | None = None  # virtual epoch of the unsolicited HANGUP line
    server_closed_at: float | None = None  # virtual epoch when the server closed the socket
    # The double stopped waiting after ``server_silence_limit_s`` of silence (never Asterisk's
    # doing: a guard so a stuck app fails its test instead of hanging it).
    gave_up_on_server: bool = False
    kept_after_hangup_real_s: float | None = None  # real seconds the server held a dead channel
    agistatus: str = "FAILURE"
    violations: list[str] = field(default_factory=list)  # breaches of docs/contracts.md

    @property
    def server_closed(self) -> bool:
        return self.server_closed_at is not None

    @property
    def ivr_done(self) -> bool:
        """The app marked the call handled (IVR_DONE=1): the dialplan just hangs up."""
        return self.variables.get("IVR_DONE") == "1"

    @property
    def failsafe_requested(self) -> bool:
        """The app asked for the fail-safe route (IVR_FAILSAFE=1)."""
        return self.variables.get("IVR_FAILSAFE") == "1"

    @property
    def failsafe_route(self) -> bool:
        """What dialplans/ivr.conf does next: a live caller whose AGI returned without
        IVR_DONE=1 goes to the fail-safe route (app down, crashed, or asked for it); a caller
        who hung up ends the dialplan there (AGI returned -1)."""
        return self.agistatus != "HANGUP" and not self.ivr_done

    @property
    def failsafe_reason(self) -> str | None:
        return self.variables.get("IVR_FAILSAFE_REASON")

    def argvs(self) -> list[tuple[str, ...]]:
        """Every command as Asterisk parsed it, in order."""
        return [exchange.argv for exchange in self.exchanges]

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
