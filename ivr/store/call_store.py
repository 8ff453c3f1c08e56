"""``SqlCallStore``: the call path's storage port (``ivr.calls.ports.CallStore``).

Records go through the journal (durable at once) and reach the database behind the call
(``CallWriter``). Reads and claims go to the database directly, each with a short time limit.
When the database is away, a call is still routed: history reads as empty, loads as zero,
claims are granted (the outage is logged once per episode and counted), and the records wait in
the journal until the database is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory, dedupe_window_start, velocity_window_start
from ivr.store import claims
from ivr.store.call_writer import CallWriter
from ivr.store.db import Database
from ivr.store.journal import Journal, JournalEntry
from ivr.store.models import Call

log = logging.getLogger(__name__)
T = TypeVar("T")
DB_ERRORS = (SQLAlchemyError, OSError, TimeoutError)


class SqlCallStore:
    def __init__(
        self, db: Database, journal: Journal, writer: CallWriter, *, db_timeout_s: float = 2.0
    ) -> None:
        self._db = db
        self._journal = journal
        self._writer = writer
        self._timeout_s = db_timeout_s
        self._claims: dict[tuple[str, str], list[claims.Counter]] = {}
        self._unclaimed: set[tuple[str, str]] = set()  # granted while the database was away
        self.degraded = False
        self.outages = 0

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
        async def read() -> CallerHistory:
            async with self._db.read() as session:
                since = velocity_window_start(campaign.screening, now)
                recent = await session.scalar(
                    select(func.count()).select_from(Call).where(
                        Call.caller_number == caller, Call.started_at >= since,
                        Call.ref != exclude_call,
                    )
                )  # fmt: skip
                last = None
                dedupe_from = dedupe_window_start(campaign, now)
                if dedupe_from is not None:
                    last = await session.scalar(
                        select(func.max(Call.started_at)).where(
                            Call.caller_number == caller, Call.campaign_id == campaign.id,
                            Call.started_at >= dedupe_from, Call.ref != exclude_call,
                        )
                    )  # fmt: skip
                return CallerHistory(recent_calls=recent or 0, last_campaign_call_at=last)

        return await self._guarded(read(), CallerHistory(), "caller history")

    async def target_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]:
        async def read() -> Mapping[str, TargetLoad]:
            async with self._db.read() as session:
                return await claims.loads(session, targets, campaign, at)

        return await self._guarded(read(), {}, "target loads")

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        counters = claims.limited_counters(target, campaign, at)

        async def take() -> bool:
            try:
                async with self._db.write() as session:
                    await claims.take(session, call_id, target.id, counters, at)
            except claims.TargetFull as full:
                log.info("claim of %s for call %s refused: %s", target.id, call_id, full)
                return False
            self._claims[(call_id, target.id)] = counters
            return True

        granted = await self._guarded(take(), None, "claim")
        if granted is None:  # database away: route anyway, nothing to give back later
            self._unclaimed.add((call_id, target.id))
            return True
        return granted

    async def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        self._unclaimed.discard((call_id, target_id))
        counters = self._claims.pop((call_id, target_id), None)
        if counters is None:
            return

        async def give_back() -> None:
            async with self._db.write() as session:
                await claims.give_back(session, call_id, target_id, counters, connected=connected)

        await self._guarded(give_back(), None, "release")

    async def close_orphan(self, uniqueid: str, cause: str, ended_at: float) -> bool:
        """Close an open record and free its claims: its session died before it could."""

        async def close() -> bool:
            async with self._db.write() as session:
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
        return bool(await self._guarded(close(), False, "close orphan"))

    async def _guarded(self, work: Awaitable[T], fallback: T, what: str) -> T:
        try:
            result = await asyncio.wait_for(work, self._timeout_s)
        except DB_ERRORS as exc:
            if not self.degraded:
                self.degraded = True
                self.outages += 1
                log.error("database unavailable (%s: %s): calls go on without it",
                          what, type(exc).__name__)  # fmt: skip
            return fallback
        if self.degraded:
            self.degraded = False
            log.warning("database available again (%s)", what)
        return result
