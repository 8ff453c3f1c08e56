"""Atomic claims on a target's concurrency and caps, decided in PostgreSQL (the loads routing
reads: ``ivr.store.loads``). SQLite, which one process serves, decides them in that process's
memory (``ivr.store.ledger``) and stores the same rows, the live counters excepted; the
counters, their keys and the janitor's cutoffs here serve both.

A claim takes one slot of every limited counter of a target in ONE transaction (the
``ivr_claim`` routine, migration 0002), each only below its cap, with a per-target advisory
lock so that racing processes never deadlock; if any counter is full, nothing is taken. Many
claims and releases share one statement (``ivr_batch``, through ``ivr.store.write_queue``).
Counters without a limit are not touched: routing reads live concurrency from
``target_claims`` and nothing else needs them.

Claims outlive a crashed process (they are rows): ``release_stale`` ends the ones older than any
real call could be, keeping their period slots (the call may have connected: never overshoot),
and ``recount_live`` puts the live counters right from the claims that remain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, func, select, text, update

from ivr.plans.schema import Campaign, Target
from ivr.routing.periods import cap_periods
from ivr.store import claim_sql
from ivr.store.models import TargetClaim, TargetUsage
from ivr.store.raw_sql import Fetch

USAGE: Table = TargetUsage.__table__  # type: ignore[assignment]
LIVE = ("live", "")
PERIOD_KEY_LEN = 24  # target_usage.period_key is VARCHAR(24); PostgreSQL refuses longer keys


@dataclass(frozen=True, slots=True)
class Counter:
    kind: str  # live, hour, day, month
    key: str
    cap: int


class TargetFull(Exception):
    def __init__(self, counter: Counter) -> None:
        super().__init__(f"{counter.kind} {counter.key} full at {counter.cap}")
        self.counter = counter


def stored_key(kind: str, key: str) -> str:
    """The period key as stored: the hour key ``2026-11-01T01-0400`` (18 characters) loses the
    dashes of its date, ``20261101T01-0400``, to fit the column and stay unique and readable."""
    stored = key.replace("-", "", 2) if kind == "hour" else key
    if len(stored) > PERIOD_KEY_LEN:
        raise ValueError(f"{kind} period key {stored!r} is longer than {PERIOD_KEY_LEN}")
    return stored


def limited_counters(target: Target, campaign: Campaign, at: datetime) -> list[Counter]:
    """The counters a call to ``target`` at ``at`` must take a slot of."""
    counters = []
    if target.concurrency is not None:
        counters.append(Counter(*LIVE, target.concurrency))
    periods = cap_periods(target, campaign, at)
    for kind, key, cap in (
        ("hour", periods.hour_key, target.caps.hourly),
        ("day", periods.day_key, target.caps.daily),
        ("month", periods.month_key, target.caps.monthly),
    ):
        if cap is not None:
            counters.append(Counter(kind, stored_key(kind, key), cap))
    return counters


def take(
    conn: Connection, call_ref: str, target_id: str, counters: Sequence[Counter], at: datetime
) -> Counter | None:
    """PostgreSQL: take one slot of each counter and record the claim, or take nothing and
    return the counter that is full (``ivr_claim``). A write queue job."""
    wanted = [(c.kind, c.key, c.cap) for c in counters]
    full_at = claim_sql.pg_claim(conn, call_ref, target_id, wanted, at)
    return counters[full_at - 1] if full_at else None


# On PostgreSQL, a statement that updates several rows locks them in the order its plan scans
# them, and two sessions may run different plans (custom or generic): two claims on one target
# could then lock its counters in opposite orders and deadlock. So a transaction that changes a
# target's counters first takes an advisory lock of the target (ivr_claim and ivr_release do),
# and this takes every target's, in the write queue's order ("C" collation: the byte order
# Python sorts the queue's jobs in, whatever the database's).
_LOCK_ALL_TARGETS = text(
    "SELECT pg_advisory_xact_lock(7341, hashtext(id))"
    ' FROM (SELECT id FROM targets ORDER BY id COLLATE "C") AS ordered'
)


def give_back(
    conn: Connection,
    call_ref: str,
    target_id: str,
    counters: Sequence[Counter],
    *,
    connected: bool,
) -> bool:
    """PostgreSQL: end a claim (``ivr_release``): the live slot always, the period slots only
    for a call that did not connect (caps count connected calls). Doing it twice changes
    nothing: the claim row is the proof that the slots are still taken. True if this call
    ended the claim."""
    # caps count connected calls: such a call keeps its period slots, gives back the live one
    returned = [(c.kind, c.key) for c in counters if not connected or c.kind == "live"]
    return claim_sql.pg_release(conn, call_ref, target_id, returned)


def change_counters_together(changes: list[Take | GiveBack]) -> Fetch[list[object]]:
    """PostgreSQL: every claim and release of a write batch in ONE statement (``ivr_batch``,
    migration 0002 says why), in the batch's order; the same answers as running
    each job on its own. Run it in autocommit: the statement is the transaction."""
    batch = claim_sql.pg_batch([change.pg_change() for change in changes])

    def answers(rows: list[Any], dialect: str) -> list[object]:
        numbers = batch.shape(rows, dialect)
        return [change.pg_answer(a) for change, a in zip(changes, numbers, strict=True)]

    return Fetch(batch.sql, batch.params, answers)


@dataclass(frozen=True, slots=True)
class Take:
    """A claim as a write-queue job: ``take`` on its own (SQLite, or a batch run job by job),
    or one change of a PostgreSQL batch (``run_joined``)."""

    call_ref: str
    target_id: str
    counters: tuple[Counter, ...]
    at: datetime

    def __call__(self, conn: Connection) -> Counter | None:
        return take(conn, self.call_ref, self.target_id, self.counters, self.at)

    def pg_change(self) -> dict[str, object]:
        return {
            "op": "claim", "ref": self.call_ref, "target": self.target_id,
            "kinds": [c.kind for c in self.counters], "keys": [c.key for c in self.counters],
            "caps": [c.cap for c in self.counters], "at": self.at.isoformat(),
        }  # fmt: skip

    def pg_answer(self, full_at: int) -> Counter | None:
        return self.counters[full_at - 1] if full_at else None

    run_joined = staticmethod(change_counters_together)


@dataclass(frozen=True, slots=True)
class GiveBack:
    """A release as a write-queue job (see ``Take``)."""

    call_ref: str
    target_id: str
    counters: tuple[Counter, ...]
    connected: bool

    def __call__(self, conn: Connection) -> bool:
        return give_back(
            conn, self.call_ref, self.target_id, self.counters, connected=self.connected
        )

    def pg_change(self) -> dict[str, object]:
        returned = [c for c in self.counters if not self.connected or c.kind == "live"]
        return {
            "op": "release", "ref": self.call_ref, "target": self.target_id,
            "kinds": [c.kind for c in returned], "keys": [c.key for c in returned],
        }  # fmt: skip

    @staticmethod
    def pg_answer(ended: int) -> bool:
        return bool(ended)

    run_joined = staticmethod(change_counters_together)


def recount_live(conn: Connection) -> None:
    """After a crash, ``live`` counters may count calls long gone: recount them from claims.
    On PostgreSQL it first takes every target's lock (in the queue's order), so a batch of
    another process cannot slip a claim between the count and the write."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_ALL_TARGETS)
    conn.execute(update(TargetUsage).where(TargetUsage.period_kind == "live").values(count=0))
    held = conn.execute(
        select(TargetClaim.target_id, func.count()).group_by(TargetClaim.target_id)
    ).all()
    for target_id, count in held:
        conn.execute(
            update(TargetUsage)
            .where(TargetUsage.target_id == target_id, TargetUsage.period_kind == "live")
            .values(count=count)
        )


