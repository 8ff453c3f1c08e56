"""The write-behind writer: journalled call snapshots into the database, in batches.

Why batches: one transaction for everything queued since the last one is what lets storage keep
up with the call rate (group commit). Why it never drops: a batch that fails because the
database is away is retried with backoff, and stays in the journal meanwhile, so a restart
replays it too. A batch that fails because of its own data is split, and the one snapshot the
database refuses is written to a dead-letter file (``rejected.jsonl`` beside the journal) with
the reason: one bad record must not stall all the others, and nothing is thrown away.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, insert, select, tuple_
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.store.call_rows import attempt_rows, call_row, event_rows
from ivr.store.db import Database
from ivr.store.journal import Journal, JournalEntry
from ivr.store.models import Call, CallEvent, MenuVersion, RoutingAttempt
from ivr.store.upsert import upsert

log = logging.getLogger(__name__)
CALLS: Table = Call.__table__  # type: ignore[assignment]


class CallWriter:
    def __init__(
        self,
        db: Database,
        journal: Journal,
        dead_letter: Path,
        *,
        max_batch: int = 500,
        retry_cap_s: float = 30.0,
    ) -> None:
        self._db = db
        self._journal = journal
        self._dead_letter = dead_letter
        self._max_batch = max_batch
        self._retry_cap_s = retry_cap_s
        self._queue: list[JournalEntry] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.rejected = 0
        self.failures = 0

    def submit(self, entry: JournalEntry) -> None:
        self._queue.append(entry)
        self._idle.clear()
        self._wakeup.set()

    @property
    def backlog(self) -> int:
        return len(self._queue)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="call-writer")

    async def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until everything submitted so far is written; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout_s: float = 10.0) -> None:
        """Write what is queued (bounded), then stop. Unwritten entries stay in the journal."""
        await self.flush(timeout_s)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        delay = 0.0
        while True:
            if not self._queue:
                self._idle.set()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            batch = self._queue[: self._max_batch]
            if not await self._attempt(batch):
                self.failures += 1
                delay = min(self._retry_cap_s, max(0.2, delay * 2)) * random.uniform(0.5, 1)
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            del self._queue[: len(batch)]
            self._journal.applied(batch)

    async def _attempt(self, batch: Sequence[JournalEntry]) -> bool:
        """Write the batch; True when done (refused snapshots set aside), False to retry."""
        try:
            await self._write(batch)
            return True
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            if not _is_data_error(exc):
                return self._outage(exc)
        for entry in batch:  # find the snapshot the database refuses
            try:
                await self._write([entry])
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                if not _is_data_error(exc):
                    return self._outage(exc)
                self._reject(entry, exc)
        return True

    def _outage(self, exc: BaseException) -> bool:
        log.warning("call writer: database unavailable (%s: %s); will retry",
                    type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")  # fmt: skip
        return False

    def _reject(self, entry: JournalEntry, exc: Exception) -> None:
        self.rejected += 1
        log.error("call writer: the database refused call %s: %s", entry.data.get("id"), exc)
        self._dead_letter.parent.mkdir(parents=True, exist_ok=True)
        with self._dead_letter.open("a", encoding="utf-8") as handle:
            record = {"error": str(exc).splitlines()[0], "snapshot": entry.data}
            handle.write(json.dumps(record, default=str) + "\n")

    async def _write(self, batch: Sequence[JournalEntry]) -> None:
        latest: dict[str, dict[str, Any]] = {}
        for entry in batch:  # several checkpoints of one call: only the newest matters
            snap = entry.data
            if snap["id"] not in latest or latest[snap["id"]]["version"] < snap["version"]:
                latest[snap["id"]] = snap
        async with self._db.write() as session:
            versions = await _menu_version_ids(session, latest.values())
            rows = [call_row(s, versions.get((s.get("menu_id"), s.get("menu_version"))))
                    for s in latest.values()]  # fmt: skip
            await upsert(session, CALLS, rows, key="ref", newer_than="version")
            stored = await session.execute(
                select(Call.id, Call.ref, Call.version).where(Call.ref.in_(latest))
            )
            fresh = {ref: call_id for call_id, ref, version in stored
                     if version == latest[ref]["version"]}  # fmt: skip
            await _replace_children(session, fresh, latest)
        self.written += len(latest)


def _is_data_error(exc: BaseException) -> bool:
    """The snapshot itself is wrong (not the database being away)."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


async def _menu_version_ids(
    session: AsyncSession, snaps: Any
) -> dict[tuple[str | None, int | None], int]:
    wanted = {(s.get("menu_id"), s.get("menu_version")) for s in snaps if s.get("menu_version")}
    if not wanted:
        return {}
    result = await session.execute(
        select(MenuVersion.menu_id, MenuVersion.version, MenuVersion.id).where(
            tuple_(MenuVersion.menu_id, MenuVersion.version).in_(list(wanted))
        )
    )
    return {(menu_id, version): row_id for menu_id, version, row_id in result}


async def _replace_children(
    session: AsyncSession, fresh: dict[str, int], latest: dict[str, dict[str, Any]]
) -> None:
    """A snapshot carries the whole timeline: replace the call's events and attempts."""
    if not fresh:
        return
    ids = list(fresh.values())
    await session.execute(delete(CallEvent).where(CallEvent.call_id.in_(ids)))
    await session.execute(delete(RoutingAttempt).where(RoutingAttempt.call_id.in_(ids)))
    events = [row for ref, cid in fresh.items() for row in event_rows(cid, latest[ref])]
    attempts = [row for ref, cid in fresh.items() for row in attempt_rows(cid, latest[ref])]
    if events:
        await session.execute(insert(CallEvent), events)
    if attempts:
        await session.execute(insert(RoutingAttempt), attempts)
