"""The headline guarantee: app processes sharing one database race hundreds of claims at once,
and no target's concurrency, hourly, daily or monthly cap is ever overshot; releases give the
right slots back, and nothing stays claimed. PostgreSQL: two processes. SQLite, which one
process serves (claims are decided in its memory): the second process is refused, and the
race runs within the one."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ivr.plans.schema import Plan
from ivr.store.db import Database
from ivr.store.models import TargetClaim, TargetUsage
from store_calls.support import RACE_AT

TESTS_DIR = Path(__file__).resolve().parent.parent
DRIVER = Path(__file__).with_name("claim_driver.py")
CLAIMS = 500  # in all, shared by the processes
ATTEMPTS_PER_TARGET = CLAIMS // 5  # the driver spreads claims over 5 targets
STEP_TIMEOUT_S = 20.0

pytestmark = pytest.mark.slow


class Driver:
    """One app process (claim_driver.py), driven line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, url: str, spool: Path, tag: str, count: float) -> Driver:
        env = {**os.environ, "PYTHONPATH": str(TESTS_DIR)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(DRIVER), "--url", url, "--spool", str(spool), "--tag", tag,
            "--count", str(int(count)), "--at", RACE_AT.isoformat(),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        return cls(process)

    async def tell(self, word: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{word}\n".encode())
        await self.process.stdin.drain()

    async def hear(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), STEP_TIMEOUT_S)
        assert line, f"driver exited with {await self.process.wait()}"
        message: dict[str, Any] = json.loads(line)
        return message

    async def finish(self) -> None:
        assert await asyncio.wait_for(self.process.wait(), STEP_TIMEOUT_S) == 0

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def all_hear(drivers: list[Driver]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(d.hear() for d in drivers)))


async def all_tell(drivers: list[Driver], word: str) -> None:
    await asyncio.gather(*(d.tell(word) for d in drivers))


async def usage(db: Database) -> tuple[Counter[tuple[str, str]], int]:
    """Every counter as (target, kind) -> count, and how many claims are held."""
    counts: Counter[tuple[str, str]] = Counter()
    async with db.read() as session:
        rows = await session.execute(
            select(TargetUsage.target_id, TargetUsage.period_kind, TargetUsage.count)
        )
        for target_id, kind, count in rows:
            assert (target_id, kind) not in counts, "one period key per kind: no rollover here"
            counts[(target_id, kind)] = count
        held = await session.scalar(select(func.count()).select_from(TargetClaim))
    return counts, held or 0


def expected_grants(plan: Plan, kept: Counter[tuple[str, str]]) -> dict[str, int]:
    """What an exact cap gives each target when many more claims race than any limit allows."""
    grants = {}
    for target_id, target in plan.targets().items():
        limits = [ATTEMPTS_PER_TARGET]
        if target.concurrency is not None:
            limits.append(target.concurrency)
        for kind, cap in (("hour", target.caps.hourly), ("day", target.caps.daily),
                          ("month", target.caps.monthly)):  # fmt: skip
            if cap is not None:
                limits.append(cap - kept[(target_id, kind)])
        grants[target_id] = max(0, min(limits))
    return grants


def limited_kinds(plan: Plan, target_id: str, db: Database) -> list[str]:
    """The counters stored for the target's limits (SQLite stores no live counter: its claim
    rows are the live count, ``ivr.store.ledger``)."""
    target = plan.targets()[target_id]
    kinds = ["live"] if target.concurrency is not None and not db.is_sqlite else []
    caps = (("hour", target.caps.hourly), ("day", target.caps.daily),
            ("month", target.caps.monthly))  # fmt: skip
    return kinds + [kind for kind, cap in caps if cap is not None]


async def race_round(
    db: Database, plan: Plan, tmp_path: Path, round_no: int, kept: Counter[tuple[str, str]]
) -> None:
    processes = 1 if db.is_sqlite else 2
    drivers = [await Driver.start(db.url, tmp_path / f"spool-{n}", f"r{round_no}p{n}-",
                                 CLAIMS / processes)
               for n in range(processes)]  # fmt: skip
    try:
        await all_hear(drivers)  # every process connected and ready
        await all_tell(drivers, "claim")
        reports = await all_hear(drivers)
        print(f"round {round_no}: {[r['claim_s'] for r in reports]} s for the claim bursts")
        assert [r["degraded_claims"] for r in reports] == [0] * processes, "a grant bypassed caps"
        granted = Counter(target for r in reports for _, target in r["granted"])
        assert dict(granted) == expected_grants(plan, kept)
        assert min(len(r["granted"]) for r in reports) > 0, "one process took every slot"

        counts, held = await usage(db)
        assert held == sum(granted.values())
        for target_id in plan.targets():
            for kind in limited_kinds(plan, target_id, db):
                base = 0 if kind == "live" else kept[(target_id, kind)]
                assert counts[(target_id, kind)] == base + granted[target_id], (target_id, kind)

        await all_tell(drivers, "release")
        released = await all_hear(drivers)
        assert [r["pending"] for r in released] == [0] * processes
        await asyncio.gather(*(d.finish() for d in drivers))
    finally:
        for driver in drivers:
            driver.kill()
    for report in released:
        for _, target_id, connected in report["released"]:
            for kind in limited_kinds(plan, target_id, db):
                kept[(target_id, kind)] += connected and kind != "live"
    counts, held = await usage(db)
    assert held == 0, "claims left behind after every call released"
    for target_id in plan.targets():
        for kind in limited_kinds(plan, target_id, db):
            assert counts[(target_id, kind)] == kept[(target_id, kind)], (target_id, kind)


async def test_two_processes_racing_claims_never_overshoot_a_cap(
    db: Database, plan: Plan, tmp_path: Path
) -> None:
    kept: Counter[tuple[str, str]] = Counter()
    for round_no in range(2):  # the second round starts from the slots connected calls kept
        await race_round(db, plan, tmp_path, round_no, kept)
    assert kept[("t-hour", "hour")] > 0, "no connected call: the second round proved nothing"


async def test_a_second_process_serving_a_sqlite_store_is_refused(
    db: Database, tmp_path: Path
) -> None:
    """SQLite's claims are decided in the serving process's memory: a second one would decide
    without the first one's calls. It is refused, naming the process that serves the store."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL is shared by design (the race above)")
    first = await Driver.start(db.url, tmp_path / "spool-a", "a-", 10)
    try:
        assert await first.hear() == {"ready": True}
        second = await Driver.start(db.url, tmp_path / "spool-b", "b-", 10)
        refused = await second.hear()
        assert f"pid {first.process.pid}" in refused["refused"], refused
        await second.finish()
        await first.tell("claim")
        assert len((await first.hear())["granted"]) > 0
    finally:
        first.kill()
    await first.process.wait()
    third = await Driver.start(db.url, tmp_path / "spool-c", "c-", 10)  # the lock went with it
    try:
        assert await third.hear() == {"ready": True}
    finally:
        third.kill()
        await third.process.wait()
