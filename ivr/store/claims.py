"""Atomic claims on a target's concurrency and caps, and the loads routing reads.

A claim takes one slot of every limited counter of a target in ONE write transaction, each with
a conditional ``UPDATE ... SET count = count + 1 WHERE count < cap``: on PostgreSQL the row lock
of that UPDATE serializes racing processes, and on SQLite ``BEGIN IMMEDIATE`` does. If any
counter is full, the transaction rolls back and nothing is taken. Counters without a limit are
not touched: routing reads live concurrency from ``target_claims`` and nothing else needs them.

Claims outlive a crashed process (they are rows): ``release_stale`` ends the ones older than any
real call could be, keeping their period slots (the call may have connected: never overshoot),
and ``recount_live`` puts the live counters right from the claims that remain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.routing.periods import cap_periods
from ivr.store.models import TargetClaim, TargetUsage
from ivr.store.upsert import insert_ignore

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


async def take(
    session: AsyncSession, call_ref: str, target_id: str, counters: Sequence[Counter], at: datetime
) -> None:
    """Take one slot of each counter, or raise TargetFull (the caller rolls back)."""
    for counter in counters:
        row = {"target_id": target_id, "period_kind": counter.kind, "period_key": counter.key}
        await insert_ignore(session, USAGE, {**row, "count": 0})
        result = await session.execute(
            update(TargetUsage)
            .where(
                TargetUsage.target_id == target_id,
                TargetUsage.period_kind == counter.kind,
                TargetUsage.period_key == counter.key,
                TargetUsage.count < counter.cap,
            )
            .values(count=TargetUsage.count + 1)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise TargetFull(counter)
    await session.execute(
        insert(TargetClaim).values(call_ref=call_ref, target_id=target_id, claimed_at=at)
    )


async def give_back(
    session: AsyncSession,
    call_ref: str,
    target_id: str,
    counters: Sequence[Counter],
    *,
    connected: bool,
) -> None:
    """End a claim: the live slot always, the period slots only for a call that did not
    connect (caps count connected calls). Doing it twice changes nothing."""
    result = await session.execute(
        delete(TargetClaim).where(
            TargetClaim.call_ref == call_ref, TargetClaim.target_id == target_id
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        return
    for counter in counters:
        if connected and counter.kind != "live":
            continue
        await session.execute(
            update(TargetUsage)
            .where(
                TargetUsage.target_id == target_id,
                TargetUsage.period_kind == counter.kind,
                TargetUsage.period_key == counter.key,
                TargetUsage.count > 0,
            )
            .values(count=TargetUsage.count - 1)
        )


async def loads(
    session: AsyncSession, targets: Sequence[Target], campaign: Campaign, at: datetime
) -> Mapping[str, TargetLoad]:
    """Live claims and connected calls in each target's current hour, day and month."""
    if not targets:
        return {}
    ids = [t.id for t in targets]
    wanted = {t.id: _current_keys(t, campaign, at) for t in targets}
    keys = {key for per_kind in wanted.values() for key in per_kind.values()}
    usage = await session.execute(
        select(TargetUsage.target_id, TargetUsage.period_kind, TargetUsage.period_key,
               TargetUsage.count)
        .where(TargetUsage.target_id.in_(ids), TargetUsage.period_key.in_(keys))
    )  # fmt: skip
    counts: dict[tuple[str, str], int] = {}
    for target_id, kind, key, count in usage:
        if wanted[target_id].get(kind) == key:
            counts[(target_id, kind)] = count
    live = await session.execute(
        select(TargetClaim.target_id, func.count())
        .where(TargetClaim.target_id.in_(ids))
        .group_by(TargetClaim.target_id)
    )
    active = {target_id: count for target_id, count in live}
    return {
        tid: TargetLoad(
            active=active.get(tid, 0),
            hourly=counts.get((tid, "hour"), 0),
            daily=counts.get((tid, "day"), 0),
            monthly=counts.get((tid, "month"), 0),
        )
        for tid in ids
    }


def _current_keys(target: Target, campaign: Campaign, at: datetime) -> dict[str, str]:
    periods = cap_periods(target, campaign, at)
    raw = {"hour": periods.hour_key, "day": periods.day_key, "month": periods.month_key}
    return {kind: stored_key(kind, key) for kind, key in raw.items()}


async def recount_live(session: AsyncSession) -> None:
    """After a crash, ``live`` counters may count calls long gone: recount them from claims."""
    await session.execute(
        update(TargetUsage).where(TargetUsage.period_kind == "live").values(count=0)
    )
    claims = await session.execute(
        select(TargetClaim.target_id, func.count()).group_by(TargetClaim.target_id)
    )
    for target_id, count in claims:
        await session.execute(
            update(TargetUsage)
            .where(TargetUsage.target_id == target_id, TargetUsage.period_kind == "live")
            .values(count=count)
        )


async def forget_call(session: AsyncSession, call_ref: str) -> None:
    """Drop a dead call's claims; ``recount_live`` then puts the live counters right."""
    await session.execute(delete(TargetClaim).where(TargetClaim.call_ref == call_ref))
    await recount_live(session)


async def release_stale(session: AsyncSession, claimed_before: datetime) -> int:
    """End the claims taken before ``claimed_before``: calls that no process will release (it
    crashed). Their period slots are kept, as for a call that died mid-Dial; returns how many."""
    result = await session.execute(
        delete(TargetClaim).where(TargetClaim.claimed_at < claimed_before)
    )
    ended: int = result.rowcount  # type: ignore[attr-defined]
    if ended:
        await recount_live(session)
    return ended
