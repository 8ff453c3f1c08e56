"""A write-ahead journal of call records: durable first, database later.

Why: a call must never be lost, even when the database is down mid-call or the process dies,
yet writing each call to the database on the call path would let storage set the call rate.
So every checkpoint of a call record (opened, routed, closed) is appended here as one JSON line
and made durable with a *group commit*: all entries appended while one durable write runs share
the next one. ``append`` returns only when its entry is on disk. A separate writer applies entries
to the database in batches and reports how far it got; entries are full snapshots with a
version, so applying one twice (after a crash) is harmless.

Segments: entries go to ``journal-<n>.jsonl``; a new segment starts every ``segment_entries``
entries. A segment is deleted once every entry in it was applied and the database made them
durable (``before_forget``). At start, every remaining segment is replayed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import threading
from asyncio import Future as Fut
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.store import json_text

log = logging.getLogger(__name__)

SEGMENT_GLOB = "journal-*.jsonl"
SEGMENT_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_DSYNC
NOT_JOURNALLED = -1  # the segment of an entry whose append failed


def write_durably(fd: int, data: bytes) -> None:
    """All of ``data`` to ``fd`` (opened O_DSYNC: on disk when this returns)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    segment: int  # NOT_JOURNALLED when the write failed
    data: dict[str, Any]
    error: Exception | None = None  # why it is not journalled
    # ``data`` as the journal's JSON line (with its newline), b"" when unknown: PostgreSQL's
    # record writer sends it as it is instead of encoding the snapshot a second time
    line: bytes = b""


Then = Callable[[JournalEntry], None]


@dataclass(frozen=True, slots=True)
class _Waiting:
    """One append waiting for its group commit."""

    entry: JournalEntry
    line: bytes
    done: asyncio.Future[JournalEntry]
    then: Then | None


