"""Per-target data prepared once (schedule, lookup sets), reused by every routing decision.

Plan models are frozen, so a compiled entry stays right for as long as its Target object lives.
Entries are keyed by object identity and hold the Target itself, so an id cannot be reused by
another object while its entry exists; the cache is simply emptied when it grows past a bound
(a plan reload leaves the old targets behind).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ivr.plans.schema import Target
from ivr.routing.schedule import CompiledSchedule, compile_schedule

CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class CompiledTarget:
    schedule: CompiledSchedule | None
    states: frozenset[str]
    area_codes: frozenset[str]
    zip_prefixes: frozenset[str]
    zip_prefix_lengths: tuple[int, ...]
    required_tags: frozenset[str]
    has_geography: bool  # any of states, area codes, ZIP prefixes
    hourly: int | None  # the target's caps and concurrency, read on every decision
    daily: int | None
    monthly: int | None
    concurrency: int | None

    def zip_matches(self, zip5: str) -> bool:
        return any(zip5[:n] in self.zip_prefixes for n in self.zip_prefix_lengths)


_cache: dict[int, tuple[Target, CompiledTarget]] = {}


def _compile(target: Target) -> CompiledTarget:
    prefixes = frozenset(target.zip_prefixes)
    return CompiledTarget(
        schedule=None if target.schedule is None else _shared(compile_schedule(target.schedule)),
        states=frozenset(target.states),
        area_codes=frozenset(target.area_codes),
        zip_prefixes=prefixes,
        zip_prefix_lengths=tuple(sorted({len(p) for p in prefixes})),
        required_tags=frozenset(target.required_tags),
        has_geography=bool(target.states or target.area_codes or prefixes),
        hourly=target.caps.hourly,
        daily=target.caps.daily,
        monthly=target.caps.monthly,
        concurrency=target.concurrency,
    )


_schedules: dict[CompiledSchedule, CompiledSchedule] = {}


def _shared(schedule: CompiledSchedule) -> CompiledSchedule:
    """One object per distinct schedule: targets with the same hours (the common case) share
    it, and a decision asks each schedule once (``ivr.routing.rank``)."""
    if len(_schedules) >= CACHE_LIMIT:
        _schedules.clear()
    return _schedules.setdefault(schedule, schedule)


def compiled(target: Target) -> CompiledTarget:
    entry = _cache.get(id(target))
    if entry is not None and entry[0] is target:
        return entry[1]
    if len(_cache) >= CACHE_LIMIT:
        _cache.clear()
    result = _compile(target)
    _cache[id(target)] = (target, result)
    return result


def precompile(targets: Iterable[Target]) -> None:
    """Compile every target now (after a plan load), so no call pays for it."""
    for target in targets:
        compiled(target)
