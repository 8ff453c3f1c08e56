"""Write transactions never lose an update; reads never block writes."""

from __future__ import annotations

import asyncio
import copy
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from ivr.plans.schema import Plan
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from ivr.store.models import Publisher, TargetUsage

INCREMENTS = 20


async def _increment(db: Database) -> None:
    """Read the counter, yield to the other tasks, write it back plus one: the classic race.
    ``with_for_update`` locks the row on PostgreSQL; SQLite ignores it and relies on
    BEGIN IMMEDIATE."""
    async with db.write() as session:
        query = select(TargetUsage).where(TargetUsage.target_id == "acme-main").with_for_update()
        usage = (await session.scalars(query)).one()
        seen = usage.count
        await asyncio.sleep(0.001)
        usage.count = seen + 1


async def test_concurrent_read_then_write_transactions_lose_no_update(
    db: Database, sample_plan: Plan
) -> None:
    await apply_plan(db, sample_plan)
    async with db.write() as session:
        session.add(TargetUsage(target_id="acme-main", period_kind="day", period_key="2026-11-21"))

    await asyncio.gather(*(_increment(db) for _ in range(INCREMENTS)))

    async with db.read() as session:
        count = await session.scalar(select(TargetUsage.count))
    assert count == INCREMENTS


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}")
    await db.connect()
    async with db.write() as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
    return db


def _try_to_write(path: Path) -> str:
    """Another process's view: can it take the write lock right now?"""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return "free"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()


async def test_sqlite_write_transaction_holds_the_write_lock_from_its_start(
    sqlite_db: Database, tmp_path: Path
) -> None:
    async with sqlite_db.write() as session:
        await session.execute(text("SELECT count(*) FROM t"))  # a read only, yet
        assert _try_to_write(tmp_path / "ivr.sqlite3") == "database is locked"
    assert _try_to_write(tmp_path / "ivr.sqlite3") == "free"
    await sqlite_db.close()


async def test_sqlite_read_transaction_does_not_block_writers(
    sqlite_db: Database, tmp_path: Path
) -> None:
    async with sqlite_db.read() as session:
        await session.execute(text("SELECT count(*) FROM t"))
        assert _try_to_write(tmp_path / "ivr.sqlite3") == "free"
    await sqlite_db.close()


async def test_a_write_transaction_commits_on_success_and_rolls_back_on_error(
    db: Database,
) -> None:
    async with db.write() as session:
        session.add(Publisher(id="kept", name="Kept"))
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            session.add(Publisher(id="lost", name="Lost"))
            await session.flush()
            raise RuntimeError("boom")

    async with db.read() as session:
        ids = (await session.scalars(select(Publisher.id))).all()
    assert ids == ["kept"]


async def test_concurrent_applies_run_one_after_the_other(
    db: Database, sample_plan_data: dict[str, Any]
) -> None:
    """Each apply reads the newest menu version and writes the next: interleaved, two would
    both write version 2."""
    await apply_plan(db, Plan.model_validate(sample_plan_data))
    variants = []
    for tries in (4, 5, 6):
        data = copy.deepcopy(sample_plan_data)
        data["menus"][0]["nodes"]["choose"]["tries"] = tries
        variants.append(Plan.model_validate(data))

    reports = await asyncio.gather(*(apply_plan(db, plan) for plan in variants))

    assert sorted(v for r in reports for _, v in r.new_menu_versions) == [2, 3, 4]
