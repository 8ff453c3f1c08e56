"""``SqlCallStore``: the call path's storage port (``ivr.calls.ports.CallStore``).

Records go through the journal (durable at once) and reach the database behind the call
(``CallWriter``). Reads and claims go to the database directly, each with a short time limit.
When the database is away, a call is still routed: history reads as empty, loads as zero,
claims are granted (the outage is logged once per episode and counted), and the records wait in
the journal until the database is back.

Only an outage degrades: an error that blames the statement's data (``refused_by_database``)
is a bug to log loudly, and a claim that hits one is refused rather than granted, because a
claim granted without its counters is a cap that can overshoot. Releases that fail during an
outage are kept and retried once the database answers again, so no slot stays taken.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory, dedupe_window_start, velocity_window_start
from ivr.store import claims
from ivr.store.call_writer import DB_ERRORS, CallWriter, refused_by_database
from ivr.store.db import Database
from ivr.store.journal import Journal, JournalEntry
from ivr.store.models import Call

log = logging.getLogger(__name__)
T = TypeVar("T")
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # a dedupe window that starts never: no duplicates
# The caller's calls in the velocity window (count) and the start of the latest in the dedupe
# window (max), in one statement built once: screening reads it on every call.
_HISTORY = select(
    func.count(case((Call.started_at >= bindparam("since"), 1))),
    func.max(case(
        (and_(Call.campaign_id == bindparam("campaign"),
              Call.started_at >= bindparam("dedupe_from")), Call.started_at),
    )),
).where(
    Call.caller_number == bindparam("caller"),
    Call.started_at >= bindparam("from"),
    Call.ref != bindparam("exclude"),
)  # fmt: skip


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
        claim_timeout_s: float = 5.0,
    ) -> None:
        self._db = db
        self._journal = journal
        self._writer = writer
        self._timeout_s = db_timeout_s
        # Longer than reads: a claim that runs out of time is granted without its counters, so
        # a burst of claims queued behind each other must not reach it (500 at once: ~1.5 s).
        self._claim_timeout_s = claim_timeout_s
        # Counters of every claim tried and not yet released, even one cut off by the time
        # limit: it may have committed, and giving back a claim that was never taken is a no-op.
        self._claims: dict[tuple[str, str], list[claims.Counter]] = {}
        self._pending_releases: list[PendingRelease] = []
        self._retrying: asyncio.Task[None] | None = None
        self._away = False
        # SQLite has one writer at a time; connections of one process that fight for its lock
        # sleep in SQLite's busy handler (up to 100 ms a try), so they queue here instead.
        self._sqlite_writes = asyncio.Lock() if db.is_sqlite else None
        self._loads_in_flight: dict[tuple[object, ...], asyncio.Future[Mapping[str, TargetLoad]]]
        self._loads_in_flight = {}
        self.outages = 0  # outage episodes seen by reads and claims
        self.degraded_claims = 0  # claims granted without the database

    @property
    def degraded(self) -> bool:
        """The database was away at the last read or claim, or at the writer's last attempt."""
        return self._away or self._writer.database_away

    @property
    def pending_releases(self) -> int:
        return len(self._pending_releases)

    async def checkpoint(self, call: CallLog) -> None:
        snapshot = call.snapshot()
        try:
            entry = await self._journal.append(snapshot)
        except OSError as exc:  # disk full: keep the call going, the writer still gets it
            log.error("journal write failed for call %s: %s", call.id, exc)
            entry = JournalEntry(-1, snapshot)
        self._writer.submit(entry)

    async def caller_history(
        self, caller: str, campaign: Campaign, now: datetime, exclude_call: str = ""
    ) -> CallerHistory:
        since = velocity_window_start(campaign.screening, now)
        dedupe_from = dedupe_window_start(campaign, now)

        async def read() -> CallerHistory:
            async with self._db.read() as session:
                row = (await session.execute(_HISTORY, {
                    "caller": caller, "exclude": exclude_call, "campaign": campaign.id,
                    "since": since, "dedupe_from": dedupe_from or _NEVER,
                    "from": min(since, dedupe_from or since),
                })).one()  # fmt: skip
            return CallerHistory(recent_calls=row[0] or 0, last_campaign_call_at=row[1])

        return await self._guarded(read(), CallerHistory(), CallerHistory(), "caller history")

    async def target_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        """Concurrent calls asking the same question share one read (single flight): a call
        that asks while the same read is under way takes its answer, which is no older than
        its own question. The key holds the 15-minute slot of ``at``: every UTC offset is a
        multiple of 15 minutes, so period keys never change within one."""
        key = (campaign.id, tuple(t.id for t in targets), int(at.timestamp()) // 900)
        shared = self._loads_in_flight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._read_loads(campaign, targets, at))
            self._loads_in_flight[key] = shared
            shared.add_done_callback(lambda _: self._loads_in_flight.pop(key, None))
        return await asyncio.shield(shared)

    async def _read_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        async def read() -> Mapping[str, TargetLoad]:
            async with self._db.read() as session:
                return await claims.loads(session, targets, campaign, at)

        return await self._guarded(read(), {}, {}, "target loads")

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        counters = claims.limited_counters(target, campaign, at)
        key = (call_id, target.id)

        async def take() -> bool:
            try:
                async with self._write() as session:
                    await claims.take(session, call_id, target.id, counters, at)
            except claims.TargetFull as full:
                log.info("claim of %s for call %s refused: %s", target.id, call_id, full)
                return False
            return True

        self._claims[key] = counters
        granted = await self._guarded(take(), None, False, "claim", self._claim_timeout_s)
        if granted is None:  # database away: route anyway
            self.degraded_claims += 1
            return True
        if not granted:
            self._claims.pop(key, None)  # rolled back: nothing to give back
        return granted

    async def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        counters = self._claims.pop((call_id, target_id), None)
        if counters is None:
            return
        pending = PendingRelease(call_id, target_id, counters, connected)
        if not await self._give_back(pending):
            self._pending_releases.append(pending)

    async def retry_releases(self) -> int:
        """Give back the slots of releases that failed during an outage; returns how many are
        still pending."""
        waiting, self._pending_releases = self._pending_releases, []
        for index, pending in enumerate(waiting):
            if not await self._give_back(pending):
                self._pending_releases.extend(waiting[index:])
                break
        return len(self._pending_releases)

    async def release_stale_claims(self, now: datetime, max_age: timedelta) -> int:
        """End claims older than ``max_age`` (left by a crashed process); how many ended."""

        async def sweep() -> int:
            async with self._write() as session:
                return await claims.release_stale(session, now - max_age)

        return await self._guarded(sweep(), 0, 0, "stale claims")

    async def close_orphan(self, uniqueid: str, cause: str, ended_at: float) -> bool:
        """Close an open record and free its claims: its session died before it could."""

        async def close() -> bool:
            async with self._write() as session:
                call = await session.scalar(
                    select(Call).where(Call.uniqueid == uniqueid, Call.status == "open")
                )
                if call is None:
                    return False
                call.status = "closed"
                call.ended_at = datetime.fromtimestamp(ended_at, UTC)
                call.disposition = call.disposition or "failed"
                call.billable_reason = f"session lost; hangup cause {cause or 'unknown'}"
                await claims.forget_call(session, call.ref)
                return True

        await self._writer.flush(self._timeout_s)  # its last snapshot must land first
        return await self._guarded(close(), False, False, "close orphan")

    async def close(self) -> None:
        """Let a release retry under way finish (the app stops the store before the database)."""
        if self._retrying is not None:
            await asyncio.gather(self._retrying, return_exceptions=True)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        if self._sqlite_writes is None:
            async with self._db.write() as session:
                yield session
            return
        async with self._sqlite_writes, self._db.write() as session:
            yield session

    async def _give_back(self, pending: PendingRelease) -> bool:
        """True once the slots are given back (or found given back already)."""

        async def give_back() -> bool:
            async with self._write() as session:
                await claims.give_back(
                    session, pending.call_id, pending.target_id, pending.counters,
                    connected=pending.connected,
                )  # fmt: skip
            return True

        return await self._guarded(give_back(), False, True, "release", self._claim_timeout_s)

    async def _guarded(
        self,
        work: Awaitable[T],
        on_outage: T,
        on_refusal: T,
        what: str,
        timeout_s: float | None = None,
    ) -> T:
        try:
            result = await asyncio.wait_for(work, timeout_s or self._timeout_s)
        except DB_ERRORS as exc:
            if refused_by_database(exc):
                log.exception("database refused %s: a bug, not an outage", what)
                return on_refusal
            self._note_outage(what, exc)
            return on_outage
        if self._away:
            self._away = False
            log.warning("database available again (%s)", what)
        if self._pending_releases and self._retrying is None:
            self._retrying = asyncio.create_task(self._retry_in_background())
        return result

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
