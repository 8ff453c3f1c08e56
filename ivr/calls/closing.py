"""The end of a call: its durations, whether it is billable and why, and the money it moved."""

from __future__ import annotations

from ivr.billing.money import UnknownPublisher, payout_for, price
from ivr.billing.qualify import CallOutcome, qualify
from ivr.calls.bridge import BridgeOutcome
from ivr.calls.record import CallLog, Disposition
from ivr.plans.schema import Campaign, FixedPayout


def close_call(
    call: CallLog,
    ended_at: float,
    disposition: Disposition,
    campaign: Campaign | None = None,
    bridged: BridgeOutcome | None = None,
) -> None:
    """Fill in the final fields of ``call``. Pure: the caller checkpoints it afterwards."""
    call.ended_at = ended_at
    call.status = "closed"
    call.disposition = disposition
    _durations(call, ended_at)
    if bridged is not None and bridged.target is not None:
        call.target_id = bridged.target.id
        call.buyer_id = bridged.attempt.buyer_id if bridged.attempt else None
    if campaign is not None:
        _money(call, campaign, bridged)
    call.event(ended_at, "call.end", disposition=disposition.value, billable=call.billable)


def _durations(call: CallLog, ended_at: float) -> None:
    ivr_start = call.answered_at if call.answered_at is not None else call.started_at
    ivr_end = call.ivr_ended_at if call.ivr_ended_at is not None else ended_at
    call.ivr_s = round(max(0.0, ivr_end - ivr_start), 3) if call.answered_at is not None else 0.0
    call.ring_s = round(sum(a.ring_s for a in call.attempts), 3)
    call.talk_s = round(sum(a.talk_s for a in call.attempts), 3)


def _money(call: CallLog, campaign: Campaign, bridged: BridgeOutcome | None) -> None:
    target = bridged.target if bridged is not None else None
    outcome = CallOutcome(
        # Only a buyer target pays: a call taken by the campaign's fallback (a partner answering
        # service) earns nothing, so it is not billable and the publisher is not paid for it.
        answered=target is not None and bridged is not None and bridged.attempt is not None,
        talk_s=call.talk_s,
        duplicate=call.duplicate,
        # Ranked targets passed their geography check; the fallback has none to pass.
        geo_allowed=True,
    )
    qualification = qualify(outcome, campaign, target)
    call.billable = qualification.billable
    call.billable_reason = qualification.reason
    try:
        payout = payout_for(campaign, call.publisher_id or "")
    except UnknownPublisher:
        payout = FixedPayout(fixed=0)  # attribution refuses such calls; be safe anyway
    money = price(qualification, target, payout)
    call.revenue, call.payout, call.margin = money.revenue, money.payout, money.margin
