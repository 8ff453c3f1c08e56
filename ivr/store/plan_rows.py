"""The mapping between call-plan models and table rows, both ways.

``*_columns`` turn a plan entity into the column values ``apply`` writes; ``*_from_row`` turn
rows back into plan entities for ``export``. Keeping both directions side by side is what makes
apply-then-export a round trip. Nested settings (schedule, recording, screening, fallback, menu
definitions) are stored as the plan models' JSON form and validated again on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ivr.plans import schema
from ivr.store import models

Columns = dict[str, Any]


def publisher_columns(publisher: schema.Publisher) -> Columns:
    return {"id": publisher.id, "name": publisher.name}


def publisher_from_row(row: models.Publisher) -> schema.Publisher:
    return schema.Publisher(id=row.id, name=row.name)


def buyer_columns(buyer: schema.Buyer) -> Columns:
    return {"id": buyer.id, "name": buyer.name}


def target_columns(target: schema.Target, buyer_id: str, position: int) -> Columns:
    return {
        "id": target.id,
        "buyer_id": buyer_id,
        "position": position,
        "name": target.name,
        "endpoint": target.endpoint,
        "number": target.number,
        "sip_uri": target.sip_uri,
        "ring_timeout_s": target.ring_timeout_s,
        "concurrency_cap": target.concurrency,
        "hourly_cap": target.caps.hourly,
        "daily_cap": target.caps.daily,
        "monthly_cap": target.caps.monthly,
        "schedule": target.schedule.model_dump(mode="json") if target.schedule else None,
        "states": list(target.states),
        "area_codes": list(target.area_codes),
        "zip_prefixes": list(target.zip_prefixes),
        "required_tags": list(target.required_tags),
        "min_billable_s": target.min_billable_s,
        "revenue": target.revenue,
        "priority": target.priority,
        "weight": target.weight,
        "enabled": target.enabled,
    }


def target_from_row(row: models.Target) -> schema.Target:
    return schema.Target.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "endpoint": row.endpoint,
            "number": row.number,
            "sip_uri": row.sip_uri,
            "ring_timeout_s": row.ring_timeout_s,
            "concurrency": row.concurrency_cap,
            "caps": {"hourly": row.hourly_cap, "daily": row.daily_cap, "monthly": row.monthly_cap},
            "schedule": row.schedule,
            "states": row.states,
            "area_codes": row.area_codes,
            "zip_prefixes": row.zip_prefixes,
            "required_tags": row.required_tags,
            "min_billable_s": row.min_billable_s,
            "revenue": row.revenue,
            "priority": row.priority,
            "weight": row.weight,
            "enabled": row.enabled,
        }
    )


def buyer_from_rows(row: models.Buyer, targets: Sequence[models.Target]) -> schema.Buyer:
    ordered = sorted(targets, key=lambda t: t.position)
    return schema.Buyer(id=row.id, name=row.name, targets=[target_from_row(t) for t in ordered])


def menu_definition(menu: schema.Menu) -> dict[str, Any]:
    """What one menu version stores: the whole menu but its id (the id is the menu row)."""
    return menu.model_dump(mode="json", exclude={"id"})


def menu_from_definition(menu_id: str, definition: dict[str, Any]) -> schema.Menu:
    return schema.Menu.model_validate({"id": menu_id, **definition})


def campaign_columns(campaign: schema.Campaign) -> Columns:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "timezone": campaign.timezone,
        "menu_id": campaign.menu,
        "billable_after_s": campaign.billable_after_s,
        "dedupe_days": campaign.dedupe_days,
        "recording": campaign.recording.model_dump(mode="json"),
        "screening": campaign.screening.model_dump(mode="json"),
        "fallback": campaign.fallback.model_dump(mode="json"),
        "enabled": campaign.enabled,
    }


def campaign_publisher_columns(
    campaign_id: str, link: schema.CampaignPublisher, position: int
) -> Columns:
    if isinstance(link.payout, schema.FixedPayout):
        kind, amount = "fixed", link.payout.fixed
    else:
        kind, amount = "revenue_share", link.payout.revenue_share
    return {
        "campaign_id": campaign_id,
        "publisher_id": link.publisher,
        "position": position,
        "payout_kind": kind,
        "payout_amount": amount,
    }


def campaign_target_columns(
    campaign_id: str, link: schema.CampaignTarget, position: int
) -> Columns:
    return {
        "campaign_id": campaign_id,
        "target_id": link.target,
        "position": position,
        "priority": link.priority,
        "weight": link.weight,
    }


def campaign_from_rows(
    row: models.Campaign,
    publishers: Sequence[models.CampaignPublisher],
    targets: Sequence[models.CampaignTarget],
) -> schema.Campaign:
    return schema.Campaign.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "timezone": row.timezone,
            "publishers": [
                {"publisher": p.publisher_id, "payout": {p.payout_kind: p.payout_amount}}
                for p in sorted(publishers, key=lambda p: p.position)
            ],
            "targets": [
                {"target": t.target_id, "priority": t.priority, "weight": t.weight}
                for t in sorted(targets, key=lambda t: t.position)
            ],
            "menu": row.menu_id,
            "billable_after_s": row.billable_after_s,
            "dedupe_days": row.dedupe_days,
            "recording": row.recording,
            "screening": row.screening,
            "fallback": row.fallback,
            "enabled": row.enabled,
        }
    )


def number_columns(number: schema.TrackingNumber) -> Columns:
    return {
        "number": number.number,
        "campaign_id": number.campaign,
        "publisher_id": number.publisher,
    }


def number_from_row(row: models.TrackingNumber) -> schema.TrackingNumber:
    return schema.TrackingNumber(
        number=row.number, campaign=row.campaign_id, publisher=row.publisher_id
    )
