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
import psutil

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


def database_cpu_s() -> float:
    """CPU seconds used so far by every live PostgreSQL server process on this machine: the
    backends serving the switch's connections, and the WAL writer and checkpointer its commits
    wake. The bench database is the only busy one, so the growth over a run is what that run cost
    the database. Each process is single-threaded, so Linux's schedstat gives its CPU time in
    nanoseconds (psutil's 10 ms ticks, summed over 25 processes, would be too coarse). A backend
    that exits meanwhile takes its time with it; the switch holds its connections, so few do."""
    total_ns = 0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            with open(f"/proc/{process.pid}/schedstat") as stat:
                total_ns += int(stat.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # it exited, or this is not Linux
    return total_ns / 1e9
