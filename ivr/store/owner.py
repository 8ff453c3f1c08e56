"""One serving process per SQLite store: an exclusive lock on a file beside the database.

Why: on SQLite the caps' counters and live claims are decided in the serving process's memory
(``ivr.store.ledger``), so a second ``ivr serve`` on the same file would decide from counts
that do not include the first one's calls, and a cap could overshoot. The second one refuses
to start instead, naming the process that serves the store. CLI commands (plan apply,
migrations, reports) take no lock: they do not claim. The kernel drops the lock when the
process ends, however it ends, so a crash leaves nothing to clean up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from ivr.store.db import sqlite_file


class StoreServed(RuntimeError):
    """Another process serves this SQLite store."""


def lock_path(url: str) -> Path | None:
    """``<database file>.serving``; None for an in-memory database (one process by nature) or
    a URI filename (``sqlite_file``)."""
    database = sqlite_file(url)
    return None if database is None else database.with_name(database.name + ".serving")


class StoreOwner:
    """``acquire()`` once before serving, ``release()`` at the end."""

    def __init__(self, url: str) -> None:
        self._path = lock_path(url)
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._path is None or self._fd is not None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)  # a first start: no store yet
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreServed(
                f"{self._path.with_suffix('')} is served by another ivr process (pid {holder}):"
                " one process serves a SQLite store; use PostgreSQL for several"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing drops the lock
            self._fd = None
