"""Which targets may take this call, in which order: the routing decision.

Checks, in order, the first failing one naming the exclusion: the target exists and is enabled;
its schedule is open now (no schedule: always open); geography (each list the target gives must
match: states against the call's state, area codes against the caller's, ZIP prefixes against
the gathered ZIP; an unknown value where a list is given is ``unknown_location``); required tags;
hourly / daily / monthly caps (``load >= cap`` excludes, so a cap of 0 never takes a call);
concurrency (``active >= concurrency``).

Order of the rest: priority ascending (the campaign's override, else the target's), then a
weighted random order within one priority (weights likewise): each position is drawn among the
remaining targets with probability proportional to weight (Efraimidis-Spirakis keys
``u ** (1 / weight)``, one draw per target, same distribution as drawing one by one).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from ivr.plans.schema import Campaign, CampaignTarget, Target
from ivr.routing.compiled import CompiledTarget, compiled
from ivr.routing.facts import NO_LOAD, CallFacts, TargetLoad
from ivr.routing.schedule import CompiledSchedule


class ExclusionReason(StrEnum):
    CAMPAIGN_DISABLED = "campaign_disabled"
    UNKNOWN_TARGET = "unknown_target"
    DISABLED = "disabled"
    CLOSED = "closed"
    UNKNOWN_LOCATION = "unknown_location"
    OUT_OF_STATE = "out_of_state"
    AREA_CODE_MISMATCH = "area_code_mismatch"
    ZIP_MISMATCH = "zip_mismatch"
    MISSING_TAGS = "missing_tags"
    HOURLY_CAP = "hourly_cap"
    DAILY_CAP = "daily_cap"
    MONTHLY_CAP = "monthly_cap"
    CONCURRENCY_FULL = "concurrency_full"


@dataclass(frozen=True, slots=True)
class Exclusion:
    target_id: str
    reason: ExclusionReason
    detail: str


@dataclass(frozen=True, slots=True)
class RankedTarget:
    target_id: str
    target: Target
    priority: int
    weight: int


@dataclass(slots=True)
class RoutingDecision:
    ranked: list[RankedTarget] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


class _Checks:
    """One decision's checks of each target, with what every target shares worked out once:
    the call's instant in each time zone (``astimezone`` was the costliest step of a schedule
    check), each schedule's verdict (targets with the same hours share one compiled schedule,
    ``ivr.routing.compiled``), the call's state."""

    __slots__ = ("_at", "_loads", "_local", "_open", "area_code", "state", "tags", "zip")

    def __init__(self, facts: CallFacts, loads: Mapping[str, TargetLoad]) -> None:
        self._at = facts.at
        self._loads = loads
        self._local: dict[ZoneInfo, datetime] = {}
        self._open: dict[int, bool] = {}  # id(schedule) -> open now; alive for the decision
        self.state, self.area_code, self.zip = facts.state, facts.caller_area_code, facts.zip
        self.tags = facts.tags

    def exclusion(self, target: Target, ct: CompiledTarget) -> Exclusion | None:
        """The first check the target fails, or None; the load is asked for last (a store may
        work it out when asked: ``ivr.store.ledger``)."""
        if not target.enabled:
            return Exclusion(target.id, ExclusionReason.DISABLED, "disabled")
        schedule = ct.schedule
        if schedule is not None and not self._is_open(schedule):
            return _closed(target.id, schedule, self._local_time(schedule.tz))
        if ct.has_geography and (found := _geo_exclusion(target.id, ct, self)) is not None:
            return found
        if ct.required_tags and not ct.required_tags <= self.tags:
            missing = _listed(ct.required_tags - self.tags)
            return Exclusion(target.id, ExclusionReason.MISSING_TAGS, f"tags: missing {missing}")
        return _load_exclusion(target.id, ct, self._loads.get(target.id, NO_LOAD))

    def _is_open(self, schedule: CompiledSchedule) -> bool:
        verdict = self._open.get(id(schedule))
        if verdict is None:
            verdict = self._open[id(schedule)] = schedule.is_open(self._local_time(schedule.tz))
        return verdict

    def _local_time(self, tz: ZoneInfo) -> datetime:
        local = self._local.get(tz)
        if local is None:
            local = self._local[tz] = self._at.astimezone(tz)
        return local


def _closed(target_id: str, schedule: CompiledSchedule, local: datetime) -> Exclusion:
    detail = f"closed: {schedule.next_opening(local)}"
    return Exclusion(target_id, ExclusionReason.CLOSED, detail)


def _geo_exclusion(target_id: str, ct: CompiledTarget, call: _Checks) -> Exclusion | None:
    # Spelled out rather than looped over a table of checks: this runs for every target of
    # every call, and building that table each time was a third of its cost.
    if ct.states:
        state = call.state
        if state is None or state not in ct.states:
            return _mismatch(target_id, ct.states, state, "state", ExclusionReason.OUT_OF_STATE)
    if ct.area_codes:
        area_code = call.area_code
        if area_code is None or area_code not in ct.area_codes:
            reason = ExclusionReason.AREA_CODE_MISMATCH
            return _mismatch(target_id, ct.area_codes, area_code, "area code", reason)
    if ct.zip_prefixes:
        zip5 = call.zip
        if zip5 is None or not ct.zip_matches(zip5):
            reason = ExclusionReason.ZIP_MISMATCH
            return _mismatch(target_id, ct.zip_prefixes, zip5, "zip", reason)
    return None


