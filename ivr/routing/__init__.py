"""Routing: which of a campaign's targets may take a call, in which order, and the cap periods
the store counts against."""

from ivr.routing.compiled import precompile
from ivr.routing.facts import CallFacts, TargetLoad
from ivr.routing.periods import CapPeriods, cap_periods, cap_timezone
from ivr.routing.rank import (
    Exclusion,
    ExclusionReason,
    RankedTarget,
    RoutingDecision,
    rank_targets,
)

__all__ = [
    "CallFacts",
    "CapPeriods",
    "Exclusion",
    "ExclusionReason",
    "RankedTarget",
    "RoutingDecision",
    "TargetLoad",
    "cap_periods",
    "cap_timezone",
    "precompile",
    "rank_targets",
]
