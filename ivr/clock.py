"""Time as the app sees it. Injected, so the Asterisk double's virtual clock can drive a whole
call (a 3-minute talk) in milliseconds, and tests can pin the hour for schedules."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to. The Asterisk double advances it as calls progress."""

    def __init__(self, start: float = 1_795_255_073.0) -> None:
        self._now = start

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self._now += seconds

    def set(self, epoch: float) -> None:
        if epoch < self._now:
            raise ValueError("time does not go backwards")
        self._now = epoch


def utc_datetime(clock: Clock) -> datetime:
    return datetime.fromtimestamp(clock.time(), tz=UTC)
