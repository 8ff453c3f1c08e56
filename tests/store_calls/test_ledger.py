"""SQLite's claims decided in memory (``ivr.store.ledger``) and stored behind: stored before a
claim returns, read back by the next run, written many at once, never forgotten when a change
comes while a flush runs, and one serving process per store."""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr import cli
from ivr.app import Switch
from ivr.plans.schema import Plan
from ivr.settings import Settings, load_settings
from ivr.store import claims
from ivr.store.db import Database
from ivr.store.ledger import CapLedger, FlushJob
from ivr.store.memory_claims import RELEASE_WRITE_DELAY_S
from ivr.store.models import TargetClaim, TargetUsage
from ivr.store.owner import StoreServed
from store_calls.support import RACE_AT, Wiring, plan_campaign, unwire, wire

AT = RACE_AT


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: PostgreSQL decides claims in the database (test_claims.py)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}"


async def stored(db: Database) -> tuple[dict[tuple[str, str], int], list[str]]:
    """Every stored counter as (target, kind) -> count (one period each here), and the claims."""
    async with db.read() as session:
        rows = await session.execute(
            select(TargetUsage.target_id, TargetUsage.period_kind, TargetUsage.count)
        )
        counts = {(target_id, kind): count for target_id, kind, count in rows}
        refs = list(await session.scalars(select(TargetClaim.call_ref).order_by("call_ref")))
    return counts, refs


async def test_a_claim_is_stored_before_it_returns(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """The call is bridged only once its claim is stored, as when the database decided."""
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    assert await wiring.store.claim("call-a", target, campaign, AT)
    counts, refs = await stored(db)
    assert refs == ["call-a"]
    assert counts == {("t-all", "hour"): 1, ("t-all", "day"): 1, ("t-all", "month"): 1}


async def test_the_next_run_reads_counters_and_claims_and_the_caps_go_on(
    db: Database, plan: Plan, wiring: Wiring, tmp_path: Path
) -> None:
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)  # concurrency 5, hourly 9
    for n in range(5):
        assert await wiring.store.claim(f"old-{n}", target, campaign, AT)
    for n in range(3):
        await wiring.store.release(f"old-{n}", "t-all", connected=True)
    await unwire(wiring)  # old-3 and old-4 are still up when this run stops

    restarted = await wire(db, tmp_path / "spool-2")
    try:
        await restarted.store.start(AT)
        loads = await restarted.store.target_loads(campaign, [target], AT)
        assert (loads["t-all"].active, loads["t-all"].hourly) == (2, 5)
        granted = [await restarted.store.claim(f"new-{n}", target, campaign, AT) for n in range(4)]
        assert granted == [True, True, True, False]  # the live cap of 5, counting old-3, old-4
        # the old run's claims end only by the sweep: their calls are no one's to release
        assert await restarted.store.release_stale_claims(AT + timedelta(hours=8),
                                                          timedelta(hours=7)) == 5  # fmt: skip
        assert await restarted.store.claim("new-4", target, campaign, AT)
        await restarted.store.settle()
        counts, refs = await stored(db)
        assert refs == ["new-4"]
        assert counts[("t-all", "hour")] == 9  # 5 old (kept), 3 + 1 new: the cap
        assert not await restarted.store.claim("new-5", target, campaign, AT)
    finally:
        await unwire(restarted)


async def test_claims_at_once_share_their_writes(db: Database, plan: Plan, wiring: Wiring) -> None:
    """Fifty calls claiming at once cost a few write jobs, not one each."""
    target, campaign = plan.targets()["t-free"], plan_campaign(plan)
    jobs_before = db.writes.jobs
    granted = await asyncio.gather(
        *(wiring.store.claim(f"c{n}", target, campaign, AT) for n in range(50))
    )
    assert all(granted)
    assert db.writes.jobs - jobs_before < 10
    assert len((await stored(db))[1]) == 50


