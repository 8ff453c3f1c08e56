"""What a call needs from the rest of the switch, as interfaces.

The call story depends on these, never on SQLAlchemy or aiohttp: ``ivr.app`` wires the real
implementations (``ivr.store``), tests may wire in-memory ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Menu, Plan, Publisher, Target, TrackingNumber
from ivr.routing.facts import TargetLoad
from ivr.screening.rules import CallerHistory


class CallStore(Protocol):
    def checkpoint(self, call: CallLog) -> Awaitable[object]:
        """Make the call's record durable as it is now: the snapshot is taken before this
        returns, and awaiting the result returns once it is on disk."""
        ...

    async def caller_history(
        self, caller: str, campaign: Campaign, now: datetime, exclude_call: str = ""
    ) -> CallerHistory:
        """Earlier calls of ``caller`` (not counting the call ``exclude_call`` itself)."""
        ...

    async def target_loads(
        self, campaign: Campaign, targets: Sequence[Target], at: datetime
    ) -> Mapping[str, TargetLoad]: ...

    async def claim(self, call_id: str, target: Target, campaign: Campaign, at: datetime) -> bool:
        """Take one slot of the target's concurrency and caps, atomically; False if full."""
        ...

    async def release(self, call_id: str, target_id: str, *, connected: bool) -> None:
        """Give the concurrency slot back; keep the cap slot only if the call connected."""
        ...

    async def close_orphan(self, uniqueid: str, cause: str, ended_at: float) -> bool:
        """Close the record of a call whose session is gone; True if one was open."""
        ...


@dataclass(frozen=True, slots=True)
class PlanView:
    """The live configuration, indexed for the call path. Replaced whole on every apply."""

    plan: Plan
    menu_versions: Mapping[str, int] = field(default_factory=dict)
    numbers: Mapping[str, TrackingNumber] = field(default_factory=dict)
    campaigns: Mapping[str, Campaign] = field(default_factory=dict)
    publishers: Mapping[str, Publisher] = field(default_factory=dict)
    targets: Mapping[str, Target] = field(default_factory=dict)
    target_buyers: Mapping[str, str] = field(default_factory=dict)
    menus: Mapping[str, Menu] = field(default_factory=dict)
    # Each campaign's targets that the plan defines, in link order: listed once per plan, not
    # on every call (the loads read asks for them).
    campaign_targets: Mapping[str, tuple[Target, ...]] = field(default_factory=dict)

    @classmethod
    def of_empty(cls) -> PlanView:
        return cls(plan=Plan())

    @classmethod
    def of(cls, plan: Plan, menu_versions: Mapping[str, int] | None = None) -> PlanView:
        targets = plan.targets()
        return cls(
            plan=plan,
            menu_versions=dict(menu_versions or {}),
            numbers={n.number: n for n in plan.numbers},
            campaigns={c.id: c for c in plan.campaigns},
            publishers={p.id: p for p in plan.publishers},
            targets=targets,
            target_buyers=plan.target_buyers(),
            menus={m.id: m for m in plan.menus},
            campaign_targets={
                c.id: tuple(targets[link.target] for link in c.targets if link.target in targets)
                for c in plan.campaigns
            },
        )
