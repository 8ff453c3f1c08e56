"""SQLite: the caps' counters and the live claims held in memory, the database written behind.

Why: one process serves a SQLite store (``ivr.store.owner`` makes sure of it), so nothing else
changes its counters, and asking the database whether a claim fits cost more of the event loop
than anything else storage does: a transaction per claim and per release around a conditional
UPDATE, and a loads read per call (bench/README.md, round 11). Here a claim is decided by a few
dict lookups, and what changed is written by one *flush* job of the write queue, many claims'
and releases' changes in one ``executemany`` per table.

What is stored is what PostgreSQL stores, except the live counters: the claim rows are the live
count, and this ledger counts them when it loads. Durability is the same as with claims
decided in the database: ``SqlCallStore.claim`` returns once the flush holding the claim has
committed (it runs while the routed checkpoint goes to disk). A release is written behind the
call: lost in a crash, it leaves a claim row that the stale-claim sweep ends and period slots
that stay taken (a cap never overshoots). A flush writes the counters' current values, not
their changes, so writing one twice, or a later one first, leaves the right values.

The flush job may run in the SQLite worker thread (when another process holds the write lock:
a CLI command), so the ledger's state is changed and read under a lock.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.store import raw_sql
from ivr.store.claims import Counter
from ivr.store.driver_values import Kind
from ivr.store.loads import CAPPED_PERIODS, PeriodKeys, current_keys
from ivr.store.models import TargetClaim, TargetUsage
from ivr.store.raw_sql import Sql

CounterKey = tuple[str, str, str]  # target id, period kind, stored period key
ClaimKey = tuple[str, str]  # call ref, target id
P, AT = Kind.PLAIN, Kind.AT

# A plan change may delete a target (its rows go with it, ON DELETE CASCADE) while the ledger
# still holds changes of it: those are skipped, not refused (a refused job would hold back
# every other change of its flush).
_WRITE_COUNTER = Sql(
    "INSERT INTO target_usage (target_id, period_kind, period_key, count)"
    " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM targets WHERE id = ?)"
    " ON CONFLICT (target_id, period_kind, period_key) DO UPDATE SET count = excluded.count",
    (P, P, P, P, P),
)
_WRITE_CLAIM = Sql(
    "INSERT INTO target_claims (call_ref, target_id, claimed_at)"
    " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM targets WHERE id = ?)"
    " ON CONFLICT (call_ref, target_id) DO NOTHING",
    (P, P, AT, P),
)
_DELETE_CLAIM = Sql("DELETE FROM target_claims WHERE call_ref = ? AND target_id = ?", (P, P))


@dataclass(frozen=True, slots=True)
class _Held:
    """A claim: when it was taken, and the counters it took a slot of."""

    at: datetime
    counters: tuple[Counter, ...]


class AlreadyClaimed(Exception):
    """A call claimed a target it holds a claim of: a bug of the caller, refused."""


@dataclass(slots=True)
class FlushJob:
    """One write-queue job writing what changed; ``started`` once it has looked (a change
    after that needs the next job)."""

    ledger: CapLedger
    started: bool = False

    def __call__(self, conn: Connection) -> Written:
        return self.ledger.write(conn, self)


@dataclass(slots=True)
class Written:
    """The version of each change a flush wrote: ``CapLedger.flushed`` forgets the ones not
    changed again since."""

    counters: dict[CounterKey, int] = field(default_factory=dict)
    claims: dict[ClaimKey, int] = field(default_factory=dict)


class CapLedger:
    def __init__(self) -> None:
        self._counts: dict[CounterKey, int] = {}
        self._claims: dict[ClaimKey, _Held] = {}
        self._active: Tally[str] = Tally()  # claims held per target
        self._changed_counters: dict[CounterKey, int] = {}  # -> version of the last change
        self._changed_claims: dict[ClaimKey, int] = {}
        # target -> the keys its last load was built for, and that load (``load_of``); a
        # change of the target's counts drops it (on the event loop's thread, as reads are)
        self._loads: dict[str, tuple[PeriodKeys, TargetLoad]] = {}
        self._version = 0
        self._lock = threading.Lock()

    @property
    def unwritten(self) -> int:
        """Changes no flush has written yet (or whose flush failed)."""
        return len(self._changed_counters) + len(self._changed_claims)

    def take(
        self, call_ref: str, target_id: str, counters: Sequence[Counter], at: datetime
    ) -> Counter | None:
        """A slot of each counter and the claim; or nothing, and the counter that is full."""
        claim = (call_ref, target_id)
        with self._lock:
            if claim in self._claims:
                raise AlreadyClaimed(f"call {call_ref} holds a claim of {target_id} already")
            for counter in counters:
                if self._count(target_id, counter) >= counter.cap:
                    return counter
            self._version += 1
            for counter in counters:
                if counter.kind != "live":
                    key = (target_id, counter.kind, counter.key)
                    self._counts[key] = self._counts.get(key, 0) + 1
                    self._changed_counters[key] = self._version
            self._claims[claim] = _Held(at, tuple(counters))
            self._active[target_id] += 1
            self._loads.pop(target_id, None)
            self._changed_claims[claim] = self._version
        return None

    def _count(self, target_id: str, counter: Counter) -> int:
        if counter.kind == "live":
            return self._active[target_id]
        return self._counts.get((target_id, counter.kind, counter.key), 0)

    def give_back(self, call_ref: str, target_id: str, *, connected: bool) -> bool:
        """End the claim; a call that did not connect gives its period slots back too (caps
        count connected calls). False if there was no such claim: nothing changes."""
        claim = (call_ref, target_id)
        with self._lock:
            held = self._claims.pop(claim, None)
            if held is None:
                return False
            self._version += 1
            self._end(claim)
            if not connected:
                for counter in held.counters:
                    key = (target_id, counter.kind, counter.key)
                    if counter.kind != "live" and self._counts.get(key, 0) > 0:
                        self._counts[key] -= 1
                        self._changed_counters[key] = self._version
        return True

    def _end(self, claim: ClaimKey) -> None:
        """Under the lock, the claim already out of ``_claims``."""
        self._active[claim[1]] -= 1
        if not self._active[claim[1]]:
            del self._active[claim[1]]
        self._loads.pop(claim[1], None)
        self._changed_claims[claim] = self._version

    def loads(
        self, targets: Sequence[Target], campaign: Campaign, at: datetime
    ) -> Mapping[str, TargetLoad]:
        """What ``ivr.store.loads.query`` reads from the database, from memory: each target's
        load worked out when routing asks for it (it asks only for the targets that pass
        every other check), from the counts at that moment, of the periods current at ``at``."""
        return _Loads(self, current_keys(targets, campaign, at))

    def load_of(self, target_id: str, keys: PeriodKeys) -> TargetLoad:
        """Built once per target until its counts or its periods change: routing asks for
        every target of a campaign on every call, and most did not change since the last."""
        cached = self._loads.get(target_id)
        if cached is not None and cached[0] is keys:
            return cached[1]
        counts = self._counts
        load = TargetLoad(
            self._active.get(target_id, 0),
            counts.get((target_id, "hour", keys.hour), 0),
            counts.get((target_id, "day", keys.day), 0),
            counts.get((target_id, "month", keys.month), 0),
        )
        self._loads[target_id] = (keys, load)
        return load

    def forget_call(self, call_ref: str) -> int:
        """End every claim of a dead call, keeping its period slots; how many ended."""
        return self._end_where(lambda claim, _held: claim[0] == call_ref)

    def release_stale(self, claimed_before: datetime) -> int:
        """End the claims taken before ``claimed_before`` (a crashed run's), keeping their
        period slots as for a call that died mid-Dial; how many ended."""
        return self._end_where(lambda _claim, held: held.at < claimed_before)

    def _end_where(self, ends: Callable[[ClaimKey, _Held], bool]) -> int:
        with self._lock:
            ended = [claim for claim, held in self._claims.items() if ends(claim, held)]
            if ended:
                self._version += 1
            for claim in ended:
                del self._claims[claim]
                self._end(claim)
        return len(ended)

    def drop_past(self, cutoffs: Mapping[str, str]) -> int:
        """Forget the counters of periods long over (``claims.past_period_cutoffs``), which
        the janitor deletes from the database too; how many."""
        with self._lock:
            past = [key for key in self._counts if key[2] < cutoffs[key[1]]]
            for key in past:
                del self._counts[key]
                self._changed_counters.pop(key, None)
            self._loads.clear()
        return len(past)

    def write(self, conn: Connection, job: FlushJob) -> Written:
        """The flush: every change not yet written, at its current value."""
        written = Written()
        with self._lock:
            job.started = True
            rows = []
            for key, version in self._changed_counters.items():
                rows.append((*key, self._counts.get(key, 0), key[0]))
                written.counters[key] = version
            added: list[tuple[object, ...]] = []
            ended: list[ClaimKey] = []
            for claim, version in self._changed_claims.items():
                held = self._claims.get(claim)
                if held is None:
                    ended.append(claim)
                else:
                    added.append((*claim, held.at, claim[1]))
                written.claims[claim] = version
        if rows:
            raw_sql.run_many(conn, _WRITE_COUNTER, rows)
        if ended:
            raw_sql.run_many(conn, _DELETE_CLAIM, ended)
        if added:
            raw_sql.run_many(conn, _WRITE_CLAIM, added)
        return written

    def flushed(self, written: Written) -> None:
        """A flush committed: forget the changes it wrote that did not change again since."""
        with self._lock:
            for key, version in written.counters.items():
                if self._changed_counters.get(key) == version:
                    del self._changed_counters[key]
            for claim, version in written.claims.items():
                if self._changed_claims.get(claim) == version:
                    del self._changed_claims[claim]

    def load(self, conn: Connection, cutoffs: Mapping[str, str]) -> None:
        """What the database holds (a write-queue job, once, before any call): the counters
        of current periods and every claim row. Claims of a crashed run stay held until the
        stale-claim sweep ends them."""
        kind, key = TargetUsage.period_kind, TargetUsage.period_key
        current = or_(*(and_(kind == k, key >= cutoffs[k]) for k in CAPPED_PERIODS))
        usage = conn.execute(
            select(TargetUsage.target_id, kind, key, TargetUsage.count).where(
                current, TargetUsage.count > 0
            )
        ).all()
        claim_rows = conn.execute(
            select(TargetClaim.call_ref, TargetClaim.target_id, TargetClaim.claimed_at)
        ).all()
        with self._lock:
            self._counts = {(tid, k, period): count for tid, k, period, count in usage}
            # a loaded claim's call died with the run that took it: only the sweep ends it
            self._claims = {(ref, tid): _Held(at, ()) for ref, tid, at in claim_rows}
            self._active = Tally(tid for _ref, tid in self._claims)
            self._loads.clear()


class _Loads(Mapping[str, TargetLoad]):
    """The loads of a campaign's targets, each read from the ledger when asked."""

    __slots__ = ("_keys", "_ledger")

    def __init__(self, ledger: CapLedger, keys: dict[str, PeriodKeys]) -> None:
        self._ledger = ledger
        self._keys = keys  # target id -> period kind -> stored key

    def __getitem__(self, target_id: str) -> TargetLoad:
        return self._ledger.load_of(target_id, self._keys[target_id])

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
