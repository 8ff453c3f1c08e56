"""``SqlCallStore``: the call path's storage port (``ivr.calls.ports.CallStore``).

Records go through the journal (durable at once) and reach the database behind the call
(``CallWriter``). Reads go to the database directly. Claims on caps and concurrency, their
releases and the targets' loads are decided by one of two keepers with the same methods:
``MemoryClaims`` on SQLite, which one process serves (in memory, stored behind), and
``DatabaseClaims`` on PostgreSQL, which several processes may share (in the database).

When the database is away (``ivr.store.health``), a call is still routed: history reads as
empty, and the records wait in the journal until the database is back; each keeper says what
its claims do meanwhile.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory, dedupe_window_start, velocity_window_start
from ivr.store import claims, history
from ivr.store.call_writer import CallWriter
from ivr.store.db import Database
from ivr.store.db_claims import DatabaseClaims
from ivr.store.health import DatabaseHealth
from ivr.store.joined_reads import JoinedReads
from ivr.store.journal import Journal, JournalEntry
from ivr.store.memory_claims import MemoryClaims
from ivr.store.record_batch import close_orphan

log = logging.getLogger(__name__)


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
        self._health = DatabaseHealth(db_timeout_s)
        self._histories: JoinedReads[dict[str, Any], CallerHistory] | None = None
        # The limit tells "unreachable" from "slow", so it must outlast load: claims wait in the
        # write queue behind others. On SQLite, "unreachable" is the busy timeout running out
        # ('database is locked'), so by default the limit waits for that verdict.
        if claim_timeout_s is None:
            claim_timeout_s = max(5.0, db.busy_timeout_ms / 1000 + 2.0) if db.is_sqlite else 5.0
        keeper = MemoryClaims if db.is_sqlite else DatabaseClaims
        self._claims = keeper(db, self._health, timeout_s=claim_timeout_s)

    async def start(self, now: datetime) -> None:
        """Before the first call (SQLite's claims and counters are read into memory)."""
        await self._claims.load(now)

    @property
    def degraded(self) -> bool:
        """The database was away at the last read or claim, or at the writer's last attempt."""
        return self._health.away or self._writer.database_away

    @property
    def outages(self) -> int:
        """Outage episodes seen by reads and claims."""
        return self._health.outages

    @property
    def degraded_claims(self) -> int:
        """Claims granted without the database (PostgreSQL, during an outage)."""
        return self._claims.degraded_claims

    @property
    def pending_releases(self) -> int:
        """Releases not given back yet: under way, or kept through an outage."""
        return self._claims.pending_releases

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
        outcome = CallerHistory()
        return await self._health.guarded(work, outcome, outcome, "caller history")

    def _history_reads(self) -> JoinedReads[dict[str, Any], CallerHistory]:
        """Made at the first read: the database is connected by then."""
        if self._histories is None:
            self._histories = self._db.joined_reads(history.joined_query)
            assert self._histories is not None, "PostgreSQL, connected"
        return self._histories

    async def target_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        return await self._claims.loads(campaign, targets, at)

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        return await self._claims.claim(call_id, target, campaign, at)

    async def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        """Decided at once; the call does not wait for it to be stored."""
        self._claims.release(call_id, target_id, connected=connected)

    async def retry_releases(self) -> int:
        """Store what an outage kept back (releases; SQLite: the claims' changes); how many
        still wait."""
        return await self._claims.retry()

    async def release_stale_claims(self, now: datetime, max_age: timedelta) -> int:
        """End claims older than ``max_age`` (left by a crashed process); how many ended."""
        return await self._claims.release_stale(now - max_age)

    async def delete_past_counters(self, now: datetime) -> int:
        """Delete the counters of periods long over, in jobs of ``PAST_COUNTERS_PER_JOB`` (the
        first sweep of a store that ran for months finds hundreds of thousands); how many."""
        self._claims.drop_past(now)
        deleted = 0
        while True:
            job = functools.partial(claims.delete_past_counters, now=now,
                                    limit=claims.PAST_COUNTERS_PER_JOB)  # fmt: skip
            work = self._db.writes.run(job, bulk=True)
            done = await self._health.guarded(work, 0, 0, "past counters")
            deleted += done
            if done < claims.PAST_COUNTERS_PER_JOB:
                return deleted

    async def close_orphan(self, uniqueid: str, cause: str, ended_at: float) -> bool:
        """Close an open record and free its claims: its session died before it could."""

        job = functools.partial(close_orphan, uniqueid=uniqueid, cause=cause, ended_at=ended_at)
        await self._writer.flush(self._timeout_s)  # its last snapshot must land first
        closed = await self._health.guarded(self._db.writes.run(job), [], [], "close orphan")
        for ref in closed:
            self._claims.forget_call(ref)
        return bool(closed)

    async def settle(self) -> None:
        """Wait for the store's background work: releases and their retries, the give-back of
        claims refused for slowness that landed later, SQLite's claims stored (the app stops
        the store before the database)."""
        await self._claims.settle()

    async def close(self) -> None:
        await self._claims.close()
