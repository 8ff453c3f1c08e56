"""Is a finished call billable? Pure rule over what happened and what the plan says.

Billable iff the buyer answered, talk time reached the threshold (the target's
``min_billable_s``, else the campaign's ``billable_after_s``; reaching it exactly counts), the
caller was not a duplicate, and the call's geography was allowed. When several fail, the reason
given is the first of: ``not_connected``, ``duplicate``, ``out_of_area``, ``short_call``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ivr.plans.schema import Campaign, Target

_MILLIS = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class CallOutcome:
    answered: bool  # a buyer answered (bridged)
    talk_s: Decimal | float | int  # buyer answer to end of Dial, in seconds
    duplicate: bool = False
    geo_allowed: bool = True


@dataclass(frozen=True, slots=True)
class Qualification:
    billable: bool
    reason: str  # "billable", "not_connected", "short_call: 42s < 60s", ...

    @property
    def code(self) -> str:
        """The reason without its detail: ``short_call: 42s < 60s`` -> ``short_call``."""
        return self.reason.split(":", 1)[0]


def as_decimal(seconds: Decimal | float | int) -> Decimal:
    """Seconds as Decimal; a float goes through its shortest repr, so 59.9 stays 59.9."""
    if isinstance(seconds, Decimal):
        return seconds
    return Decimal(str(seconds)) if isinstance(seconds, float) else Decimal(seconds)


def _seconds_text(seconds: Decimal) -> str:
    text = f"{seconds.quantize(_MILLIS):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def billable_threshold_s(campaign: Campaign, target: Target | None) -> int:
    if target is not None and target.min_billable_s is not None:
        return target.min_billable_s
    return campaign.billable_after_s


def qualify(call: CallOutcome, campaign: Campaign, target: Target | None) -> Qualification:
    if not call.answered:
        return Qualification(False, "not_connected")
    if call.duplicate:
        return Qualification(False, "duplicate")
    if not call.geo_allowed:
        return Qualification(False, "out_of_area")
    talk = as_decimal(call.talk_s)
    threshold = billable_threshold_s(campaign, target)
    if talk < threshold:
        return Qualification(False, f"short_call: {_seconds_text(talk)}s < {threshold}s")
    return Qualification(True, "billable")
