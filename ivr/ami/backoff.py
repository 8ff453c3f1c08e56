"""Reconnect delays: exponential growth, capped, with "full jitter" so that many app instances
cut off by one Asterisk restart do not all reconnect in the same instant."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_s: float = 0.5
    cap_s: float = 30.0
    factor: float = 2.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s < self.base_s or self.factor < 1:
            raise ValueError("need 0 < base_s <= cap_s and factor >= 1")

    def ceiling(self) -> float:
        """Upper bound of the next delay (before jitter)."""
        exponent = min(self.attempt, 64)  # past that the cap wins anyway; avoids float overflow
        return min(self.cap_s, self.base_s * self.factor**exponent)

    def next_delay(self) -> float:
        """A delay in [ceiling/2, ceiling]: half fixed (never an immediate retry), half random."""
        ceiling = self.ceiling()
        self.attempt += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0
