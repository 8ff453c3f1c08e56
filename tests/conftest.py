"""Fixtures shared by the whole suite.

``database_url`` runs a test once on SQLite and once on PostgreSQL: each PostgreSQL test gets a
database of its own, created from the server named by IVR_TEST_PG_URL and dropped afterwards.
The suite never skips PostgreSQL: ``scripts/test.sh`` starts it when it is down.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

PG_ADMIN_DSN = os.environ.get("IVR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_ASTERISK = REPO_ROOT.parent / "shared" / "asterisk"


def pg_url_for(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


async def create_pg_database() -> str:
    name = f"ivr_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite3'}"
        return
    name = await create_pg_database()
    try:
        yield pg_url_for(name)
    finally:
        await drop_pg_database(name)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A PostgreSQL database of its own, for a test about PostgreSQL alone."""
    name = await create_pg_database()
    try:
        yield pg_url_for(name)
    finally:
        await drop_pg_database(name)


@pytest.fixture
def shared_asterisk() -> Path:
    """The real Asterisk 22 transcripts that every double and parser is checked against."""
    if not SHARED_ASTERISK.is_dir():
        pytest.fail(f"missing {SHARED_ASTERISK}: the Asterisk transcripts must sit beside the repo")
    return SHARED_ASTERISK