async def test_a_change_during_a_flush_is_written_by_the_next(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    ledger = CapLedger()
    target, campaign = plan.targets()["t-hour"], plan_campaign(plan)
    counters = claims.limited_counters(target, campaign, AT)
    assert ledger.take("a", "t-hour", counters, AT) is None
    job = FlushJob(ledger)
    written = await db.writes.run(job)
    assert job.started
    assert ledger.take("b", "t-hour", counters, AT) is None  # after the flush looked
    ledger.flushed(written)
    assert ledger.unwritten == 2  # b's claim, and the hour counter it changed again
    written = await db.writes.run(FlushJob(ledger))
    ledger.flushed(written)
    assert ledger.unwritten == 0
    counts, refs = await stored(db)
    assert (counts[("t-hour", "hour")], refs) == (2, ["a", "b"])


async def test_a_flush_skips_a_removed_target_and_stores_the_rest(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """A plan change may delete a target while a call holds its claim: its rows are gone with
    it (ON DELETE CASCADE), and the flush must not fail the other calls' changes for it."""
    campaign = plan_campaign(plan)
    ghost = plan.targets()["t-all"].model_copy(update={"id": "t-not-applied"})
    assert await wiring.store.claim("ghost-call", ghost, campaign, AT)
    assert await wiring.store.claim("real-call", plan.targets()["t-day"], campaign, AT)
    await wiring.store.release("ghost-call", "t-not-applied", connected=False)
    await wiring.store.settle()
    counts, refs = await stored(db)
    assert refs == ["real-call"] and counts == {("t-day", "day"): 1}
    assert not wiring.store.degraded and wiring.store.outages == 0


async def test_a_second_switch_on_the_store_refuses_to_start(tmp_path: Path) -> None:
    def settings(name: str) -> Settings:
        return load_settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}",
            agi_port=0, web_port=0, var_dir=tmp_path / name,
        )  # fmt: skip

    first = Switch(settings("first"))
    await first.start(demo=True)
    try:
        second = Switch(settings("second"))
        with pytest.raises(StoreServed, match="served by another ivr process"):
            await second.start(demo=True)
    finally:
        await first.stop()
    third = Switch(settings("third"))
    await third.start(demo=True)  # the first let go of it when it stopped
    await third.stop()


async def test_releases_ride_along_and_are_stored_soon_after(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    """Nobody waits for a release: twenty of them cost one write job, stored within
    ``RELEASE_WRITE_DELAY_S`` (or by the next claim's flush, sooner)."""
    target, campaign = plan.targets()["t-free"], plan_campaign(plan)
    for n in range(20):
        assert await wiring.store.claim(f"c{n}", target, campaign, AT)
    jobs_before = db.writes.jobs
    for n in range(20):
        await wiring.store.release(f"c{n}", "t-free", connected=True)
    assert db.writes.jobs == jobs_before  # nothing written yet
    await asyncio.sleep(RELEASE_WRITE_DELAY_S + 0.05)
    assert db.writes.jobs - jobs_before == 1
    assert (await stored(db))[1] == []
    assert await wiring.store.claim("later", target, campaign, AT)
    await wiring.store.release("later", "t-free", connected=False)
    assert await wiring.store.claim("next", target, campaign, AT)  # its flush takes "later" too
    assert (await stored(db))[1] == ["next"]


async def test_a_switch_that_fails_to_start_lets_go_of_the_store(tmp_path: Path) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    url = f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}"
    try:
        busy = load_settings(database_url=url, agi_port=taken.getsockname()[1], web_port=0,
                             var_dir=tmp_path / "busy")  # fmt: skip
        with pytest.raises(OSError):
            await Switch(busy).start(demo=True)
    finally:
        taken.close()
    fine = Switch(load_settings(database_url=url, agi_port=0, web_port=0, var_dir=tmp_path / "ok"))
    await fine.start(demo=True)
    await fine.stop()


async def test_the_first_start_of_a_store_in_a_folder_not_made_yet(tmp_path: Path) -> None:
    """``ivr serve`` on a fresh machine: the serving lock comes before the database exists."""
    folder = tmp_path / "var" / "not" / "made"
    url = f"sqlite+aiosqlite:///{folder / 'ivr.sqlite3'}"
    switch = Switch(load_settings(database_url=url, agi_port=0, web_port=0, var_dir=folder))
    await switch.start(demo=True)
    try:
        assert (folder / "ivr.sqlite3.serving").read_text().strip() == str(os.getpid())
    finally:
        await switch.stop()


def test_ivr_serve_that_cannot_start_says_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A port in use is a clear error and exit status 1, not a traceback."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    monkeypatch.setenv("IVR_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_AGI_PORT", str(taken.getsockname()[1]))
    monkeypatch.setenv("IVR_WEB_PORT", "0")
    try:
        assert cli.main(["serve", "--demo"]) == 1
    finally:
        taken.close()
    [line] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert line.getMessage().startswith("cannot start: ") and "address already in use" in (
        line.getMessage()
    )
    assert line.exc_info is None