class Journal:
    def __init__(
        self,
        directory: Path,
        *,
        segment_entries: int = 10_000,
        before_forget: Callable[[], None] | None = None,
    ) -> None:
        """``before_forget``: makes what the database committed durable (SQLite commits do not
        wait for the disk: ``Database.make_durable``); run before a fully applied segment is
        deleted, since after that only the database holds its entries."""
        self._dir = directory
        self._segment_entries = segment_entries
        self._before_forget = before_forget
        self._segment = 0
        self._in_segment = 0
        self._fd: int | None = None  # the open segment, O_APPEND | O_DSYNC
        self._waiting: list[_Waiting] = []
        self._file_segment = 0
        # One thread writes, so batches reach the file in order; at most one batch at a time,
        # and what arrives meanwhile is the next batch (group commit). ``_waiting`` and
        # ``_writing`` are shared with that thread, under ``_lock``.
        self._thread = ThreadPoolExecutor(1, "ivr-journal")
        # Deleting an applied segment syncs the database first and frees a file of ~10,000
        # snapshots: 5-15 ms, which held the event loop (every call's next step) or, from the
        # journal thread, the next group commit. A thread of its own does it (``_forget_soon``).
        self._forgetter = ThreadPoolExecutor(1, "ivr-journal-forget")
        self._forgetting: list[concurrent.futures.Future[None]] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writing = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._unapplied: dict[int, int] = {}  # segment -> entries not yet applied
        self._closed = False

    async def open(self) -> list[JournalEntry]:
        """Open the journal; returns the entries left from a previous run, oldest first."""
        self._dir.mkdir(parents=True, exist_ok=True)
        leftovers = list(self._read_segments())
        for entry in leftovers:
            self._unapplied[entry.segment] = self._unapplied.get(entry.segment, 0) + 1
        self._segment = max((self._segment_number(p) for p in self._segment_paths()), default=0) + 1
        self._open_segment(self._segment)
        self._loop = asyncio.get_running_loop()
        return leftovers

    async def append(self, data: dict[str, Any]) -> JournalEntry:
        """Append one entry and return once it is durable on disk (OSError if it is not)."""
        entry = await self.append_soon(data)
        if entry.error is not None:
            raise entry.error
        return entry

    def append_soon(self, data: dict[str, Any], then: Then | None = None) -> Fut[JournalEntry]:
        """Start appending one entry, in the caller's own turn: serialized, and in the group
        commit under way or starting now. The future is the entry once it is durable; one the
        disk refused (OSError) comes back unjournalled, with its error, so that a caller who
        must go on can; any other error fails the future. ``then(entry)`` runs as the write
        ends, before any waiter wakes, whatever became of the future (a cancelled waiter
        does not undo a write).

        Why not a coroutine: it would start a loop turn later, and each turn under a few
        hundred calls in progress waits behind all of their callbacks (bench/README.md)."""
        if self._closed:
            raise RuntimeError("journal is closed")
        if self._in_segment >= self._segment_entries:
            self._segment += 1
            self._in_segment = 0
        line = json_text.dumps_bytes(data, default=str) + b"\n"
        done: Fut[JournalEntry] = asyncio.get_running_loop().create_future()
        segment = self._segment
        self._in_segment += 1
        self._unapplied[segment] = self._unapplied.get(segment, 0) + 1
        with self._lock:
            self._waiting.append(_Waiting(JournalEntry(segment, data, line=line), line, done, then))
            start, self._writing = not self._writing, True
        if start:
            self._idle.clear()
            self._thread.submit(self._drain)
        return done

    @staticmethod
    def unjournalled(
        data: dict[str, Any], error: Exception | None = None, line: bytes = b""
    ) -> JournalEntry:
        """An entry that could not be journalled (disk full): the writer may still store it,
        and ``applied`` leaves it out of the segment bookkeeping."""
        return JournalEntry(NOT_JOURNALLED, data, error, line)

    def applied(self, entries: list[JournalEntry]) -> None:
        """The database holds these entries now: drop segments that are fully applied."""
        for entry in entries:
            if entry.segment == NOT_JOURNALLED:
                continue
            left = self._unapplied.get(entry.segment, 0) - 1
            self._unapplied[entry.segment] = left
            if left <= 0 and entry.segment < self._file_segment:
                self._forget_soon(entry.segment)

    @property
    def unapplied_count(self) -> int:
        return sum(max(n, 0) for n in self._unapplied.values())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True  # no new appends; those waiting are still written
        await self._idle.wait()
        self._thread.shutdown(wait=True)
        await self.forgotten()
        self._forgetter.shutdown(wait=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- internals ---------------------------------------------------------------------------
    # Why no flush task: every hand-off between tasks costs a turn of the event loop, and under
    # a few hundred calls in progress each turn waits behind all of their ready callbacks. So an
    # append starts the journal thread itself when it is idle; the thread writes batch after
    # batch until nothing waits, and reports each one back with one callback that wakes its
    # waiters. The next batch never waits for that report: it used to start from it, and
    # behind a busy loop the entries appended meanwhile waited up to 15 ms more
    # (bench/README.md, round 6).

    def _drain(self) -> None:
        """Runs in the journal thread: write and report batches until none is waiting."""
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._writing = False
                    break
            error: Exception | None = None
            try:
                self._write_batch(batch)
            except Exception as exc:  # disk full, I/O error, or a bug: every waiter must hear it
                error = exc
            self._report(self._batch_written, batch, error)
        self._report(self._maybe_idle)

    def _report(self, callback: Callable[..., None], *args: Any) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            self._loop.call_soon_threadsafe(callback, *args)

    def _maybe_idle(self) -> None:
        """After the thread stopped: idle, unless an append started it again meanwhile (its
        reports come after this one)."""
        if not self._writing:
            self._idle.set()

    def _batch_written(self, batch: list[_Waiting], error: Exception | None) -> None:
        """Back on the event loop: wake the batch's waiters."""
        if error is not None:
            log.error("journal write failed: %s", error)
        for waiting in batch:
            entry = waiting.entry
            if error is not None:  # not on disk: it must not hold its segment back as unapplied
                self._unapplied[entry.segment] -= 1
                entry = self.unjournalled(entry.data, error, entry.line)
            if waiting.then is not None:
                try:
                    waiting.then(entry)
                except Exception:  # one caller's hook must not leave the others waiting
                    log.exception("journal: the hook of an append failed")
            if waiting.done.done():
                continue
            if error is None or isinstance(error, OSError):
                waiting.done.set_result(entry)
            else:
                waiting.done.set_exception(error)

    def _write_batch(self, batch: list[_Waiting]) -> None:
        """Runs in a worker thread: one fsync per segment touched, usually exactly one."""
        pending: list[bytes] = []
        for waiting in batch:
            if waiting.entry.segment != self._file_segment:
                self._sync(pending)
                pending = []
                self._switch_segment(waiting.entry.segment)
            pending.append(waiting.line)
        self._sync(pending)

    def _sync(self, lines: list[bytes]) -> None:
        if lines:
            assert self._fd is not None
            write_durably(self._fd, b"".join(lines))

    def _switch_segment(self, segment: int) -> None:
        old = self._file_segment
        assert self._fd is not None
        os.close(self._fd)
        self._open_segment(segment)
        if self._unapplied.get(old, 0) <= 0:
            self._forget_soon(old)

    def _forget_soon(self, segment: int) -> None:
        """A fully applied segment: out of the bookkeeping now, its file deleted in the
        forgetting thread (from the event loop or the journal thread: the list of files being
        deleted is rebuilt under ``_lock``, so neither thread's addition is lost)."""
        self._unapplied.pop(segment, None)
        with self._lock:
            self._forgetting = [f for f in self._forgetting if not f.done()]
            self._forgetting.append(self._forgetter.submit(self._forget, segment))

    async def forgotten(self) -> None:
        """Wait until the segments handed to the forgetting thread so far are dealt with."""
        with self._lock:
            waiting = [asyncio.wrap_future(f) for f in self._forgetting]
        if waiting:
            await asyncio.gather(*waiting)

    def _forget(self, segment: int) -> None:
        """Delete a fully applied segment, once the database made its entries durable; if it
        could not, the segment stays (replayed at the next start: versions make that safe)."""
        if self._before_forget is not None:
            try:
                self._before_forget()
            except OSError as exc:
                log.warning("journal: segment %d kept, the database is not durable: %s",
                            segment, exc)  # fmt: skip
                return
        with contextlib.suppress(FileNotFoundError):
            self._path(segment).unlink()

    def _open_segment(self, segment: int) -> None:
        self._file_segment = segment
        # Kept open, appended to until rotation. O_DSYNC: each write returns once its data (and
        # the size that makes it readable) is on disk, as write + fdatasync would, but in ONE
        # system call: the journal thread gives the GIL back and waits for it once per group
        # commit instead of three times (under load each wait lasted up to the 5 ms switch
        # interval, most of the routed checkpoint's latency; bench/README.md, round 4).
        self._fd = os.open(self._path(segment), SEGMENT_FLAGS, 0o644)
        # A new file's directory entry must be durable too, or a crash can lose the whole file.
        dir_fd = os.open(self._dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _path(self, segment: int) -> Path:
        return self._dir / f"journal-{segment:08d}.jsonl"

    def _segment_paths(self) -> list[Path]:
        return sorted(self._dir.glob(SEGMENT_GLOB))

    @staticmethod
    def _segment_number(path: Path) -> int:
        return int(path.stem.split("-", 1)[1])

    def _read_segments(self) -> Iterator[JournalEntry]:
        for path in self._segment_paths():
            segment = self._segment_number(path)
            with path.open("rb") as handle:
                for raw in handle:
                    if not raw.endswith(b"\n"):
                        # A torn last line: its append never returned, so nobody relied on it.
                        log.warning("journal %s: dropping a torn final line", path.name)
                        break
                    yield JournalEntry(segment, json.loads(raw), line=raw)
