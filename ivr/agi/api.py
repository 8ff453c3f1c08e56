"""The typed channel API: what call handlers use instead of writing AGI text.

``ivr.agi.channel.AgiChannel`` implements it over a FastAGI connection; tests may implement it
with a scripted fake. Hang-up is data: ``hung_up`` turns true when Asterisk pushes ``HANGUP``
or answers 511, and the commands that need a live channel (playing, reading digits, answering)
then raise ``ChannelHungUp`` once more is asked of a dead channel. Commands that still work on a
dead channel in real Asterisk (GET/SET VARIABLE, GET FULL VARIABLE, VERBOSE, EXEC) keep working,
so the end of a call can still be read and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class AgiError(Exception):
    """Base of every FastAGI failure."""


class ChannelHungUp(AgiError):
    """The caller is gone; nothing more can be played or read on this channel."""


class AgiConnectionLost(ChannelHungUp):
    """The FastAGI socket is closed: nothing more can be sent for this call."""


class AgiCommandError(AgiError):
    """Asterisk refused a command (510 unknown, 520 usage) or answered what cannot be parsed."""

    def __init__(self, command: str, code: int, text: str) -> None:
        super().__init__(f"{command!r} -> {code} {text}")
        self.command = command
        self.code = code
        self.text = text


class AgiTimeout(AgiError):
    """Asterisk did not answer a command within its time limit."""


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The ``agi_*`` header, with the script name split from its ``?query``."""

    raw: dict[str, str]
    script: str  # agi_network_script without the query, e.g. "inbound"
    query: dict[str, str]  # parsed ?query (last value wins)
    args: tuple[str, ...]  # agi_arg_1 .. agi_arg_N

    def get(self, key: str, default: str = "") -> str:
        """A header value by its name without the ``agi_`` prefix (``uniqueid``, ``callerid``)."""
        return self.raw.get(f"agi_{key}", default)

    @property
    def uniqueid(self) -> str:
        return self.get("uniqueid")

    @property
    def channel(self) -> str:
        return self.get("channel")

    @property
    def callerid(self) -> str:
        return self.get("callerid")

    @property
    def calleridname(self) -> str:
        return self.get("calleridname")

    @property
    def dnid(self) -> str:
        return self.get("dnid")

    @property
    def extension(self) -> str:
        return self.get("extension")


@dataclass(frozen=True, slots=True)
class Playback:
    """STREAM FILE: the escape digit pressed (None if played through), where it stopped."""

    digit: str | None
    endpos: int
    missing: bool = False  # the file did not exist (200 result=-1 endpos=0 on a live channel)


@dataclass(frozen=True, slots=True)
class DigitInput:
    """GET DATA: digits read (``#`` ends input and is not included) and whether it timed out."""

    digits: str
    timed_out: bool


class CallChannel(Protocol):
    env: AgiEnvironment

    @property
    def hung_up(self) -> bool: ...

    async def answer(self) -> None: ...

    async def stream_file(self, name: str, escape_digits: str = "") -> Playback: ...

    async def get_data(self, prompt: str, timeout_s: float, max_digits: int) -> DigitInput: ...

    async def wait_for_digit(self, timeout_s: float) -> str | None: ...

    async def say_digits(self, digits: str, escape_digits: str = "") -> str | None: ...

    async def get_variable(self, name: str) -> str | None: ...

    async def get_full_variable(self, expression: str) -> str | None: ...

    async def set_variable(self, name: str, value: str) -> None: ...

    async def exec(self, application: str, *args: str, timeout_s: float | None = None) -> int:
        """Run a dialplan application; ``timeout_s`` overrides the command timeout (Dial)."""
        ...

    async def verbose(self, message: str, level: int = 1) -> None: ...

    async def hangup(self) -> None: ...
