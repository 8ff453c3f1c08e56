"""SQLite's claims, releases and target loads, answered from the ``CapLedger`` in memory; its
changes reach the database through the write queue, many calls' in one flush job.

``SqlCallStore`` hands these to it on SQLite (PostgreSQL decides in the database, where several
processes share the counters). A claim waits for the flush that writes it, at most the claim
time limit: it runs while the call's routed checkpoint goes to disk, so the call is bridged
with its claim stored, as when the database decided. The decision itself never waits: a
database that is away or slow delays what is stored, not whether a cap holds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.store import claims
from ivr.store.db import Database
from ivr.store.errors import refused_by_database
from ivr.store.health import DatabaseHealth
from ivr.store.ledger import AlreadyClaimed, CapLedger, FlushJob, Written
from ivr.store.write_queue import LATER_S

log = logging.getLogger(__name__)
WHAT = "claims"  # how the store's outage log names this
# A release is stored by the next flush a claim starts, or at the latest this long after it:
# nobody waits for it, and under load it rides along with a claim's flush instead of costing
# a write transaction of its own. The same bound as a PostgreSQL release's (``later`` jobs).
RELEASE_WRITE_DELAY_S = LATER_S


class MemoryClaims:
    # nothing waits in the database: the same answers as ``DatabaseClaims`` gives
    pending_releases = 0
    degraded_claims = 0

    def __init__(self, db: Database, health: DatabaseHealth, *, timeout_s: float) -> None:
        """``health``: told of every flush; when an outage ends, what waits is written."""
        self._db = db
        self._health = health
        self._timeout_s = timeout_s
        health.on_answer.append(self._answered)
        self.ledger = CapLedger()
        self._queued: FlushJob | None = None
        self._queued_done: asyncio.Future[Written] | None = None
        self._behind: asyncio.TimerHandle | None = None  # a release's flush, due soon

    async def load(self, now: datetime) -> None:
        """What the database holds, before the first call (``CapLedger.load``)."""
        cutoffs = claims.past_period_cutoffs(now)
        await self._db.read_sync(functools.partial(self.ledger.load, cutoffs=cutoffs))

    async def loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        return self.ledger.loads(targets, campaign, at)

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        counters = claims.limited_counters(target, campaign, at)
        try:
            full = self.ledger.take(call_id, target.id, counters, at)
        except AlreadyClaimed:
            log.exception("claim of %s for call %s refused: a bug, not a full target",
                          target.id, call_id)  # fmt: skip
            return False
        if full is not None:
            log.info("claim of %s for call %s refused: %s full at %d",
                     target.id, call_id, full.kind, full.cap)  # fmt: skip
            return False
        stored = self._flush_soon(at_once=True)
        if not stored.done():
            await asyncio.wait([stored], timeout=self._timeout_s)
        return True

    def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        """Decided at once, stored behind the call (``RELEASE_WRITE_DELAY_S``)."""
        if self.ledger.give_back(call_id, target_id, connected=connected):
            self._flush_later()

    def forget_call(self, call_ref: str) -> None:
        """A dead call's claims end, its period slots kept (``close_orphan``)."""
        if self.ledger.forget_call(call_ref):
            self._flush_later()

    def _flush_later(self) -> None:
        if self._behind is None:
            loop = asyncio.get_running_loop()
            self._behind = loop.call_later(RELEASE_WRITE_DELAY_S, self._flush_behind)

    def _flush_behind(self) -> None:
        self._behind = None
        self.write_behind()

    async def release_stale(self, claimed_before: datetime) -> int:
        """End a crashed run's claims (the janitor, once a minute), and write what a flush
        could not write while the database was away."""
        ended = self.ledger.release_stale(claimed_before)
        self.write_behind()
        return ended

    def write_behind(self) -> None:
        """Store what is not stored yet, behind the calls."""
        if self.ledger.unwritten:
            self._flush_soon()

    def _answered(self, was_away: bool) -> None:
        if was_away:  # what the outage kept back
            self.write_behind()

    async def retry(self) -> int:
        """Store the changes a flush could not; how many still wait."""
        return 0 if await self.flush() else self.ledger.unwritten

    async def settle(self) -> None:
        await self.flush()

    def drop_past(self, now: datetime) -> None:
        self.ledger.drop_past(claims.past_period_cutoffs(now))

    async def flush(self) -> bool:
        """Write every change now; True once written (False: the database is away)."""
        if not self.ledger.unwritten:
            return True
        done = self._flush_soon()
        await asyncio.wait([done], timeout=self._timeout_s)
        return done.done() and not done.cancelled() and done.exception() is None

    async def close(self) -> None:
        """Store what is left (the app closes the store before the database)."""
        if self._behind is not None:
            self._behind.cancel()
            self._behind = None
        if not await self.flush():
            log.error("%d changes of claims not stored at close: the database is away",
                      self.ledger.unwritten)  # fmt: skip

    def _flush_soon(self, *, at_once: bool = False) -> asyncio.Future[Written]:
        """The flush that will write the changes made so far: the queued one if it has not
        looked at the ledger yet (nor failed before it could: the batch's BEGIN), else a new
        one."""
        queued, done = self._queued, self._queued_done
        if queued is not None and done is not None and not queued.started and not done.done():
            return done
        job = FlushJob(self.ledger)
        done = self._db.writes.submit(job, at_once=at_once)
        self._queued, self._queued_done = job, done
        done.add_done_callback(self._landed)
        return done

    def _landed(self, done: asyncio.Future[Written]) -> None:
        if done.cancelled():
            return
        exc = done.exception()
        if exc is None:
            self.ledger.flushed(done.result())
            self._health.answered(WHAT)
        elif refused_by_database(exc):  # kept: the next flush tries again, and logs again
            log.error("database refused the claims' flush: a bug, not an outage", exc_info=exc)
        else:
            self._health.lost(WHAT, exc)  # kept until a flush gets through
