"""A PostgreSQL database of its own for one bench run, dropped afterwards.

The server is the one the test suite uses: ``IVR_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``; ``scripts/ensure-postgres.sh`` starts it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

ADMIN_DSN = os.environ.get("IVR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@asynccontextmanager
async def temporary_database(*, enabled: bool) -> AsyncIterator[str | None]:
    """Yields a ``postgresql+asyncpg://`` URL, or None when not ``enabled``."""
    if not enabled:
        yield None
        return
    name = f"ivr_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
