"""Fixtures for the AMI tests: a double on 127.0.0.1 port 0 and fast client settings."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ivr.ami import AmiClient, Backoff
from ivr.sim.ami import AmiDouble


@pytest.fixture
async def double() -> AsyncIterator[AmiDouble]:
    server = AmiDouble(auth_failure_delay_s=0.05)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def make_client() -> Callable[..., AmiClient]:
    def build(port: int, **overrides: Any) -> AmiClient:
        options: dict[str, Any] = {
            "ping_interval_s": 5.0,
            "action_timeout_s": 2.0,
            "backoff": Backoff(base_s=0.02, cap_s=0.1, rng=random.Random(7)),
        }
        options.update(overrides)
        secret = options.pop("secret", "labsecret")
        return AmiClient("127.0.0.1", port, "lab", secret, **options)

    return build
