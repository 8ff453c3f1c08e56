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


class _LocalTimes(dict[ZoneInfo, datetime]):
    """The call's instant in each time zone, converted once per decision: most targets of a
    campaign share a zone, and ``astimezone`` was the costliest step of a schedule check."""

    def __init__(self, at: datetime) -> None:
        super().__init__()
        self.at = at

    def __missing__(self, tz: ZoneInfo) -> datetime:
        local = self[tz] = self.at.astimezone(tz)
        return local


def _closed(schedule: CompiledSchedule, local: datetime) -> Exclusion:
    return Exclusion("", ExclusionReason.CLOSED, f"closed: {schedule.next_opening(local)}")


def _geo_exclusion(ct: CompiledTarget, facts: CallFacts) -> Exclusion | None:
    # Spelled out rather than looped over a table of checks: this runs for every target of
    # every call, and building that table each time was a third of its cost.
    if ct.states:
        state = facts.state
        if state is None or state not in ct.states:
            return _mismatch(ct.states, state, "state", ExclusionReason.OUT_OF_STATE)
    if ct.area_codes:
        area_code = facts.caller_area_code
        if area_code is None or area_code not in ct.area_codes:
            reason = ExclusionReason.AREA_CODE_MISMATCH
            return _mismatch(ct.area_codes, area_code, "area code", reason)
    if ct.zip_prefixes:
        zip5 = facts.zip
        if zip5 is None or not ct.zip_matches(zip5):
            return _mismatch(ct.zip_prefixes, zip5, "zip", ExclusionReason.ZIP_MISMATCH)
    return None


def _mismatch(
    allowed: frozenset[str], value: str | None, label: str, reason: ExclusionReason
) -> Exclusion:
    if value is None:
        detail = f"{label} unknown: target takes only {_listed(allowed)}"
        return Exclusion("", ExclusionReason.UNKNOWN_LOCATION, detail)
    return Exclusion("", reason, f"{label}: {value} not in {_listed(allowed)}")


def _load_exclusion(target: Target, load: TargetLoad) -> Exclusion | None:
    caps = target.caps  # spelled out, as in _geo_exclusion
    if caps.hourly is not None and load.hourly >= caps.hourly:
        return _cap_full("hourly", load.hourly, caps.hourly, ExclusionReason.HOURLY_CAP)
    if caps.daily is not None and load.daily >= caps.daily:
        return _cap_full("daily", load.daily, caps.daily, ExclusionReason.DAILY_CAP)
    if caps.monthly is not None and load.monthly >= caps.monthly:
        return _cap_full("monthly", load.monthly, caps.monthly, ExclusionReason.MONTHLY_CAP)
    if target.concurrency is not None and load.active >= target.concurrency:
        detail = f"concurrency: {load.active}/{target.concurrency} active"
        return Exclusion("", ExclusionReason.CONCURRENCY_FULL, detail)
    return None


def _cap_full(label: str, used: int, cap: int, reason: ExclusionReason) -> Exclusion:
    return Exclusion("", reason, f"cap: {label} {used}/{cap}")


def _exclusion(
    target: Target, facts: CallFacts, loads: Mapping[str, TargetLoad], local_times: _LocalTimes
) -> Exclusion | None:
    if not target.enabled:
        return Exclusion("", ExclusionReason.DISABLED, "disabled")
    ct = compiled(target)
    schedule = ct.schedule
    if schedule is not None and not schedule.is_open(local := local_times[schedule.tz]):
        return _closed(schedule, local)
    found = _geo_exclusion(ct, facts)
    if found is None and not ct.required_tags <= facts.tags:
        missing = _listed(ct.required_tags - facts.tags)
        found = Exclusion("", ExclusionReason.MISSING_TAGS, f"tags: missing {missing}")
    # the load last: a store may work it out when asked (ivr.store.ledger)
    return found or _load_exclusion(target, loads.get(target.id, NO_LOAD))


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
    candidates: list[RankedTarget] = []
    local_times = _LocalTimes(facts.at)
    for link in _links(campaign, targets):
        if not campaign.enabled:
            found: Exclusion | None = Exclusion("", ExclusionReason.CAMPAIGN_DISABLED, "off")
        elif link.ranked is None:
            found = Exclusion("", ExclusionReason.UNKNOWN_TARGET, "not defined in the plan")
        else:
            target = link.ranked.target
            found = _exclusion(target, facts, loads, local_times)
        if found is not None:
            decision.excluded.append(Exclusion(link.target_id, found.reason, found.detail))
        elif link.ranked is not None:
            candidates.append(link.ranked)
    decision.ranked = _order(candidates, rng)
    return decision


@dataclass(frozen=True, slots=True)
class _Link:
    """A campaign's target as every decision sees it: its first link wins, priority and weight
    resolved; ``ranked`` is None when the plan does not define the target."""

    target_id: str
    ranked: RankedTarget | None


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
            ranked = _ranked(link, target) if target is not None else None
            links[link.target] = _Link(link.target, ranked)
    built = tuple(links.values())
    _links_cache[id(campaign)] = (campaign, targets, built)
    return built
