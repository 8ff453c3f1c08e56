"""A switch on SQLite and on PostgreSQL (``database_url``), with an Asterisk double beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.app import Switch
from ivr.clock import ManualClock
from ivr.settings import load_settings
from ivr.sim.double import AsteriskDouble

from .harness import TUESDAY_2PM, Harness

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TUESDAY_2PM)


@pytest.fixture
async def harness(database_url: str, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Harness]:
    settings = load_settings(
        database_url=database_url,
        agi_port=0,
        web_port=0,
        var_dir=tmp_path,
        recordings_dir=tmp_path / "rec" / "ivr",
        prompts_dir=REPO_ROOT / "prompts",
        shutdown_grace_s=2,
    )
    switch = Switch(settings, clock=clock, seed=1)
    await switch.start(demo=True)
    # A stuck app must fail its test, not hang it: the double gives up after 10 s of silence.
    double = AsteriskDouble(
        clock,
        recordings_dir=tmp_path / "rec",
        prompts_dir=REPO_ROOT / "prompts",
        server_silence_limit_s=10,
    )
    try:
        yield Harness(switch, clock, double, tmp_path)
    finally:
        await switch.stop()
