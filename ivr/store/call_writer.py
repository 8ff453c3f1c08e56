"""The write-behind writer: journalled call snapshots into the database, in batches.

Why batches: one transaction for everything queued since the last one is what lets storage keep
up with the call rate (group commit). Why it never drops: a batch that fails because the
database is away is retried with backoff, and stays in the journal meanwhile, so a restart
replays it too. A batch that fails because of its own data is split in halves until the
snapshot the database refuses is alone; that one is written to a dead-letter file
(``rejected.jsonl`` beside the journal) with the reason: one bad record must not stall all the
others, and nothing is thrown away.

"Refused" versus "away" is decided by ``refused_by_database``: only errors that name the data
(constraint violations, values that do not fit) are refusals. Anything else (connection lost,
database locked, schema missing) is an outage and is retried, because dead-lettering every
record during an outage would be the worse mistake.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Iterable, Sequence
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
DB_ERRORS = (SQLAlchemyError, OSError, TimeoutError)
# SQLSTATE classes that blame the data: 22 data exception, 23 integrity constraint violation.
# asyncpg's errors reach SQLAlchemy as plain DBAPIError, so the class alone cannot tell.
REFUSAL_SQLSTATE_CLASSES = ("22", "23")


def refused_by_database(exc: BaseException) -> bool:
    """True when the statement's own data is wrong; False when the database is away or broken."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return isinstance(state, str) and state[:2] in REFUSAL_SQLSTATE_CLASSES
    # A StatementError that is no DBAPIError failed while binding parameters, before sending.
    return isinstance(exc, StatementError)


class CallWriter:
    def __init__(
        self,
        db: Database,
        journal: Journal,
        dead_letter: Path,
        *,
        max_batch: int = 500,
        retry_cap_s: float = 30.0,
        attempt_timeout_s: float = 60.0,
    ) -> None:
        self._db = db
        self._journal = journal
        self._dead_letter = dead_letter
        self._max_batch = max_batch
        self._retry_cap_s = retry_cap_s
        self._attempt_timeout_s = attempt_timeout_s
        self._queue: list[JournalEntry] = []
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.written = 0  # call rows written (each newest snapshot of a batch counts once)
        self.rejected = 0  # snapshots set aside in the dead-letter file
        self.failures = 0  # batch attempts that failed because the database was away
        self.database_away = False  # the last attempt found the database away
        self.last_error = ""

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
            set_aside: list[JournalEntry] = []
            if not await self._settle(self._well_formed(batch, set_aside), set_aside):
                self._drop(set_aside)  # never dead-letter one snapshot twice
                self.failures += 1
                delay = min(self._retry_cap_s, max(0.2, delay * 2)) * random.uniform(0.5, 1)
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            self.database_away = False
            del self._queue[: len(batch)]
            self._journal.applied(batch)

    def _drop(self, entries: list[JournalEntry]) -> None:
        if entries:
            gone = {id(entry) for entry in entries}
            self._queue = [entry for entry in self._queue if id(entry) not in gone]
            self._journal.applied(entries)

    def _well_formed(
        self, batch: Sequence[JournalEntry], set_aside: list[JournalEntry]
    ) -> list[JournalEntry]:
        """The entries whose rows can be built; the others go to the dead-letter file, since a
        snapshot that breaks row building would break every retry too."""
        good = []
        for entry in batch:
            try:
                _check_rows(entry.data)
            except Exception as exc:  # any malformed field: KeyError, TypeError, decimal...
                self._reject(entry, exc)
                set_aside.append(entry)
                continue
            good.append(entry)
        return good

    async def _settle(self, batch: Sequence[JournalEntry], set_aside: list[JournalEntry]) -> bool:
        """Write the batch, splitting it to isolate refused snapshots; False on an outage."""
        if not batch:
            return True
        try:
            await asyncio.wait_for(self._write(batch), self._attempt_timeout_s)
            return True
        except DB_ERRORS as exc:
            if not refused_by_database(exc):
                return self._outage(exc)
            if len(batch) == 1:
                self._reject(batch[0], exc)
                set_aside.append(batch[0])
                return True
        half = len(batch) // 2
        return await self._settle(batch[:half], set_aside) and await self._settle(
            batch[half:], set_aside
        )

    def _outage(self, exc: BaseException) -> bool:
        self.database_away = True
        self.last_error = f"{type(exc).__name__}: {_first_line(exc)}"
        log.warning("call writer: database unavailable (%s); will retry", self.last_error)
        return False

    def _reject(self, entry: JournalEntry, exc: BaseException) -> None:
        self.rejected += 1
        reason = f"{type(exc).__name__}: {_first_line(exc)}"
        log.error("call writer: call %s set aside: %s", entry.data.get("id"), reason)
        self._dead_letter.parent.mkdir(parents=True, exist_ok=True)
        with self._dead_letter.open("a", encoding="utf-8") as handle:
            record = {"error": reason, "snapshot": entry.data}
            handle.write(json.dumps(record, default=str) + "\n")

    async def _write(self, batch: Sequence[JournalEntry]) -> None:
        latest = _newest_snapshots(batch)
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


def _check_rows(snap: dict[str, Any]) -> None:
    """Build the snapshot's rows once, to raise what building them would raise."""
    call_row(snap, None)
    event_rows(0, snap)
    attempt_rows(0, snap)
    if not isinstance(snap["version"], int):
        raise TypeError(f"version {snap['version']!r} is not an integer")


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""


def _newest_snapshots(batch: Iterable[JournalEntry]) -> dict[str, dict[str, Any]]:
    """Several checkpoints of one call in a batch: only the newest matters."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in batch:
        snap = entry.data
        if snap["id"] not in latest or latest[snap["id"]]["version"] < snap["version"]:
            latest[snap["id"]] = snap
    return latest


async def _menu_version_ids(
    session: AsyncSession, snaps: Iterable[dict[str, Any]]
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
