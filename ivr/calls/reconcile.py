"""Finishing calls from AMI when their FastAGI session died (app restart, crash, cut network).

AMI sees the whole call whatever happens to the app: DialBegin/DialEnd per leg, BridgeEnter/
BridgeLeave (the true talk time), Hangup with its cause, and the Cdr events at the very end. When
the call-state tracker reports a call finished, its record is settled here:

* closed normally by a live session: AGI already measured everything; AMI only fills facts the
  record lacks (a leg's hangup cause), and then the record says ``data_source = both``. Money and
  durations are never recomputed, so nothing is counted twice;
* lost (the session died; the record was closed ``failed``, or left ``open`` by a process that
  died): the dial attempts the session could not finish are completed from AMI, and the end of
  the call is recomputed with the same pure functions as the live path (``close_call``: ring and
  talk time, disposition, qualification and money). A newer snapshot is checkpointed, with
  ``data_source = ami``, or ``both`` when some attempts were finished by AGI before the loss.

The tracker reports a call finished at its last Hangup; Cdr events may come just after it
(calls/reject-503-then-404), so settling waits ``grace_s`` first. A call whose AMI end comes while
its session still runs is parked until the session ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from ivr.ami.records import CallRecord, Leg
from ivr.ami.state import CallStateTracker
from ivr.calls.bridge import BridgeOutcome
from ivr.calls.closing import close_call
from ivr.calls.deps import CallDeps
from ivr.calls.record import Attempt, CallLog, Disposition

log = logging.getLogger(__name__)
KEEP_ENDED = 5000  # ended sessions remembered for their AMI end (minutes of calls at full rate)


class StoredCalls(Protocol):
    """Records left unfinished by an earlier process (read back from the database)."""

    async def find_unfinished(self, uniqueid: str) -> CallLog | None: ...


@dataclass(frozen=True, slots=True)
class LegFacts:
    """One dial leg as AMI saw it, in the record's own terms."""

    dial_status: str | None
    answered_at: float | None
    ended_at: float | None
    talk_s: float
    ring_s: float
    hangup_cause: str | None
    tech_cause: str | None


def leg_facts(record: CallRecord, leg: Leg) -> LegFacts:
    """Ring: DialBegin to DialEnd (the answer, for an answered leg). Talk: the time the caller
    and the leg shared a bridge (BridgeEnter -> BridgeLeave), never ANSWEREDTIME (corpus 06a)."""
    window = record.talk_window(leg) if leg.dial_status == "ANSWER" else None
    answered = window[0] if window is not None else None
    talk = round(record.talk_seconds(leg), 3) if window is not None else 0.0
    ring_end = leg.dial_ended_at if leg.dial_ended_at is not None else leg.hung_up_at
    ring = round(max(0.0, (ring_end or leg.dial_began_at) - leg.dial_began_at), 3)
    ended = window[1] if window is not None and window[1] is not None else leg.hung_up_at
    return LegFacts(
        leg.dial_status,
        None if answered is None else round(answered, 3),
        ended,
        talk,
        ring,
        None if leg.hangup_cause is None else str(leg.hangup_cause),
        leg.tech_cause or None,
    )


def match_legs(call: CallLog, record: CallRecord) -> list[tuple[Attempt, Leg]]:
    """Pair the app's attempts with AMI's legs: same dial string, in dialling order. Legs no
    attempt asked for (the dialplan's fail-safe route) stay unpaired."""
    free = list(record.legs)
    pairs = []
    for attempt in call.attempts:
        leg = next((leg for leg in free if leg.endpoint == attempt.dial_string), None)
        if leg is not None:
            free.remove(leg)
            pairs.append((attempt, leg))
    return pairs


def complete_attempt(attempt: Attempt, facts: LegFacts) -> None:
    attempt.dial_status = facts.dial_status or "UNKNOWN"
    attempt.answered_at = facts.answered_at
    attempt.ended_at = facts.ended_at
    attempt.talk_s, attempt.ring_s = facts.talk_s, facts.ring_s
    attempt.hangup_cause, attempt.tech_cause = facts.hangup_cause, facts.tech_cause


def outcome_of(call: CallLog, deps: CallDeps) -> BridgeOutcome:
    """The disposition the live path would have given, from the completed attempts."""
    for attempt in reversed(call.attempts):
        if attempt.dial_status == "ANSWER":
            if attempt.target_id is None:
                return BridgeOutcome(Disposition.FALLBACK, None, attempt)
            target = deps.plan().targets.get(attempt.target_id)
            return BridgeOutcome(Disposition.CONNECTED, target, attempt)
    if call.attempts and call.attempts[-1].dial_status == "CANCEL":
        return BridgeOutcome(Disposition.ABANDONED_RINGING)
    return BridgeOutcome(Disposition.NO_ANSWER)


@dataclass
class ReconcileStats:
    settled: int = 0  # AMI calls looked at (every call AMI saw end)
    reconciled: int = 0  # lost calls finished from AMI
    enriched: int = 0  # normally closed records AMI added facts to
    unmatched: int = 0  # AMI calls no record was found for
    unobserved: int = 0  # ended while the AMI link was down: nothing trustworthy to add
    releases: int = 0  # target claims given back by reconciliation


