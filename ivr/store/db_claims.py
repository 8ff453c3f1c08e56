"""PostgreSQL's claims, releases and target loads, decided in the database (several switch
processes may share it): claims and releases through the group commit queue
(``Database.writes``), many calls' in one statement; loads read once for the calls asking at
the same moment. ``SqlCallStore`` hands these to it on PostgreSQL (SQLite: ``MemoryClaims``).

When the database is away, a claim is granted all the same (the call is routed; the grant is
counted as degraded) and loads read as zero. A claim that is only *slow* (our time limit fired
while the database still works) is refused, never granted without its counters, and whatever
it takes once it lands is given back. A claim the database refuses (``refused_by_database``)
is a bug, logged loudly, and refused: a claim granted without its counters is a cap that can
overshoot. Releases that fail during an outage are kept and given back once the database
answers again, so no slot stays taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import operator
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.routing.periods import slot_of
from ivr.store import claims, loads
from ivr.store.db import Database
from ivr.store.errors import DB_ERRORS, refused_by_database
from ivr.store.health import DatabaseHealth

log = logging.getLogger(__name__)
_TARGET_ID = operator.attrgetter("id")
MAX_RECENT_LOADS = 4_096  # campaigns whose last loads are kept to be shared


@dataclass(frozen=True, slots=True)
class PendingRelease:
    call_id: str
    target_id: str
    counters: list[claims.Counter]
    connected: bool


class DatabaseClaims:
    def __init__(self, db: Database, health: DatabaseHealth, *, timeout_s: float) -> None:
        """``timeout_s``: tells "unreachable" from "slow", so it must outlast load (claims wait
        in the write queue behind others)."""
        self._db = db
        self._health = health
        self._timeout_s = timeout_s
        # Counters of every claim tried and not yet released, even one cut off by the time
        # limit: it may have committed, and giving back a claim that was never taken is a no-op.
        self._claims: dict[tuple[str, str], list[claims.Counter]] = {}
        self._pending: list[PendingRelease] = []  # kept through an outage
        self._releasing: dict[asyncio.Future[Any], PendingRelease] = {}  # submitted, not landed
        self._retrying: asyncio.Task[None] | None = None
        self._background: set[asyncio.Future[None]] = set()
        self._loads_in_flight: dict[tuple[object, ...], asyncio.Future[Mapping[str, TargetLoad]]]
        self._loads_in_flight = {}
        # (campaign, its targets) -> the last loads read for them (_read_loads)
        self._recent_loads: dict[tuple[object, ...], Mapping[str, TargetLoad]] = {}
        self.degraded_claims = 0  # claims granted without the database
        health.on_answer.append(self._answered)

    @property
    def pending_releases(self) -> int:
        """Releases not given back yet: under way, or kept through an outage."""
        return len(self._pending) + len(self._releasing)

    async def load(self, now: datetime) -> None:
        """Nothing to read ahead: the database decides."""

    async def loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        """Concurrent calls asking the same question share one read (single flight): a call
        that asks while the same read is under way takes its answer, which is no older than
        its own question. The key holds the 15-minute slot of ``at``, in which the targets'
        cap periods never change (``ivr.routing.periods.slot_of``)."""
        key = (campaign.id, tuple(map(_TARGET_ID, targets)), slot_of(at))
        shared = self._loads_in_flight.get(key)
        if shared is None:
            shared = asyncio.ensure_future(self._read_loads(key[:2], campaign, targets, at))
            self._loads_in_flight[key] = shared
            shared.add_done_callback(lambda _: self._loads_in_flight.pop(key, None))
        return await asyncio.shield(shared)

    async def _read_loads(
        self, key: tuple[object, ...], campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        """The loads as read; the previous read's mapping for the same targets when nothing
        changed since, so that calls hold one shared mapping instead of one each (the garbage
        collector goes through every object they hold: bench/README.md, round 12)."""
        if not targets:
            return {}
        work = self._db.read_sync(loads.query(targets, campaign, at))
        read = await self._health.guarded(work, {}, {}, "target loads")
        if not read:  # the database did not answer: nothing to share
            return read
        previous = self._recent_loads.get(key)
        if previous == read:
            return previous
        if len(self._recent_loads) >= MAX_RECENT_LOADS:
            self._recent_loads.clear()  # plans whose campaigns or targets changed many times
        self._recent_loads[key] = read
        return read

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        """Granted only with its counters taken, except when the database is unreachable."""
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
                        target.id, call_id, self._timeout_s)  # fmt: skip
            return False
        if (exc := landed.exception()) is not None:
            return self._claim_failed(key, exc)
        full = landed.result()
        self._health.answered("claim")
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
            await asyncio.wait([landed], timeout=self._timeout_s)

    def _claim_failed(self, key: tuple[str, str], exc: BaseException) -> bool:
        if refused_by_database(exc):
            log.error("database refused the claim of %s: a bug, not an outage", key[1],
                      exc_info=exc)  # fmt: skip
            self._claims.pop(key, None)
            return False
        self._health.lost("claim", exc)
        self.degraded_claims += 1  # database away: route anyway (its counters may be taken)
        return True

    def _undo_when_landed(self, landed: asyncio.Future[Any], call_id: str, target_id: str) -> None:
        """A claim refused for slowness may still commit: give its slots back once it has."""

        async def undo() -> None:
            with contextlib.suppress(Exception):  # whatever happened, the release puts it right
                await landed
            self.release(call_id, target_id, connected=False)

        self._in_background(undo())

    def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        """The call does not wait for its release: nothing it does next depends on it, and the
        wait (a timer and a loop turn per call) was 2-3 % of the loop (bench/README.md, round
        11). It rides along with the next claims' statement, or goes alone after at most
        ``write_queue.LATER_S``; its outcome is handled as it lands (``_release_landed``)."""
        counters = self._claims.pop((call_id, target_id), None)
        if counters is None:
            return
        pending = PendingRelease(call_id, target_id, counters, connected)
        landed = self._db.writes.submit(_give_back_job(pending), order=target_id, later=True)
        self._releasing[landed] = pending
        landed.add_done_callback(self._release_landed)

    def _release_landed(self, landed: asyncio.Future[Any]) -> None:
        pending = self._releasing.pop(landed)
        exc = asyncio.CancelledError() if landed.cancelled() else landed.exception()
        if exc is None:
            self._health.answered("release")
        elif refused_by_database(exc):
            log.error("database refused a release: a bug, not an outage", exc_info=exc)
        else:  # kept, and given back once the database answers again
            self._health.lost("release", exc)
            self._pending.append(pending)

    async def retry(self) -> int:
        """Give back the slots of releases that failed during an outage; how many are still
        pending."""
        waiting, self._pending = self._pending, []
        for index, pending in enumerate(waiting):
            if not await self._give_back(pending):
                self._pending.extend(waiting[index:])
                break
        return len(self._pending)

    async def _give_back(self, pending: PendingRelease) -> bool:
        """True once the slots are given back (or found given back already), or once the
        release is queued behind a slow database (it finishes in the background); False
        during an outage (the caller keeps it pending and tries again)."""
        landed = self._db.writes.submit(_give_back_job(pending), order=pending.target_id)
        await self._settled(landed)
        if not landed.done():  # slow, not away: let it land behind
            self._in_background(self._release_behind(landed, pending))
            return True
        if (exc := landed.exception()) is not None:
            if refused_by_database(exc):
                log.error("database refused a release: a bug, not an outage", exc_info=exc)
                return True
            self._health.lost("release", exc)
            return False
        self._health.answered("release")
        return True

    async def _release_behind(self, landed: asyncio.Future[Any], pending: PendingRelease) -> None:
        try:
            await landed
        except DB_ERRORS as exc:
            if not refused_by_database(exc):
                self._health.lost("release", exc)
                self._pending.append(pending)

    async def release_stale(self, claimed_before: datetime) -> int:
        """End the claims taken before ``claimed_before`` (a crashed process's); how many."""
        job = functools.partial(claims.release_stale, claimed_before=claimed_before)
        return await self._health.guarded(self._db.writes.run(job), 0, 0, "stale claims")

    def forget_call(self, call_ref: str) -> None:
        """Nothing here: ``close_orphan``'s own statement freed the dead call's claims."""

    def drop_past(self, now: datetime) -> None:
        """Nothing here: the janitor deletes past counters in the database."""

    def _answered(self, _was_away: bool) -> None:
        if self._pending and self._retrying is None:
            self._retrying = asyncio.create_task(self._retry_in_background())

    async def _retry_in_background(self) -> None:
        try:
            await self.retry()
        finally:
            self._retrying = None

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait for the background work: releases under way, retries, and the give-back of
        claims refused for slowness that landed later."""
        while self._background or self._retrying is not None or self._releasing:
            await asyncio.gather(*self._background, *filter(None, [self._retrying]),
                                 *self._releasing, return_exceptions=True)  # fmt: skip

    async def close(self) -> None:
        await self.settle()


def _give_back_job(pending: PendingRelease) -> claims.GiveBack:
    counters = tuple(pending.counters)
    return claims.GiveBack(pending.call_id, pending.target_id, counters, pending.connected)
