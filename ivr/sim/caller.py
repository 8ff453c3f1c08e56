"""The simulated caller on a virtual timeline: when each DTMF digit ends and when the caller hangs
up. Pure bookkeeping; the channel asks it "what happens first between now and then?".

Times are virtual seconds from the session start. Asterisk acts on a digit at the END of its
DTMF event, and a digit that ends while no command is reading is lost (corpus 01c).
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.sim.script import (
    CallScript,
    HangupAfterCommand,
    HangupAt,
    HangupDuringCommand,
    HangupWhileBridged,
    HangupWhileRinging,
    Press,
)


@dataclass(frozen=True, slots=True)
class Digit:
    digit: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Event:
    """What ended a wait: a digit, the caller's hang-up, or the deadline."""

    kind: str  # "digit" | "hangup" | "timeout"
    at: float
    digit: str = ""


class Caller:
    def __init__(self, script: CallScript) -> None:
        # Both kept in reverse order and taken with pop(): plain lists, because an empty deque
        # already costs a 600-byte block and the double holds thousands of callers at once.
        self._digits: list[Digit] = []  # latest end first
        self._next_reads: list[Press] = [
            press for press in reversed(script.presses) if press.at_s is None
        ]
        for press in script.presses:
            if press.at_s is not None:
                self._add(press, press.at_s)
        self._point = script.hangup
        self.hangup_at: float | None = None
        if isinstance(self._point, HangupAt):
            self.hangup_at = self._point.at_s
        self._give_up_at = script.max_call_s
        self.pressed: list[tuple[float, str]] = []  # digits Asterisk acted on, for the story

    def _add(self, press: Press, start: float) -> None:
        ordered = self._digits[::-1]  # earliest end first, equal ends in press order
        for i, digit in enumerate(press.digits):
            begin = start + i * press.gap_s
            ordered.append(Digit(digit, begin, begin + press.duration_s))
        ordered.sort(key=lambda d: d.end)  # stable: equal ends keep their press order
        self._digits = ordered[::-1]

    # -- hang-up points that depend on what the server does ------------------------------

    def command_started(self, number: int, now: float) -> None:
        point = self._point
        if isinstance(point, HangupDuringCommand) and point.command == number:
            self._hang_up_at(now + point.after_s)

    def hangs_up_after(self, number: int) -> bool:
        point = self._point
        return isinstance(point, HangupAfterCommand) and point.command == number

    def dial_started(self, number: int, now: float) -> None:
        point = self._point
        if isinstance(point, HangupWhileRinging) and point.dial == number:
            self._hang_up_at(now + point.after_s)

    def dial_answered(self, number: int, now: float) -> None:
        point = self._point
        if isinstance(point, HangupWhileBridged) and point.dial == number:
            self._hang_up_at(now + point.after_s)

    def _hang_up_at(self, moment: float) -> None:
        if self.hangup_at is None or moment < self.hangup_at:
            self.hangup_at = moment

    def hang_up_now(self, now: float) -> None:
        self._hang_up_at(now)

    def end_during_dial(self, number: int, start: float) -> float:
        """When the caller is gone if the Nth Dial starts at ``start`` (changes nothing)."""
        point = self._point
        gone = self.end_of_caller()
        if isinstance(point, HangupWhileRinging) and point.dial == number:
            gone = min(gone, start + point.after_s)
        return gone

    def end_of_caller(self) -> float:
        """When the caller is gone: the hang-up if scheduled, else when they give up."""
        return self._give_up_at if self.hangup_at is None else self.hangup_at

    # -- reading ---------------------------------------------------------------------------

    def reading_starts(self, now: float) -> None:
        """A command that reads digits starts: the next 'press at the next read' is keyed."""
        if self._next_reads:
            press = self._next_reads.pop()
            self._add(press, now + press.after_s)

    def wait(self, start: float, deadline: float | None, wanted: str) -> Event:
        """The first thing that happens in [start, deadline]: a digit in ``wanted`` (other
        digits are swallowed, as Asterisk does), the hang-up, or the deadline."""
        self._drop_before(start)
        gone = self.end_of_caller()
        limit = gone if deadline is None else min(deadline, gone)
        while self._digits and self._digits[-1].end <= limit:
            digit = self._digits.pop()
            if digit.digit in wanted:
                self.pressed.append((digit.end, digit.digit))
                return Event("digit", digit.end, digit.digit)
        if deadline is None or gone <= deadline:
            return Event("hangup", gone)
        return Event("timeout", deadline)

    def _drop_before(self, moment: float) -> None:
        while self._digits and self._digits[-1].end < moment:
            self._digits.pop()
