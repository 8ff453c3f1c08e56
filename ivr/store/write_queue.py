"""Group commit for every write of the call path: claims, releases and call records.

Why: a write transaction per claim or release costs a BEGIN, a COMMIT and a queue behind
SQLite's single writer; with hundreds of calls at once that, not the calls, sets the call rate.
So writers hand a *job* (a synchronous function of one ``Connection``) to the queue, and one
task runs every job waiting at that moment in ONE transaction, then hands each its result.

- All-or-nothing per batch: a job that must take several rows or none undoes its own partial
  work inside the transaction (``ivr_claim``, through ``claims.take``); results reach their
  callers only after the COMMIT, so nobody acts on a write that was rolled back.
- One bad job does not sink the others: when a batch fails because of some job's data
  (``refused_by_database``) or a bug, each job runs again alone, so only that one fails.
- An outage (connection lost, ``database is locked`` after the busy timeout) fails the whole
  batch: every job in it would have hit it. A deadlock or serialization failure is retried.
- PostgreSQL: jobs run in the order of their ``order`` key (the target id for counter changes),
  so two processes' batches take per-target locks in the same order and never deadlock. A
  batch of claims and releases only is ONE statement in autocommit (``run_joined``,
  migration 0002): its target locks are held while the server runs it, not across
  a round trip per job, so it takes no lane either (lanes are for transactions of several
  statements); a batch that fails runs again job by job, as any other.
- Bulk jobs (the record writer's) never share a batch with the others: a claim waits for no
  row writing of other calls, only for the batch under way, and batches take turns (one bulk
  batch after each batch of the others) so neither kind starves. A bulk batch is ONE bulk job:
  its submitter bounds the job (the record writer: at most ``calls_per_job`` snapshots), so
  the batch a claim may wait for is bounded too, however much record writing is queued.
- SQLite: the batch runs on a plain ``sqlite3`` connection, on the event loop's thread while
  SQLite answers at once (``ivr.store.sqlite_runner``), and the app's writes queue here
  instead of fighting for the file lock in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.store.errors import DB_ERRORS, refused_by_database, transient
from ivr.store.held_connections import HeldConnections
from ivr.store.raw_sql import Fetch
from ivr.store.sqlite_runner import SqliteRunner

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[Connection], T]
# A job may carry ``run_joined(jobs)``: on PostgreSQL, a batch whose jobs all carry the same
# one runs as the ONE statement it returns (one result per job), in autocommit on a held
# connection, instead of job by job inside BEGIN ... COMMIT.
JoinedRunner = Callable[[list[Any]], Fetch[list[Any]]]
TRANSIENT_RETRIES = 5
# A job wanted at once goes from its caller's turn (SQLite: commits there; PostgreSQL: its
# statement is sent from there) only if the last one came at least this long before (claims
# further apart than this: under ~200 calls/s); closer ones share the queue's next batch.
INLINE_GAP_S = 0.005
# The longest a job submitted ``later`` waits for a batch to ride along with.
LATER_S = 0.05


@dataclass(slots=True)
class _Pending:
    job: Job[Any]
    order: str
    bulk: bool
    done: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class WriteQueue:
    """``submit(job, order)`` returns a future of the job's result, set after the commit."""

    def __init__(
        self,
        engine: AsyncEngine,
        sqlite: SqliteRunner | None = None,
        held: HeldConnections | None = None,
        *,
        max_batch: int = 256,
        pg_lanes: int = 4,
    ) -> None:
        self._engine = engine
        # PostgreSQL: where one-statement batches run, in autocommit (held, not pooled)
        self._held = held
        self._sqlite = sqlite
        self._max_batch = max_batch
        self._waiting: list[_Pending] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        # SQLite has one writer: one batch at a time. PostgreSQL takes row and target locks, so
        # batches may overlap; a few at once hide the round trips' latency.
        self._lanes = asyncio.Semaphore(1 if sqlite else pg_lanes)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._current: list[_Pending] = []  # SQLite: the batch being committed in ``_run``
        self._bulk_turn = False
        self._last_at_once = float("-inf")  # when the last job wanted at once came
        self._later: asyncio.TimerHandle | None = None  # wakes the queue for ``later`` jobs
        self.batches = 0  # transactions committed (or tried)
        self.jobs = 0  # jobs run
        self.busy_s = 0.0  # wall time spent in batches
        self.longest_batch_s = 0.0

    def submit(
        self,
        job: Job[T],
        order: str = "",
        *,
        bulk: bool = False,
        at_once: bool = False,
        later: bool = False,
    ) -> asyncio.Future[T]:
        """``at_once``: a job someone is waiting for (a claim, before its Dial). On PostgreSQL,
        when no other came in the last ``INLINE_GAP_S``, its statement is sent at once
        (``_send_now``); closer together, claims share the queue's next statement. On SQLite it
        commits right here when no batch is being committed, ahead of the jobs that wait:
        those are writes nobody waits for (releases after a Dial, call records), and group
        commit makes them cheaper together. Not when the last one came less than
        ``INLINE_GAP_S`` ago: claims that come that close together (under load) wait for the
        queue's next batch and share its transaction, since a commit per claim cost more CPU
        than the claims themselves (bench/README.md, round 8).

        ``later``: a job nobody waits for (a release after its call) waits up to
        ``LATER_S`` for the next batch, and rides along with it: with calls paced a few ms
        apart, a release sent alone cost a statement of its own per call (bench/README.md,
        round 12)."""
        if at_once and self._sqlite is not None and not self._committing and self._alone():
            done = self._commit_inline(job)
            if done is not None:
                return done
        pending = _Pending(job, order, bulk)
        self._waiting.append(pending)
        if at_once and self._sqlite is None and self._alone() and self._send_now(pending):
            return pending.done
        if self._task is None or self._task.done():
            self._wakeup = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="write-queue")
        assert self._wakeup is not None
        if not later:
            self._wakeup.set()
        elif self._later is None:
            self._later = asyncio.get_running_loop().call_later(LATER_S, self._wake_for_later)
        return pending.done

    def _send_now(self, pending: _Pending) -> bool:
        """PostgreSQL, a job wanted at once and alone: its statement (with the jobs that ride
        along) starts from here, not from the queue's task in a later turn of the event loop;
        each turn under a few hundred calls in progress waits behind their ready callbacks.
        False when the job is not one that runs joined: the queue's task runs it."""
        if _runner_of(pending.job) is None:
            return False
        joined = self._take_joined()
        self._spawn(self._commit(joined))
        # else another runner's jobs were first and went instead: this one still waits
        return any(taken is pending for taken in joined)

    def _wake_for_later(self) -> None:
        self._later = None
        if self._wakeup is not None:
            self._wakeup.set()

    def _alone(self) -> bool:
        """No job wanted at once came in the last ``INLINE_GAP_S`` (this one counts)."""
        now = time.monotonic()
        alone, self._last_at_once = now - self._last_at_once >= INLINE_GAP_S, now
        return alone

    @property
    def _committing(self) -> bool:
        """SQLite: a batch is being committed (one that waits in the worker thread). ``_run``
        sets ``_current`` in the turn it takes SQLite's one lane and clears it as the lane is
        given back, so the lane itself need not be asked (``Semaphore.locked`` scans its
        waiters: 1 % of the loop's busy time, once per claim)."""
        return bool(self._current)

    def _commit_inline(self, job: Job[T]) -> asyncio.Future[T] | None:
        """SQLite, no batch under way: commit the job at once, in the caller's own turn.

        Why: handing it to the queue's task costs a turn of the event loop there and another
        back, and under a few hundred calls in progress each turn waits behind all of their
        ready callbacks; a claim's hand-offs were most of the post-dial delay (bench/README.md,
        round 5). Alone, the job's transaction costs what a batch of one costs in the queue.
        None when SQLite cannot take it at once (another process holds the lock) or the job
        failed: its transaction was rolled back, and the queue runs it as usual, with the
        queue's retries and error handling."""
        assert self._sqlite is not None
        started = time.perf_counter()
        try:
            [result] = self._sqlite.run_inline(functools.partial(_run_jobs, jobs=[job]))
        except Exception:  # any: the queue's path sorts it out
            return None
        self._count_batch(1, time.perf_counter() - started)
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        done.set_result(result)
        return done

    def _count_batch(self, jobs: int, took_s: float) -> None:
        self.batches += 1
        self.jobs += jobs
        self.busy_s += took_s
        self.longest_batch_s = max(self.longest_batch_s, took_s)

    async def run(self, job: Job[T], order: str = "", *, bulk: bool = False) -> T:
        return await self.submit(job, order, bulk=bulk)

    @property
    def sync_engines(self) -> tuple[Engine, ...]:
        """The engines the batches run on (to listen to their events)."""
        if self._sqlite is not None:
            return (self._sqlite.inline, self._sqlite.waiting)
        held = (self._held.engine.sync_engine,) if self._held is not None else ()
        return (self._engine.sync_engine, *held)

    @property
    def backlog(self) -> int:
        return len(self._waiting)

    async def close(self, timeout_s: float = 10.0) -> None:
        """Finish what is queued (bounded), then stop the task."""
        if self._later is not None:  # jobs that would wait for a batch: none is coming
            self._later.cancel()
            self._wake_for_later()
        if self._task is not None:
            waiting = [p.done for p in self._waiting + self._current]
            if waiting:
                await asyncio.wait(waiting, timeout=timeout_s)
            if self._in_flight:
                await asyncio.wait(self._in_flight, timeout=timeout_s)
            self._task.cancel()
            for task in self._in_flight:
                task.cancel()
            await asyncio.gather(self._task, *self._in_flight, return_exceptions=True)
            self._task = None
        for pending in self._waiting:
            if not pending.done.done():
                pending.done.set_exception(RuntimeError("the database was closed"))
        self._waiting.clear()

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            if not self._waiting:
                if self._later is not None:  # its jobs rode along already
                    self._later.cancel()
                    self._later = None
                self._wakeup.clear()
            if not self._wakeup.is_set():  # nothing waits, or only jobs submitted ``later``
                await self._wakeup.wait()
                continue
            joined = self._take_joined() if self._sqlite is None else []
            if joined:
                # One statement that takes its targets' locks in order and drops them as it
                # ends: it needs no lane, and must not wait for one behind record batches.
                self._spawn(self._commit(joined))
                continue
            await self._lanes.acquire()
            batch = self._next_batch()
            batch.sort(key=lambda pending: pending.order)  # one lock order for every process
            if self._sqlite is not None:
                # One writer, one batch at a time: commit it right here. A task of its own
                # would start a loop iteration later, and under load every iteration waits
                # behind all the calls' ready callbacks (a claim waited 6-10 ms at p50 for
                # batches that ran in 1 ms; 2.4 ms once committed here).
                self._current = batch
                try:
                    await self._commit_in_lane(batch)
                finally:
                    self._current = []
                continue
            self._spawn(self._commit_in_lane(batch))

    def _spawn(self, commit: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(commit)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    def _take_joined(self) -> list[_Pending]:
        """PostgreSQL: the waiting jobs that run together in one statement (claims and
        releases: ``run_joined``), in lock order; the rest stay for the lanes."""
        joinable = [p for p in self._waiting if not p.bulk]
        runner = next((r for p in joinable if (r := _runner_of(p.job)) is not None), None)
        if runner is None:
            return []
        batch = [p for p in joinable if _runner_of(p.job) is runner][: self._max_batch]
        taken = {id(p) for p in batch}
        self._waiting = [p for p in self._waiting if id(p) not in taken]
        return sorted(batch, key=lambda pending: pending.order)

    def _next_batch(self) -> list[_Pending]:
        """Take the next batch off the queue: bulk jobs alone, or the others alone, in turns."""
        bulk = any(pending.bulk for pending in self._waiting)
        other = not all(pending.bulk for pending in self._waiting)
        take_bulk = bulk and (self._bulk_turn or not other)
        self._bulk_turn = not take_bulk
        limit = 1 if take_bulk else self._max_batch
        batch: list[_Pending] = []
        rest: list[_Pending] = []
        for pending in self._waiting:
            if pending.bulk == take_bulk and len(batch) < limit:
                batch.append(pending)
            else:
                rest.append(pending)
        self._waiting = rest
        return batch

    async def _commit_in_lane(self, batch: list[_Pending]) -> None:
        try:
            await self._commit(batch)
        finally:
            self._lanes.release()

    async def _commit(self, batch: list[_Pending]) -> None:
        for attempt in range(TRANSIENT_RETRIES + 1):
            try:
                results = await self._execute([pending.job for pending in batch])
            except Exception as exc:  # any: sorted out in _failed
                if transient(exc) and attempt < TRANSIENT_RETRIES:
                    await asyncio.sleep(0.001 * 2**attempt)
                    continue
                await self._failed(batch, exc)
                return
            for pending, result in zip(batch, results, strict=True):
                if not pending.done.done():
                    pending.done.set_result(result)
            return

    async def _failed(self, batch: list[_Pending], exc: Exception) -> None:
        blames_a_job = refused_by_database(exc) or not isinstance(exc, DB_ERRORS)
        if blames_a_job and len(batch) > 1:
            for pending in batch:  # alone, so that only the guilty job fails
                await self._commit([pending])
            return
        for pending in batch:
            if not pending.done.done():
                pending.done.set_exception(exc)

    async def _execute(self, jobs: list[Job[Any]]) -> list[Any]:
        started = time.perf_counter()
        try:
            if self._sqlite is not None:
                return await self._sqlite.run(functools.partial(_run_jobs, jobs=jobs))
            joined = _joined_runner(jobs)
            if joined is not None:  # ONE statement: its own transaction, no BEGIN / COMMIT
                assert self._held is not None
                return await self._held.fetch(joined(jobs))
            async with self._engine.begin() as conn:
                return await conn.run_sync(_run_jobs, jobs)
        finally:
            self._count_batch(len(jobs), time.perf_counter() - started)


def _run_jobs(conn: Connection, jobs: list[Job[Any]]) -> list[Any]:
    return [job(conn) for job in jobs]


def _runner_of(job: Job[Any]) -> JoinedRunner | None:
    """The job's ``run_joined``, if it has one."""
    return cast(JoinedRunner | None, getattr(job, "run_joined", None))


def _joined_runner(jobs: list[Job[Any]]) -> JoinedRunner | None:
    """The runner every job of the batch shares (``run_joined``), if they all share one: it
    runs them all in one statement (PostgreSQL's claims and releases, ``claims.Take``)."""
    runner = _runner_of(jobs[0])
    if runner is None or any(_runner_of(job) is not runner for job in jobs):
        return None
    return runner
