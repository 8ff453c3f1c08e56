"""``SqlCallStore``: the call path's storage port (``ivr.calls.ports.CallStore``).

Records go through the journal (durable at once) and reach the database behind the call
(``CallWriter``). Reads go to the database directly; on PostgreSQL, claims and releases go
through the database's group commit queue (``Database.writes``), many calls' in one statement.
On SQLite, which one process serves, claims, releases and target loads are answered from
memory and stored behind (``MemoryClaims``): the rest of this docstring is PostgreSQL's story,
and a SQLite outage only delays what is stored (caps hold, nothing is degraded).
When the database is away (an error: connection refused or lost, ``database is locked`` after
SQLite's busy timeout), a call is still routed: history reads as empty, loads as zero,
claims are granted (the outage is logged once per episode and counted), and the records wait in
the journal until the database is back. A claim that is only *slow* (our time limit fired while
the database still works) is refused, never granted without its counters, and whatever it takes
once it lands is given back.

Only an outage degrades: an error that blames the statement's data (``refused_by_database``)
is a bug to log loudly, and a claim that hits one is refused rather than granted, because a
claim granted without its counters is a cap that can overshoot. Releases that fail during an
outage are kept and retried once the database answers again, so no slot stays taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import operator
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.routing.periods import slot_of
from ivr.screening.rules import CallerHistory, dedupe_window_start, velocity_window_start
from ivr.store import claims, history, loads
from ivr.store.call_writer import DB_ERRORS, CallWriter, refused_by_database
from ivr.store.db import Database
from ivr.store.joined_reads import JoinedReads
from ivr.store.journal import Journal, JournalEntry
from ivr.store.memory_claims import MemoryClaims
from ivr.store.record_batch import close_orphan

log = logging.getLogger(__name__)
T = TypeVar("T")
_TARGET_ID = operator.attrgetter("id")


@dataclass(frozen=True, slots=True)
class PendingRelease:
    call_id: str
    target_id: str
    counters: list[claims.Counter]
    connected: bool


class SqlCallStore:
    def __init__(
        self,
        db: Database,
        journal: Journal,
        writer: CallWriter,
        *,
        db_timeout_s: float = 2.0,
        claim_timeout_s: float | None = None,
    ) -> None:
        self._db = db
        self._journal = journal
        self._writer = writer
        self._timeout_s = db_timeout_s
        # The limit tells "unreachable" from "slow", so it must outlast load: claims wait in the
        # write queue behind others. On SQLite, "unreachable" is the busy timeout running out
        # ('database is locked'), so by default the limit waits for that verdict.
        if claim_timeout_s is None:
            claim_timeout_s = max(5.0, db.busy_timeout_ms / 1000 + 2.0) if db.is_sqlite else 5.0
        self._claim_timeout_s = claim_timeout_s
        # Counters of every claim tried and not yet released, even one cut off by the time
        # limit: it may have committed, and giving back a claim that was never taken is a no-op.
        self._claims: dict[tuple[str, str], list[claims.Counter]] = {}
        self._pending_releases: list[PendingRelease] = []
        self._releasing: dict[asyncio.Future[Any], PendingRelease] = {}  # submitted, not landed
        self._retrying: asyncio.Task[None] | None = None
        self._away = False
        self._background: set[asyncio.Future[None]] = set()
        self._loads_in_flight: dict[tuple[object, ...], asyncio.Future[Mapping[str, TargetLoad]]]
        self._loads_in_flight = {}
        self._histories: JoinedReads[dict[str, Any], CallerHistory] | None = None
        self.outages = 0  # outage episodes seen by reads and claims
        self.degraded_claims = 0  # claims granted without the database
        # SQLite: one process serves the store (ivr.store.owner), so claims are decided in its
        # memory and stored behind; PostgreSQL decides them in the database.
        self._memory: MemoryClaims | None = None
        if db.is_sqlite:
            self._memory = MemoryClaims(db, timeout_s=claim_timeout_s,
                                        answered=self._database_answered,
                                        away=self._note_outage)  # fmt: skip

    async def start(self, now: datetime) -> None:
        """Before the first call: SQLite's claims and counters are read into memory."""
        if self._memory is not None:
            await self._memory.load(now)

    @property
    def degraded(self) -> bool:
        """The database was away at the last read or claim, or at the writer's last attempt."""
        return self._away or self._writer.database_away

    @property
    def pending_releases(self) -> int:
        """Releases not given back yet: under way, or kept through an outage."""
        return len(self._pending_releases) + len(self._releasing)

    def checkpoint(self, call: CallLog) -> Awaitable[object]:
        """The snapshot is taken and its journal write started before this returns; the
        writer gets the entry as the write ends, even if nobody awaits it any more. A disk
        that refuses the write (full) does not stop the call: the writer still stores it."""
        return self._journal.append_soon(call.snapshot(), then=self._journalled)

    def _journalled(self, entry: JournalEntry) -> None:
        if entry.error is not None:
            log.error("journal write failed for call %s: %s", entry.data.get("id"), entry.error)
        self._writer.submit(entry)

    async def caller_history(
        self, caller: str, campaign: Campaign, now: datetime, exclude_call: str = ""
    ) -> CallerHistory:
        since = velocity_window_start(campaign.screening, now)
        dedupe_from = dedupe_window_start(campaign, now)

        params = {
            "caller": caller, "exclude": exclude_call, "campaign": campaign.id,
            "since": since, "dedupe_from": dedupe_from or history.NEVER,
            "from": min(since, dedupe_from or since),
        }  # fmt: skip

        if self._db.is_sqlite:
            work: Awaitable[CallerHistory] = self._db.read_sync(history.query(params))
        else:  # PostgreSQL: in one statement with the other calls' asked at that moment
            work = self._history_reads().read(params)
        return await self._guarded(work, CallerHistory(), CallerHistory(), "caller history")

    def _history_reads(self) -> JoinedReads[dict[str, Any], CallerHistory]:
        """Made at the first read: the database is connected by then."""
        if self._histories is None:
            self._histories = self._db.joined_reads(history.joined_query)
            assert self._histories is not None, "PostgreSQL, connected"
        return self._histories

    async def target_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        """Concurrent calls asking the same question share one read (single flight): a call
        that asks while the same read is under way takes its answer, which is no older than
        its own question. The key holds the 15-minute slot of ``at``, in which the targets'
        cap periods never change (``ivr.routing.periods.slot_of``)."""
        if self._memory is not None:
            return self._memory.loads(campaign, targets, at)
        key = (campaign.id, tuple(map(_TARGET_ID, targets)), slot_of(at))
        shared = self._loads_in_flight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._read_loads(campaign, targets, at))
            self._loads_in_flight[key] = shared
            shared.add_done_callback(lambda _: self._loads_in_flight.pop(key, None))
        return await asyncio.shield(shared)

    async def _read_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        if not targets:
            return {}
        work = self._db.read_sync(loads.query(targets, campaign, at))
        return await self._guarded(work, {}, {}, "target loads")

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        """Granted only with its counters taken, except when the database is unreachable (an
        outage: the call is routed anyway and the grant counted as degraded). A claim that is
        merely slow (its batch has not answered within the time limit) is refused, so the
        call tries its next target, and whatever it takes once it lands is given back.
        SQLite: decided in memory (``MemoryClaims``)."""
        if self._memory is not None:
            return await self._memory.claim(call_id, target, campaign, at)
        counters = claims.limited_counters(target, campaign, at)
        key = (call_id, target.id)
        job = claims.Take(call_id, target.id, tuple(counters), at)
        self._claims[key] = counters
        landed = self._db.writes.submit(job, order=target.id, at_once=True)  # before its Dial
        try:
            await self._settled(landed)
        except asyncio.CancelledError:  # the call went away; its claim may still commit
            self._undo_when_landed(landed, call_id, target.id)
            raise
        if not landed.done():  # our own time limit: the database answers, slowly
            self._undo_when_landed(landed, call_id, target.id)
            log.warning("claim of %s for call %s refused: no answer within %.1f s",
                        target.id, call_id, self._claim_timeout_s)  # fmt: skip
            return False
        if (exc := landed.exception()) is not None:
            return self._claim_failed(key, exc)
        full = landed.result()
        self._database_answered("claim")
        if full is not None:
            self._claims.pop(key, None)  # nothing was taken: nothing to give back
            log.info("claim of %s for call %s refused: %s full at %d",
                     target.id, call_id, full.kind, full.cap)  # fmt: skip
            return False
        return True

    async def _settled(self, landed: asyncio.Future[Any]) -> None:
        """Wait for a claim's or a release's write, at most the claim time limit. A write the
        queue committed inline is done already: ``asyncio.wait`` would still cost a loop turn."""
        if not landed.done():
            await asyncio.wait([landed], timeout=self._claim_timeout_s)

    def _claim_failed(self, key: tuple[str, str], exc: BaseException) -> bool:
        if refused_by_database(exc):
            log.error("database refused the claim of %s: a bug, not an outage", key[1],
                      exc_info=exc)  # fmt: skip
            self._claims.pop(key, None)
            return False
        self._note_outage("claim", exc)
        self.degraded_claims += 1  # database away: route anyway (its counters may be taken)
        return True

    def _undo_when_landed(self, landed: asyncio.Future[Any], call_id: str, target_id: str) -> None:
        """A claim refused for slowness may still commit: give its slots back once it has."""

        async def undo() -> None:
            with contextlib.suppress(Exception):  # whatever happened, the release puts it right
                await landed
            await self.release(call_id, target_id, connected=False)

        self._in_background(undo())

    async def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        if self._memory is not None:
            self._memory.release(call_id, target_id, connected=connected)
            return
        counters = self._claims.pop((call_id, target_id), None)
        if counters is None:
            return
        self._give_back_behind(PendingRelease(call_id, target_id, counters, connected))

    def _give_back_behind(self, pending: PendingRelease) -> None:
        """The call does not wait for its release: nothing it does next depends on it, and the
        wait (a timer and a loop turn per call) was 2-3 % of the loop on PostgreSQL
        (bench/README.md, round 11). The outcome is handled as it lands (``_release_landed``)."""
        job = claims.GiveBack(
            pending.call_id, pending.target_id, tuple(pending.counters), pending.connected
        )
        landed = self._db.writes.submit(job, order=pending.target_id)
        self._releasing[landed] = pending
        landed.add_done_callback(self._release_landed)

    def _release_landed(self, landed: asyncio.Future[Any]) -> None:
        pending = self._releasing.pop(landed)
        exc = asyncio.CancelledError() if landed.cancelled() else landed.exception()
        if exc is None:
            self._database_answered("release")
        elif refused_by_database(exc):
            log.error("database refused a release: a bug, not an outage", exc_info=exc)
        else:  # kept, and given back once the database answers again
            self._note_outage("release", exc)
            self._pending_releases.append(pending)

    async def retry_releases(self) -> int:
        """Give back the slots of releases that failed during an outage; returns how many are
        still pending. SQLite: store the claims' changes a flush could not (how many wait)."""
        if self._memory is not None:
            return 0 if await self._memory.flush() else self._memory.ledger.unwritten
        waiting, self._pending_releases = self._pending_releases, []
        for index, pending in enumerate(waiting):
            if not await self._give_back(pending):
                self._pending_releases.extend(waiting[index:])
                break
        return len(self._pending_releases)

    async def release_stale_claims(self, now: datetime, max_age: timedelta) -> int:
        """End claims older than ``max_age`` (left by a crashed process); how many ended."""
        if self._memory is not None:
            return self._memory.release_stale(now - max_age)

        job = functools.partial(claims.release_stale, claimed_before=now - max_age)
        return await self._guarded(self._db.writes.run(job), 0, 0, "stale claims")

    async def delete_past_counters(self, now: datetime) -> int:
        """Delete the counters of periods long over, in jobs of ``PAST_COUNTERS_PER_JOB`` (the
        first sweep of a store that ran for months finds hundreds of thousands); how many."""
        if self._memory is not None:
            self._memory.drop_past(now)
        deleted = 0
        while True:
            job = functools.partial(claims.delete_past_counters, now=now,
                                    limit=claims.PAST_COUNTERS_PER_JOB)  # fmt: skip
            done = await self._guarded(self._db.writes.run(job, bulk=True), 0, 0, "past counters")
            deleted += done
            if done < claims.PAST_COUNTERS_PER_JOB:
                return deleted

    async def close_orphan(self, uniqueid: str, cause: str, ended_at: float) -> bool:
        """Close an open record and free its claims: its session died before it could."""

        job = functools.partial(close_orphan, uniqueid=uniqueid, cause=cause, ended_at=ended_at)
        await self._writer.flush(self._timeout_s)  # its last snapshot must land first
        closed = await self._guarded(self._db.writes.run(job), [], [], "close orphan")
        if self._memory is not None:
            for ref in closed:
                self._memory.forget_call(ref)
        return bool(closed)

    async def settle(self) -> None:
        """Wait for the store's background work: release retries, and the give-back of claims
        refused for slowness that landed later (the app stops the store before the database).
        SQLite: the claims' changes are stored."""
        while self._background or self._retrying is not None or self._releasing:
            await asyncio.gather(*self._background, *filter(None, [self._retrying]),
                                 *self._releasing, return_exceptions=True)  # fmt: skip
        if self._memory is not None:
            await self._memory.flush()

    async def close(self) -> None:
        await self.settle()
        if self._memory is not None:
            await self._memory.close()

    async def _give_back(self, pending: PendingRelease) -> bool:
        """True once the slots are given back (or found given back already), or once the
        release is queued behind a slow database (it finishes in the background); False
        during an outage (the caller keeps it pending and tries again)."""
        job = claims.GiveBack(
            pending.call_id, pending.target_id, tuple(pending.counters), pending.connected
        )
        landed = self._db.writes.submit(job, order=pending.target_id)
        await self._settled(landed)
        if not landed.done():  # slow, not away: let it land behind the call
            self._in_background(self._release_behind(landed, pending))
            return True
        if (exc := landed.exception()) is not None:
            if refused_by_database(exc):
                log.error("database refused a release: a bug, not an outage", exc_info=exc)
                return True
            self._note_outage("release", exc)
            return False
        self._database_answered("release")
        return True

    async def _release_behind(self, landed: asyncio.Future[Any], pending: PendingRelease) -> None:
        try:
            await landed
        except DB_ERRORS as exc:
            if not refused_by_database(exc):
                self._note_outage("release", exc)
                self._pending_releases.append(pending)

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _guarded(
        self,
        work: Awaitable[T],
        on_outage: T,
        on_refusal: T,
        what: str,
        timeout_s: float | None = None,
    ) -> T:
        try:
            # asyncio.timeout, not wait_for: wait_for (3.11) wraps the work in a task of its
            # own, and its steps cost loop turns, behind every call's ready callbacks
            async with asyncio.timeout(timeout_s or self._timeout_s):
                result = await work
        except DB_ERRORS as exc:
            if refused_by_database(exc):
                log.exception("database refused %s: a bug, not an outage", what)
                return on_refusal
            self._note_outage(what, exc)
            return on_outage
        self._database_answered(what)
        return result

    def _database_answered(self, what: str) -> None:
        if self._away:
            self._away = False
            log.warning("database available again (%s)", what)
            if self._memory is not None:
                self._memory.write_behind()
        if self._pending_releases and self._retrying is None:
            self._retrying = asyncio.create_task(self._retry_in_background())

    def _note_outage(self, what: str, exc: BaseException) -> None:
        if not self._away:
            self._away = True
            self.outages += 1
            first_line = (str(exc).splitlines() or [""])[0][:200]
            log.error("database unavailable (%s: %s: %s): calls go on without it",
                      what, type(exc).__name__, first_line)  # fmt: skip

    async def _retry_in_background(self) -> None:
        try:
            await self.retry_releases()
        finally:
            self._retrying = None
