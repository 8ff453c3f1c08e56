"""A running switch wired to an AMI double and a FastAGI double (tests/calls harness), all on
127.0.0.1 with ports picked by the system, with fast AMI reconnects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from calls.harness import TUESDAY_2PM, Harness

from ivr.app import Switch
from ivr.clock import ManualClock
from ivr.settings import Settings, load_settings
from ivr.sim.ami import AmiDouble
from ivr.sim.double import AsteriskDouble

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LiveHarness(Harness):
    ami: AmiDouble | None = None

    @property
    def asterisk(self) -> AmiDouble:
        assert self.ami is not None
        return self.ami


def switch_settings(
    tmp_path: Path, database_url: str, ami_port: int | None, **extra: Any
) -> Settings:
    ami: dict[str, Any] = {}
    if ami_port is not None:
        ami = {"ami_host": "127.0.0.1", "ami_port": ami_port, "ami_user": "lab",
               "ami_secret": "labsecret"}  # fmt: skip
    return load_settings(
        database_url=database_url,
        agi_port=0,
        web_port=0,
        var_dir=tmp_path,
        recordings_dir=tmp_path / "rec" / "ivr",
        prompts_dir=REPO_ROOT / "prompts",
        shutdown_grace_s=2,
        ami_ping_interval_s=5,
        ami_action_timeout_s=2,
        ami_reconnect_base_s=0.02,
        ami_reconnect_cap_s=0.1,
        ami_cdr_grace_s=0.05,
        **ami,
        **extra,
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}"


@pytest.fixture
async def live(sqlite_url: str, tmp_path: Path) -> AsyncIterator[LiveHarness]:
    """SQLite only: the AMI paths add no SQL of their own beyond the record reads."""
    ami = AmiDouble(auth_failure_delay_s=0.05)
    await ami.start()
    clock = ManualClock(TUESDAY_2PM)
    switch = Switch(switch_settings(tmp_path, sqlite_url, ami.port), clock=clock, seed=1)
    await switch.start(demo=True)
    assert switch.ami is not None
    await switch.ami.client.wait_connected(5)
    double = AsteriskDouble(
        clock,
        recordings_dir=tmp_path / "rec",
        prompts_dir=REPO_ROOT / "prompts",
        server_silence_limit_s=10,
    )
    try:
        yield LiveHarness(switch, clock, double, tmp_path, ami)
    finally:
        await switch.stop()
        await ami.stop()
