"""The caller side of the whole-call benchmark: the Asterisk double, timed on the wall clock.

Post-dial delay is real time, taken in the double's stream (the server cannot see it): from the
moment the double has written the reply to the last ``GET DATA`` (the caller's key press reaches
the app) to the moment the ``EXEC Dial`` line arrives from the app. ``TimedSession`` wraps the
double's own ``AgiSession`` to note both moments; it changes nothing of what the double says.
It can also hold each Dial for real seconds, so calls overlap as real ones do (``hold_s``).

Two ways to drive:
* ``closed_loop``: ``concurrency`` callers, each placing its next call when the last ends: the
  highest rate the server sustains with that many calls in flight;
* ``paced``: calls start at a fixed rate whatever happens, each Dial held ``hold_s`` real
  seconds: the latency a server shows at a given load (rate x hold = calls in progress).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import ivr.sim.double
from ivr.clock import ManualClock
from ivr.sim.double import AsteriskDouble
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript
from ivr.sim.session import AgiSession

# asyncio's listen backlog is 100: connects are started in waves no larger than this.
CONNECT_WAVE = 100
WAVE_PAUSE_S = 0.05


@dataclass
class CallTimes:
    key_reply: float | None = None  # perf_counter after the last GET DATA reply was written
    dial_seen: float | None = None  # perf_counter when the first EXEC Dial line arrived

    @property
    def post_dial_delay_s(self) -> float | None:
        if self.key_reply is None or self.dial_seen is None:
            return None
        return self.dial_seen - self.key_reply


@dataclass
class Timing:
    """Shared by every TimedSession of one process: the times of each call, by report."""

    hold_s: float = 0.0
    calls: dict[int, CallTimes] = field(default_factory=dict)

    def take(self, report: CallReport) -> CallTimes:
        return self.calls.pop(id(report), CallTimes())


TIMING = Timing()


class TimedSession(AgiSession):
    async def _handle(self, raw: bytes) -> None:
        times = TIMING.calls.setdefault(id(self.report), CallTimes())
        if raw.startswith(b'EXEC "Dial"') or raw.startswith(b"EXEC Dial"):
            if times.dial_seen is None:
                times.dial_seen = time.perf_counter()
            if TIMING.hold_s:
                await asyncio.sleep(TIMING.hold_s)  # the bridge lasts real time
        await super()._handle(raw)
        if raw.startswith(b"GET DATA"):
            times.key_reply = time.perf_counter()


def install_timing(hold_s: float = 0.0) -> None:
    """Make the double use TimedSession (the bench's own process only)."""
    TIMING.hold_s = hold_s
    ivr.sim.double.AgiSession = TimedSession  # type: ignore[misc]


@dataclass
class DriveResult:
    calls: int
    wall_s: float
    failures: list[str]
    post_dial_delays_s: list[float]
    max_in_flight: int = 0


Check = Callable[[CallReport], str | None]


class _Tally:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.delays: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def place(
        self, double: AsteriskDouble, port: int, script: CallScript, check: Check
    ) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            report = await double.place_call("127.0.0.1", port, script)
        finally:
            self.in_flight -= 1
        times = TIMING.take(report)
        reason = check(report)
        if reason is not None:
            self.failures.append(reason)
        elif times.post_dial_delay_s is not None:
            self.delays.append(times.post_dial_delay_s)


async def closed_loop(
    port: int, scripts: Iterator[CallScript], calls: int, concurrency: int, check: Check,
    first_channel: int,
) -> DriveResult:  # fmt: skip
    double = AsteriskDouble(ManualClock(), first_channel=first_channel)
    tally = _Tally()
    left = calls

    async def caller(index: int) -> None:
        nonlocal left
        await asyncio.sleep((index // CONNECT_WAVE) * WAVE_PAUSE_S)
        while left > 0:
            left -= 1
            await tally.place(double, port, next(scripts), check)

    started = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(min(concurrency, calls))))
    wall = time.perf_counter() - started
    return DriveResult(calls, wall, tally.failures, tally.delays, tally.max_in_flight)


async def paced(
    port: int, scripts: Iterator[CallScript], calls: int, rate: float, check: Check,
    first_channel: int,
) -> DriveResult:  # fmt: skip
    """Start one call every 1/rate s on schedule (late starts catch up at once)."""
    double = AsteriskDouble(ManualClock(), first_channel=first_channel)
    tally = _Tally()
    tasks = []
    started = time.perf_counter()
    for index in range(calls):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(tally.place(double, port, next(scripts), check)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    return DriveResult(calls, wall, tally.failures, tally.delays, tally.max_in_flight)
