"""Fixtures of the call-path storage tests (helpers live in ``support``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ivr.plans.schema import Plan
from ivr.store import migrate
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from ivr.store.held_connections import HeldConnections
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


@pytest.fixture
async def held(database_url: str) -> AsyncIterator[HeldConnections]:
    """PostgreSQL: two held connections of the call path (``HeldConnections``)."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's call path runs in this process: no server connections to hold")
    connections = HeldConnections(create_async_engine(database_url, poolclass=NullPool), 2)
    try:
        yield connections
    finally:
        await connections.close()
        await connections.engine.dispose()