def _mismatch(
    target_id: str,
    allowed: frozenset[str],
    value: str | None,
    label: str,
    reason: ExclusionReason,
) -> Exclusion:
    if value is None:
        detail = f"{label} unknown: target takes only {_listed(allowed)}"
        return Exclusion(target_id, ExclusionReason.UNKNOWN_LOCATION, detail)
    return Exclusion(target_id, reason, f"{label}: {value} not in {_listed(allowed)}")


def _load_exclusion(target_id: str, ct: CompiledTarget, load: TargetLoad) -> Exclusion | None:
    # spelled out, as in _geo_exclusion
    if ct.hourly is not None and load.hourly >= ct.hourly:
        return _cap_full(target_id, "hourly", load.hourly, ct.hourly, ExclusionReason.HOURLY_CAP)
    if ct.daily is not None and load.daily >= ct.daily:
        return _cap_full(target_id, "daily", load.daily, ct.daily, ExclusionReason.DAILY_CAP)
    if ct.monthly is not None and load.monthly >= ct.monthly:
        reason = ExclusionReason.MONTHLY_CAP
        return _cap_full(target_id, "monthly", load.monthly, ct.monthly, reason)
    if ct.concurrency is not None and load.active >= ct.concurrency:
        detail = f"concurrency: {load.active}/{ct.concurrency} active"
        return Exclusion(target_id, ExclusionReason.CONCURRENCY_FULL, detail)
    return None


def _cap_full(
    target_id: str, label: str, used: int, cap: int, reason: ExclusionReason
) -> Exclusion:
    return Exclusion(target_id, reason, f"cap: {label} {used}/{cap}")


def _ranked(link: CampaignTarget, target: Target) -> RankedTarget:
    priority = link.priority if link.priority is not None else target.priority
    weight = link.weight if link.weight is not None else target.weight
    return RankedTarget(target.id, target, priority, weight)


def _order(candidates: list[RankedTarget], rng: random.Random) -> list[RankedTarget]:
    keyed = [(c.priority, -(rng.random() ** (1.0 / c.weight)), i) for i, c in enumerate(candidates)]
    keyed.sort()
    return [candidates[i] for _, _, i in keyed]


def rank_targets(
    campaign: Campaign,
    targets: Mapping[str, Target],
    facts: CallFacts,
    loads: Mapping[str, TargetLoad],
    rng: random.Random,
) -> RoutingDecision:
    if facts.at.tzinfo is None:
        raise ValueError("CallFacts.at must be timezone-aware (UTC)")
    decision = RoutingDecision()
    links = _links(campaign, targets)
    if not campaign.enabled:
        reason = ExclusionReason.CAMPAIGN_DISABLED
        decision.excluded = [Exclusion(link.target_id, reason, "off") for link in links]
        return decision
    checks = _Checks(facts, loads)
    candidates: list[RankedTarget] = []
    for link in links:
        if link.ranked is None or link.compiled is None:
            reason = ExclusionReason.UNKNOWN_TARGET
            decision.excluded.append(Exclusion(link.target_id, reason, "not defined in the plan"))
        elif (found := checks.exclusion(link.ranked.target, link.compiled)) is not None:
            decision.excluded.append(found)
        else:
            candidates.append(link.ranked)
    decision.ranked = _order(candidates, rng)
    return decision


@dataclass(frozen=True, slots=True)
class _Link:
    """A campaign's target as every decision sees it: its first link wins, priority and weight
    resolved; ``ranked`` is None when the plan does not define the target."""

    target_id: str
    ranked: RankedTarget | None
    compiled: CompiledTarget | None


LINKS_CACHE_LIMIT = 10_000
_links_cache: dict[int, tuple[Campaign, Mapping[str, Target], tuple[_Link, ...]]] = {}


def _links(campaign: Campaign, targets: Mapping[str, Target]) -> tuple[_Link, ...]:
    """Built once per (campaign, targets) pair, as ``compiled`` builds a target's data: plan
    models are frozen and a plan's target mapping is replaced whole, never changed. Entries
    hold both objects, so an id cannot be reused while its entry exists."""
    entry = _links_cache.get(id(campaign))
    if entry is not None and entry[0] is campaign and entry[1] is targets:
        return entry[2]
    if len(_links_cache) >= LINKS_CACHE_LIMIT:
        _links_cache.clear()
    links: dict[str, _Link] = {}
    for link in campaign.targets:
        if link.target not in links:
            target = targets.get(link.target)
            if target is None:
                links[link.target] = _Link(link.target, None, None)
            else:
                links[link.target] = _Link(link.target, _ranked(link, target), compiled(target))
    built = tuple(links.values())
    _links_cache[id(campaign)] = (campaign, targets, built)
    return built
