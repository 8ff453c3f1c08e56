"""Fixtures of the call-path storage tests (helpers live in ``support``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ivr.plans.schema import Plan
from ivr.store import migrate
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from store_calls.support import Wiring, caps_plan, unwire, wire


@pytest.fixture
def plan() -> Plan:
    return caps_plan()


@pytest.fixture
async def db(database_url: str, plan: Plan) -> AsyncIterator[Database]:
    """A migrated database with the caps plan applied."""
    await migrate.upgrade(database_url)
    database = Database(database_url)
    await database.connect()
    await apply_plan(database, plan)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def wiring(db: Database, tmp_path: Path) -> AsyncIterator[Wiring]:
    wired = await wire(db, tmp_path / "spool")
    try:
        yield wired
    finally:
        await unwire(wired)
