"""A scripted caller on a fake ``CallChannel``, timed by a ``ManualClock``.

The caller is a timeline, like the DTMF scripts of the Asterisk corpus: keys pressed at given
seconds after the start, and maybe a hang-up time. Each command advances the clock as Asterisk
22 would (checked against the corpus in ``test_fake_channel.py``):

- a key counts at the END of its 0.2 s DTMF event (01b, 02a, 03);
- a key that ends while no command runs is lost: there is no type-ahead between commands (01c);
- STREAM FILE stops on an escape key only, other keys are ignored (02a); endpos in 8 kHz
  samples; a missing file gives ``Playback(None, 0, missing=True)`` at once (02c);
- GET DATA: any key barges into the prompt; ``#`` ends (not included); max digits ends; the
  timeout runs from the end of the prompt, then again from the end of each key (01a-01e);
- WAIT FOR DIGIT: the first key within the timeout, else ``None`` (03);
- hang-up: the command running at that moment raises ``ChannelHungUp`` then; a command asked
  after it raises at once (06e). ``hung_up`` is true from that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ivr.agi.api import AgiEnvironment, ChannelHungUp, DigitInput, Playback
from ivr.clock import ManualClock

DTMF_S = 0.2
SAMPLES_PER_S = 8000
DEFAULT_PROMPT_S = 2.0


@dataclass(frozen=True, slots=True)
class KeyPress:
    end: float  # seconds after the start of the call script
    key: str


def press(at: float, keys: str, gap: float = 0.4) -> list[KeyPress]:
    """Keys pressed one after another, the first starting ``at`` seconds into the script."""
    return [KeyPress(at + i * gap + DTMF_S, key) for i, key in enumerate(keys)]


class FakeChannel:
    def __init__(
        self,
        clock: ManualClock,
        keys: Iterable[KeyPress] = (),
        hangup_at: float | None = None,
        durations: Mapping[str, float] | None = None,
        missing: Iterable[str] = (),
    ) -> None:
        self.clock = clock
        self.origin = clock.time()
        self.keys = sorted(keys, key=lambda k: k.end)
        self.hangup_at = hangup_at
        self.durations = dict(durations or {})
        self.missing = frozenset(missing)
        self.log: list[tuple[object, ...]] = []
        # Where the last command stopped, as an offset: epoch + offset - epoch is not exactly
        # offset in floating point, and a key heard by one command must not be heard again.
        self._cursor = 0.0
        self.env = AgiEnvironment(raw={}, script="inbound", query={}, args=())

    # --- time ------------------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock.time() - self.origin

    def _run_until(self, offset: float) -> None:
        """Let the current command run to ``offset``, unless the caller hangs up first."""
        if self.hangup_at is not None and self.hangup_at <= offset:
            self.clock.set(max(self.clock.time(), self.origin + self.hangup_at))
            self._cursor = max(self._cursor, self.hangup_at)
            raise ChannelHungUp("caller hung up during the command")
        self.clock.set(max(self.clock.time(), self.origin + offset))
        self._cursor = offset

    def _start(self, *command: object) -> float:
        self.log.append(command)
        if self.hung_up:
            raise ChannelHungUp("511 Command Not Permitted on a dead channel")
        return max(self._now(), self._cursor)

    def _keys_after(self, start: float) -> list[KeyPress]:
        return [k for k in self.keys if k.end > start]

    def _duration(self, name: str) -> float:
        return self.durations.get(name, DEFAULT_PROMPT_S)

    @property
    def hung_up(self) -> bool:
        return self.hangup_at is not None and max(self._now(), self._cursor) >= self.hangup_at

    # --- what the menu engine uses ---------------------------------------------------------

    async def stream_file(self, name: str, escape_digits: str = "") -> Playback:
        start = self._start("stream_file", name, escape_digits)
        if name in self.missing:
            return Playback(None, 0, missing=True)
        end = start + self._duration(name)
        for k in self._keys_after(start):
            if k.end > end:
                break
            if k.key in escape_digits:
                self._run_until(k.end)
                return Playback(k.key, round((k.end - start) * SAMPLES_PER_S))
        self._run_until(end)
        return Playback(None, round((end - start) * SAMPLES_PER_S))

    async def get_data(self, prompt: str, timeout_s: float, max_digits: int) -> DigitInput:
        start = self._start("get_data", prompt, timeout_s, max_digits)
        deadline = start + self._duration(prompt) + timeout_s
        digits = ""
        for k in self._keys_after(start):
            if k.end > deadline:
                break
            if k.key == "#":
                self._run_until(k.end)
                return DigitInput(digits, False)
            digits += k.key
            if len(digits) >= max_digits:
                self._run_until(k.end)
                return DigitInput(digits, False)
            deadline = k.end + timeout_s
        self._run_until(deadline)
        return DigitInput(digits, True)

    async def wait_for_digit(self, timeout_s: float) -> str | None:
        start = self._start("wait_for_digit", timeout_s)
        for k in self._keys_after(start):
            if k.end > start + timeout_s:
                break
            self._run_until(k.end)
            return k.key
        self._run_until(start + timeout_s)
        return None

    # --- the rest of CallChannel: the menu engine must not use it --------------------------

    def _unexpected(self, *command: object) -> None:
        self.log.append(command)
        raise AssertionError(f"the menu engine must not send {command!r}")

    async def answer(self) -> None:
        self._unexpected("answer")

    async def hangup(self) -> None:
        self._unexpected("hangup")

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None:
        self._unexpected("say_digits", digits)
        return None

    async def get_variable(self, name: str) -> str | None:
        self._unexpected("get_variable", name)
        return None

    async def get_full_variable(self, expression: str) -> str | None:
        self._unexpected("get_full_variable", expression)
        return None

    async def set_variable(self, name: str, value: str) -> None:
        self._unexpected("set_variable", name, value)

    async def exec(self, application: str, *args: str, timeout_s: float | None = None) -> int:
        self._unexpected("exec", application, *args)
        return 0

    async def verbose(self, message: str, level: int = 1) -> None:
        self._unexpected("verbose", message)

    def played(self) -> list[str]:
        """The prompts asked for, in order (STREAM FILE and GET DATA)."""
        return [str(c[1]) for c in self.log if c[0] in ("stream_file", "get_data")]
