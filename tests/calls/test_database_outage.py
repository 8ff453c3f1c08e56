"""The database goes away mid-call: the call is still routed, and its record is written once
the database is back (spooled in the journal, not dropped)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from db_outage import Outage

from ivr.app import Switch
from ivr.clock import ManualClock
from ivr.settings import load_settings
from ivr.sim.double import AsteriskDouble
from ivr.sim.script import CallScript, DialOutcome, Press

from . import flows
from .harness import TUESDAY_2PM, Harness

REPO_ROOT = Path(__file__).resolve().parents[2]
CONNECTED_COMMANDS_BEFORE_DIAL = [
    "ANSWER",
    'STREAM FILE "ivr/ivr-welcome" ""',
    'GET DATA "ivr/ivr-main-menu" "5000" "1"',
    'GET DATA "ivr/ivr-coverage-menu" "5000" "1"',
    'GET DATA "ivr/ivr-enter-zip" "5000" "5"',
    'STREAM FILE "ivr/ivr-please-hold" ""',
    'STREAM FILE "ivr/ivr-call-recorded" ""',
]


@pytest.fixture
async def quick_outage_harness(database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """Like ``harness``, with SQLite writers giving up on the write lock after 100 ms."""
    clock = ManualClock(TUESDAY_2PM)
    settings = load_settings(
        database_url=database_url, agi_port=0, web_port=0, var_dir=tmp_path,
        recordings_dir=tmp_path / "rec" / "ivr", prompts_dir=REPO_ROOT / "prompts",
        shutdown_grace_s=2, sqlite_busy_timeout_ms=100,
    )  # fmt: skip
    switch = Switch(settings, clock=clock, seed=1)
    await switch.start(demo=True)
    double = AsteriskDouble(
        clock, tmp_path / "rec", REPO_ROOT / "prompts", server_silence_limit_s=20
    )
    try:
        yield Harness(switch, clock, double, tmp_path)
    finally:
        await switch.stop()


async def test_call_is_routed_while_the_database_is_away_and_stored_when_back(
    quick_outage_harness: Harness, database_url: str
) -> None:
    harness = quick_outage_harness
    switch = harness.switch
    outage = Outage(database_url)
    await outage.cut()
    try:
        report = await harness.call(
            CallScript(
                did="18005550101",
                caller="+13125550123",
                presses=(Press("1"), Press("1"), Press("60601")),
                dial_outcomes={"buyer-a-overflow": DialOutcome.answer(talk_s=95, ring_s=3)},
            )
        )
        # Routed as usual: the same menu, then the Dial to the buyer.
        assert report.commands[: len(CONNECTED_COMMANDS_BEFORE_DIAL)] == (
            CONNECTED_COMMANDS_BEFORE_DIAL
        )
        dial = report.commands[len(CONNECTED_COMMANDS_BEFORE_DIAL)]
        assert dial.startswith('EXEC "Dial" "PJSIP/buyer-a-overflow,20,gU(ivr-buyer-answered^')
        assert report.ivr_done and report.dials[0].dialstatus == "ANSWER"
        assert switch.store.degraded
        assert switch.journal.unapplied_count > 0  # spooled, waiting for the database
        assert not await switch.writer.flush(0.5)
    finally:
        await outage.restore()

    assert await switch.writer.flush(60), "the spooled record never reached the database"
    await asyncio.sleep(0)
    call = await harness.stored(report)
    assert report.commands == [
        *CONNECTED_COMMANDS_BEFORE_DIAL,
        *flows.dial_commands("PJSIP/buyer-a-overflow", 20, "PJSIP/buyer-a-overflow-00000001",
                             flows.recording_path(call["recording_path"])),
        flows.DONE,
    ]  # fmt: skip
    assert call["status"] == "closed" and call["disposition"] == "connected"
    assert call["target_id"] == "buyer-a-overflow"
    assert call.seconds("talk_s") == Decimal("95.000")
    assert call["billable"] is True
    assert (call.money("revenue"), call.money("payout")) == (Decimal("20"), Decimal("8"))
    assert [a["dial_status"] for a in call.attempts] == ["ANSWER"]
    assert switch.journal.unapplied_count == 0
    assert switch.writer.rejected == 0
