import random

import pytest

from ivr.ami.backoff import Backoff


def test_delays_grow_exponentially_within_jitter_bounds_and_cap() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0, rng=random.Random(3))
    delays = [backoff.next_delay() for _ in range(6)]
    ceilings = [1, 2, 4, 8, 8, 8]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_same_seed_same_schedule_and_no_overflow() -> None:
    first = Backoff(rng=random.Random(5))
    second = Backoff(rng=random.Random(5))
    assert [first.next_delay() for _ in range(3)] == [second.next_delay() for _ in range(3)]
    first.attempt = 10_000
    assert first.next_delay() <= first.cap_s


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(base_s=5, cap_s=1)
