"""The loads routing reads: each target's live claims and its connected calls in its current
hour, day and month (``ivr.routing.facts.TargetLoad``), for all of a campaign's targets in ONE
statement (the counters and the claim counts joined by ``UNION ALL``): it runs on every call,
and on PostgreSQL each statement costs a round trip. Driver SQL (``ivr.store.raw_sql``): Core's
per-statement CPU cost more than the query.

Each period kind is asked for by its kind and keys, so that every counter is found by its
whole primary key (target, kind, key). Counters of past periods stay in the table (one per
target and hour: 8,760 a year), and a read that named the keys without their kind could use
only the key's first column: it went through all of a target's counters, the read growing with
the switch's age (50 targets: 0.4 ms on a new store, 3.5 ms after a month, 44 ms after a
year; bench/README.md, round 10)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from ivr.plans.schema import Campaign, Target
from ivr.routing.facts import TargetLoad
from ivr.routing.periods import cap_timezone, periods_at, slot_of
from ivr.store.claims import stored_key
from ivr.store.driver_values import Kind
from ivr.store.raw_sql import Fetch, Sql

CLAIMS = "claims"  # the kind of the claim-count rows (no counter has this period kind)


def query(
    targets: Sequence[Target], campaign: Campaign, at: datetime
) -> Fetch[dict[str, TargetLoad]]:
    """Live claims and connected calls in each target's current hour, day and month (at
    least one target: no statement asks about none)."""
    if not targets:
        raise ValueError("loads of no targets")
    ids = [t.id for t in targets]
    wanted = current_keys(targets, campaign, at)
    params: list[list[str]] = []
    for index in range(len(CAPPED_PERIODS)):
        params += [ids, sorted({keys[index] for keys in wanted.values()})]
    return Fetch(_LOADS, (*params, ids), lambda rows, _dialect: fold_loads(rows, ids, wanted))


def fold_loads(
    rows: Iterable[Sequence[Any]], ids: Sequence[str], wanted: Mapping[str, PeriodKeys]
) -> dict[str, TargetLoad]:
    """The statement's rows (target, kind, key, count) as each target's load: claim counts
    as ``active``, the counters of the current periods as hourly / daily / monthly."""
    counts: dict[tuple[str, str], int] = {}
    active: dict[str, int] = {}
    for target_id, kind, key, count in rows:
        if kind == CLAIMS:
            active[target_id] = count
        elif getattr(wanted[target_id], kind) == key:
            counts[(target_id, kind)] = count
    return {
        tid: shared_load(
            active.get(tid, 0),
            counts.get((tid, "hour"), 0),
            counts.get((tid, "day"), 0),
            counts.get((tid, "month"), 0),
        )
        for tid in ids
    }


# Values kept for sharing: about 275 bytes each with the cache's own entry, so at most ~4.5 MB;
# the values in use at any moment (a few per target) are far fewer.
SHARED_LOADS = 16_384


@functools.lru_cache(maxsize=SHARED_LOADS)
def shared_load(active: int, hourly: int, daily: int, monthly: int) -> TargetLoad:
    """One ``TargetLoad`` per distinct value, shared by every read that finds it. Each call
    holds its loads from its start to its routing (200 calls x 50 targets in the bench), and
    every new object is one more for the garbage collector to go through while it stops the
    event loop (bench/README.md, round 12). A named tuple, unlike a plain one, stays tracked."""
    return TargetLoad(active, hourly, daily, monthly)


CAPPED_PERIODS = ("hour", "day", "month")  # the capped periods, in the statement's order
# One SELECT per period kind (target ids, then that kind's keys: a lookup of the whole primary
# key each), then the claim counts; the kinds and the claim rows' kind and key are literals.
_LOADS = Sql(
    " UNION ALL ".join(
        "SELECT target_id, period_kind, period_key, count FROM target_usage"
        f" WHERE target_id IN (?*) AND period_kind = '{kind}' AND period_key IN (?*)"
        for kind in CAPPED_PERIODS
    )
    + f" UNION ALL SELECT target_id, '{CLAIMS}', '', count(*) FROM target_claims"
    " WHERE target_id IN (?*) GROUP BY target_id",
    (Kind.PLAIN,) * (2 * len(CAPPED_PERIODS) + 1),
)


class PeriodKeys(NamedTuple):
    """A time zone's current cap periods as stored keys (``claims.stored_key``), in the order
    of ``CAPPED_PERIODS``."""

    hour: str
    day: str
    month: str


def current_keys(
    targets: Sequence[Target], campaign: Campaign, at: datetime
) -> dict[str, PeriodKeys]:
    """target id -> its current periods' keys at ``at``. The keys depend only on the time zone
    and the 15-minute slot (``periods.slot_of``): one ``PeriodKeys`` per zone and slot, the
    same object for every call in that slot (``ivr.store.ledger`` caches loads by it)."""
    slot = slot_of(at)
    return {t.id: period_keys(cap_timezone(t, campaign), slot) for t in targets}


@functools.lru_cache(maxsize=4_096)
def period_keys(timezone: str, slot: int) -> PeriodKeys:
    periods = periods_at(timezone, slot)
    return PeriodKeys(
        stored_key("hour", periods.hour_key),
        stored_key("day", periods.day_key),
        stored_key("month", periods.month_key),
    )
