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
import contextlib
import functools
import json
import logging
import random
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ivr.aio import stop_task
from ivr.store.call_rows import attempt_rows, call_row
from ivr.store.db import Database
from ivr.store.errors import DB_ERRORS, first_line, refused_by_database
from ivr.store.journal import Journal, JournalEntry
from ivr.store.record_batch import FlushWal, MenuVersionIds, ServerSideWrite, write_snapshots
from ivr.store.write_queue import Job

__all__ = ["DB_ERRORS", "CallWriter", "refused_by_database"]
log = logging.getLogger(__name__)
SQLITE_CALLS_PER_JOB = 8
PG_CALLS_PER_JOB = 64
# Jobs this many times bigger while the writer is behind (``_behind``): the queue runs one
# bulk job between two batches of claims, so the job's size sets how fast the writer catches up.
CATCH_UP_FACTOR = 4


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
        linger_s: float = 0.25,
        busy_batch: int = 16,
        calls_per_job: int | None = None,
    ) -> None:
        self._db = db
        self._journal = journal
        self._dead_letter = dead_letter
        self._max_batch = max_batch
        self._retry_cap_s = retry_cap_s
        self._attempt_timeout_s = attempt_timeout_s
        # Under load (the last batch held ``busy_batch`` entries or more), wait ``linger_s``
        # before the next batch: a call's opened, routed and closed checkpoints then often share
        # one batch, where only the newest is written. Idle, a checkpoint is written at once.
        self._linger_s = linger_s
        self._busy_batch = busy_batch
        self._last_batch = 0
        self._hurry = asyncio.Event()  # flush() wants everything now
        # Calls per write queue job, and so per bulk batch (the queue runs one bulk job per
        # batch). SQLite: each job holds the single writer while it runs, and claims wait
        # behind it, so a big batch goes in several short jobs (8 calls). PostgreSQL: a job is
        # one statement that no claim waits for, and each costs a round trip and the server's
        # per-statement work; at 8 calls per job the writer fell behind the calls (bench
        # round 9: 64 cut the database's CPU per call by a third and left no backlog).
        if calls_per_job is None:
            calls_per_job = SQLITE_CALLS_PER_JOB if db.is_sqlite else PG_CALLS_PER_JOB
        self._calls_per_job = calls_per_job
        self._queue: list[JournalEntry] = []
        self._menu_versions: MenuVersionIds = {}  # row ids found so far (write_snapshots)
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
        self._hurry.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self, timeout_s: float = 10.0) -> None:
        """Write what is queued (bounded), then stop. Unwritten entries stay in the journal."""
        await self.flush(timeout_s)
        await stop_task(self._task)
        self._task = None

    async def _run(self) -> None:
        delay = 0.0
        while True:
            if not self._queue:
                self._idle.set()
                self._hurry.clear()
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            await self._linger()
            batch = self._queue[: self._max_batch]
            self._last_batch = len(batch)
            set_aside: list[JournalEntry] = []
            if not await self._settle(batch, set_aside):
                self._drop(set_aside)  # never dead-letter one snapshot twice
                self.failures += 1
                delay = min(self._retry_cap_s, max(0.2, delay * 2)) * random.uniform(0.5, 1)
                await asyncio.sleep(delay)
                continue
            delay = 0.0
            self.database_away = False
            del self._queue[: len(batch)]
            self._journal.applied(batch)

    async def _linger(self) -> None:
        if self._last_batch < self._busy_batch or len(self._queue) >= self._max_batch:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hurry.wait(), self._linger_s)

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
        except Exception:
            # Not the database: a snapshot no row can be built from, or a bug. Rows are built
            # in the write itself (checking every snapshot beforehand built them twice, and a
            # whole batch in one turn of the event loop); only now is each one tried.
            buildable = self._well_formed(batch, set_aside)
            if len(buildable) == len(batch):
                raise  # every snapshot builds its rows: a bug, not the data
            return await self._settle(buildable, set_aside)
        half = len(batch) // 2
        return await self._settle(batch[:half], set_aside) and await self._settle(
            batch[half:], set_aside
        )

    def _outage(self, exc: BaseException) -> bool:
        self.database_away = True
        self.last_error = f"{type(exc).__name__}: {first_line(exc)}"
        log.warning("call writer: database unavailable (%s); will retry", self.last_error)
        return False

    def _reject(self, entry: JournalEntry, exc: BaseException) -> None:
        self.rejected += 1
        reason = f"{type(exc).__name__}: {first_line(exc)}"
        log.error("call writer: call %s set aside: %s", entry.data.get("id"), reason)
        self._dead_letter.parent.mkdir(parents=True, exist_ok=True)
        with self._dead_letter.open("a", encoding="utf-8") as handle:
            record = {"error": reason, "snapshot": entry.data}
            handle.write(json.dumps(record, default=str) + "\n")

    async def _write(self, batch: Sequence[JournalEntry]) -> None:
        """Jobs of the database's write queue: each shares its transaction (and on SQLite the
        single writer) with the claims and releases waiting at the same moment. Snapshots are
        versioned, so a chunk written again after a later one failed changes nothing."""
        latest = list(_newest_entries(batch).items())
        last_job_s = 0.0
        start = 0
        while start < len(latest):
            if start:
                await self._pace(last_job_s)
            size = self._calls_per_job * (CATCH_UP_FACTOR if self._behind else 1)
            chunk = dict(latest[start : start + size])
            start += size
            started = time.perf_counter()
            await self._db.writes.run(self._job(chunk), bulk=True)
            last_job_s = time.perf_counter() - started
        if not self._db.is_sqlite:  # durable before the journal may forget them (FlushWal)
            await self._db.writes.run(FlushWal(), bulk=True)
        self.written += len(latest)

    def _job(self, chunk: dict[str, JournalEntry]) -> Job[Any]:
        """PostgreSQL stores a chunk in one statement of its own (``ServerSideWrite``); SQLite,
        which runs in this process anyway, through the driver (``write_snapshots``)."""
        if self._db.is_sqlite:
            latest = {ref: entry.data for ref, entry in chunk.items()}
            return functools.partial(write_snapshots, latest=latest, known=self._menu_versions)
        return ServerSideWrite.of(chunk.values())

    async def _pace(self, last_job_s: float) -> None:
        """SQLite: let as much time pass after a job as it took, so that the record writer
        holds at most about half of the event loop. Its jobs run on the loop's thread there,
        and back to back (a batch is many jobs) every call's step waited behind one: the
        slowest post-dial delays each overlapped 3-4 jobs of ~3 ms (bench/README.md, round
        5). Not when asked to hurry (flush, shutdown), nor on PostgreSQL, whose server does
        the work; nor once the writer is behind (a full batch more waits): at half the loop it
        stored fewer calls than came in, and a backlog that only grows is worse than slower
        steps (records seen late, memory, a long replay after a crash), so the writer catches
        up and the calls slow down instead (bench/README.md, round 9)."""
        if not self._db.is_sqlite or self._hurry.is_set() or self._behind:
            return
        await asyncio.sleep(last_job_s)

    @property
    def _behind(self) -> bool:
        """More waits than one full batch."""
        return len(self._queue) > self._max_batch


def _check_rows(snap: dict[str, Any]) -> None:
    """Build the snapshot's rows once, to raise what building them would raise."""
    call_row(snap, None)
    attempt_rows(0, snap)
    if not isinstance(snap["version"], int):
        raise TypeError(f"version {snap['version']!r} is not an integer")


def _newest_entries(batch: Iterable[JournalEntry]) -> dict[str, JournalEntry]:
    """Several checkpoints of one call in a batch: only the newest matters."""
    latest: dict[str, JournalEntry] = {}
    for entry in batch:
        snap = entry.data
        found = latest.get(snap["id"])
        if found is None or found.data["version"] < snap["version"]:
            latest[snap["id"]] = entry
    return latest