def forget_call(conn: Connection, call_ref: str) -> None:
    """Drop a dead call's claims; ``recount_live`` then puts the live counters right."""
    conn.execute(delete(TargetClaim).where(TargetClaim.call_ref == call_ref))
    recount_live(conn)


# A janitor job deletes at most this many counters, so that claims wait for no long one.
PAST_COUNTERS_PER_JOB = 2_000


def past_period_cutoffs(now: datetime) -> dict[str, str]:
    """Per period kind, the stored key below which a counter's period ended at least a day ago
    in every time zone (local dates run from UTC-12 to UTC+14): hours and days of two days
    before today (UTC), months before last month. Keys are fixed-width dates (an hour's
    stored key begins with its local date, ``20261101T01-0400``), so they compare as text."""
    day = now.astimezone(UTC).date() - timedelta(days=2)
    first = now.astimezone(UTC).date().replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    return {"hour": f"{day:%Y%m%d}", "day": f"{day:%Y-%m-%d}", "month": f"{last_month:%Y-%m}"}


def delete_past_counters(conn: Connection, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` counters of periods long over; how many. Nothing reads them again
    (loads, claims and releases ask for current periods only), and kept they grew the table
    by 8,760 hour counters a year per target: every page a claim changes is further apart."""
    return claim_sql.delete_past_counters(conn, past_period_cutoffs(now), limit)


def release_stale(conn: Connection, claimed_before: datetime) -> int:
    """End the claims taken before ``claimed_before``: calls that no process will release (it
    crashed). Their period slots are kept, as for a call that died mid-Dial; returns how many."""
    result = conn.execute(delete(TargetClaim).where(TargetClaim.claimed_at < claimed_before))
    ended = result.rowcount
    if ended:
        recount_live(conn)
    return ended
