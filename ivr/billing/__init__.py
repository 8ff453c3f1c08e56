"""Billing rules: is a call billable, and what it earns, pays and leaves as margin."""

from ivr.billing.money import Money, UnknownPublisher, payout_for, price, quantize
from ivr.billing.qualify import (
    CallOutcome,
    Qualification,
    as_decimal,
    billable_threshold_s,
    qualify,
)

__all__ = [
    "CallOutcome",
    "Money",
    "Qualification",
    "UnknownPublisher",
    "as_decimal",
    "billable_threshold_s",
    "payout_for",
    "price",
    "qualify",
    "quantize",
]
