"""What a call earns and costs: revenue from the buyer, payout to the publisher, the margin.

All amounts are Decimal, quantized to 4 places (the schema's and the database's scale) with
ROUND_HALF_EVEN: a revenue share often lands exactly on a half (0.5 x 12.3451), and rounding
halves to even keeps the sum of many rounded payouts unbiased, where half-up would drift upward
by up to half a unit per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from ivr.billing.qualify import Qualification
from ivr.plans.schema import Campaign, FixedPayout, Payout, RevenueSharePayout, Target

QUANTUM = Decimal("0.0001")
ZERO = Decimal("0.0000")


@dataclass(frozen=True, slots=True)
class Money:
    revenue: Decimal
    payout: Decimal
    margin: Decimal  # may be negative: a fixed payout can exceed the revenue


class UnknownPublisher(LookupError):
    """The publisher is not allowed on the campaign, so it has no payout there."""


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def payout_for(campaign: Campaign, publisher_id: str) -> Payout:
    for link in campaign.publishers:
        if link.publisher == publisher_id:
            return link.payout
    raise UnknownPublisher(f"publisher {publisher_id!r} is not on campaign {campaign.id!r}")


def _payout_amount(payout: Payout, revenue: Decimal) -> Decimal:
    if isinstance(payout, FixedPayout):
        return payout.fixed
    if isinstance(payout, RevenueSharePayout):
        return payout.revenue_share * revenue
    raise TypeError(f"unknown payout kind {type(payout).__name__}")


def price(q: Qualification, target: Target | None, payout: Payout) -> Money:
    """Nothing moves for a call that is not billable; a billable one earns the target's revenue
    (none without a target, e.g. the fallback) and pays the publisher its payout."""
    if not q.billable:
        return Money(ZERO, ZERO, ZERO)
    revenue = quantize(target.revenue) if target is not None else ZERO
    paid = quantize(_payout_amount(payout, revenue))
    return Money(revenue, paid, quantize(revenue - paid))