class Reconciler:
    def __init__(
        self,
        deps: CallDeps,
        *,
        stored: StoredCalls | None = None,
        grace_s: float = 1.0,
        keep: int = KEEP_ENDED,
    ) -> None:
        self._deps = deps
        self._stored = stored
        self._grace_s = grace_s
        self._keep = keep
        self.tracker: CallStateTracker | None = None  # set by the wiring (ivr.app)
        self._ended: OrderedDict[str, tuple[CallLog, bool]] = OrderedDict()
        self._waiting: dict[str, CallRecord] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = ReconcileStats()

    # -- inputs ------------------------------------------------------------------------------

    def session_ended(self, call: CallLog, lost: bool) -> None:
        """A session hook (``CallDeps.session_hooks``). Without AMI nothing will ever settle
        an ended call, so none is kept: thousands of finished records held for nothing made
        every older-generation collection walk them (a 70-90 ms pause, bench/README.md)."""
        if self.tracker is None:
            return
        self._ended[call.uniqueid] = (call, lost)
        while len(self._ended) > self._keep:
            self._ended.popitem(last=False)
        record = self._waiting.pop(call.uniqueid, None)
        if record is not None:
            self._spawn(self._settle(record))

    @property
    def awaiting_ami(self) -> int:
        """Ended sessions kept until AMI reports their end (none without AMI)."""
        return len(self._ended)

    def ami_finished(self, record: CallRecord) -> None:
        """The tracker's ``on_finished`` hook: settle once late Cdr events had their chance."""
        self._spawn(self._after_grace(record.linkedid))

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait for every settlement under way (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- settling ----------------------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work, name="ami-reconcile")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("reconciliation failed", exc_info=task.exception())

    async def _after_grace(self, linkedid: str) -> None:
        await asyncio.sleep(self._grace_s)
        record = self.tracker.take(linkedid) if self.tracker is not None else None
        if record is None:
            return
        if record.linkedid in self._deps.live:  # the session still runs: it ends first
            self._waiting[record.linkedid] = record
            return
        await self._settle(record)

    async def _settle(self, record: CallRecord) -> None:
        self.stats.settled += 1
        ended = self._ended.pop(record.linkedid, None)
        if ended is not None:
            call, lost = ended
            await (self._finish_lost(call, record) if lost else self._enrich(call, record))
            return
        stored = await self._stored.find_unfinished(record.linkedid) if self._stored else None
        if stored is None:
            self.stats.unmatched += 1
            return
        if stored.status == "open":  # its process died: free its claims, once
            await self._deps.store.close_orphan(
                stored.uniqueid, str(record.hangup_cause or ""), record.ended_at or 0.0
            )
        await self._finish_lost(stored, record)

    async def _finish_lost(self, call: CallLog, record: CallRecord) -> None:
        if record.ended_unobserved:
            self.stats.unobserved += 1
            call.event(record.ended_at or 0.0, "ami.unobserved")
            return
        by_agi = [a for a in call.attempts if a.dial_status is not None]
        for attempt, leg in match_legs(call, record):
            if attempt.dial_status is None:
                complete_attempt(attempt, leg_facts(record, leg))
                await self._release(call, attempt)
        ended_at = record.ended_at if record.ended_at is not None else call.ended_at or 0.0
        call.event(ended_at, "ami.reconciled", cause=record.hangup_cause, cdrs=len(record.cdrs))
        campaign = self._deps.plan().campaigns.get(call.campaign_id or "")
        if call.attempts:
            outcome = outcome_of(call, self._deps)
            close_call(call, ended_at, outcome.disposition, campaign, outcome)
        else:  # lost before any Dial: AMI cannot tell what the menu did; only the end is true
            close_call(call, ended_at, call.disposition or Disposition.FAILED, campaign)
        call.data_source = "both" if by_agi else "ami"
        await self._deps.store.checkpoint(call)
        self.stats.reconciled += 1

    async def _release(self, call: CallLog, attempt: Attempt) -> None:
        """Give the target's slot back; the store ignores a release already done (the live
        path releases when the session dies), so each claim ends exactly once."""
        if attempt.target_id is None:
            return
        connected = attempt.dial_status == "ANSWER"
        await self._deps.store.release(call.id, attempt.target_id, connected=connected)
        self.stats.releases += 1

    async def _enrich(self, call: CallLog, record: CallRecord) -> None:
        added = False
        for attempt, leg in match_legs(call, record):
            facts = leg_facts(record, leg)
            if attempt.hangup_cause is None and facts.hangup_cause is not None:
                attempt.hangup_cause, added = facts.hangup_cause, True
            if attempt.tech_cause is None and facts.tech_cause is not None:
                attempt.tech_cause, added = facts.tech_cause, True
        if not added:
            return
        call.event(record.ended_at or 0.0, "ami.enriched", cause=record.hangup_cause)
        call.data_source = "both"
        await self._deps.store.checkpoint(call)
        self.stats.enriched += 1
