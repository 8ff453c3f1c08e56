"""Make a test database unavailable to the app for real, then available again.

PostgreSQL: the database stops accepting connections and its backends are terminated.
SQLite: another connection holds the write lock (BEGIN IMMEDIATE) past the busy timeout;
readers still read there (WAL), so only writes fail.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3

import asyncpg
from sqlalchemy.engine import make_url

PG_ADMIN_DSN = os.environ.get("IVR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Outage:
    """Makes the database at ``url`` unavailable to the app, then available again."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.name = parsed.database or ""
        self._lock: sqlite3.Connection | None = None

    async def cut(self) -> None:
        if self.is_sqlite:
            # In a thread: the app's transaction under way needs the event loop to finish.
            self._lock = await asyncio.to_thread(self._take_write_lock)
            return
        await self._admin(
            f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.name}'",
        )

    def _take_write_lock(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.name, isolation_level=None, timeout=5, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        return conn

    async def restore(self) -> None:
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None
        elif not self.is_sqlite:
            await self._admin(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()
