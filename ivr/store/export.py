"""Read the live configuration back as a call plan (what ``ivr export`` writes as YAML).

Only live rows are exported (archived ones are history). Top-level lists come sorted by id (by
number for tracking numbers); a buyer's targets and a campaign's publishers and targets keep the
order the applied plan gave them. Menus are exported at their current (newest) version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.plans.schema import Menu, Plan
from ivr.store import models
from ivr.store import plan_rows as rows
from ivr.store.db import Database

Row = TypeVar("Row", bound=models.Base)
Live = TypeVar("Live", bound=models.Archivable)


async def export_plan(db: Database) -> Plan:
    async with db.read() as session:
        return await read_plan(session)


async def read_plan(session: AsyncSession) -> Plan:
    """The live plan, read in the caller's session (and so in its transaction)."""
    publishers = await _live(session, models.Publisher, models.Publisher.id)
    buyers = await _live(session, models.Buyer, models.Buyer.id)
    targets = await _live(session, models.Target, models.Target.position)
    campaigns = await _live(session, models.Campaign, models.Campaign.id)
    targets_of = _group(targets, lambda t: t.buyer_id)
    publisher_links = _group(
        await _all(session, models.CampaignPublisher), lambda link: link.campaign_id
    )
    target_links = _group(await _all(session, models.CampaignTarget), lambda link: link.campaign_id)
    numbers = await session.scalars(
        select(models.TrackingNumber).order_by(models.TrackingNumber.number)
    )
    return Plan(
        publishers=[rows.publisher_from_row(p) for p in publishers],
        buyers=[rows.buyer_from_rows(b, targets_of[b.id]) for b in buyers],
        campaigns=[
            rows.campaign_from_rows(c, publisher_links[c.id], target_links[c.id]) for c in campaigns
        ],
        numbers=[rows.number_from_row(n) for n in numbers],
        menus=await _current_menus(session),
    )


async def _current_menus(session: AsyncSession) -> list[Menu]:
    query = (
        select(models.Menu.id, models.MenuVersion.definition)
        .join(
            models.MenuVersion,
            (models.MenuVersion.menu_id == models.Menu.id)
            & (models.MenuVersion.version == models.Menu.current_version),
        )
        .where(models.Menu.archived_at.is_(None))
        .order_by(models.Menu.id)
    )
    return [
        rows.menu_from_definition(mid, definition)
        for mid, definition in await session.execute(query)
    ]


async def _live(session: AsyncSession, model: type[Live], order: Any) -> Sequence[Live]:
    query = select(model).where(model.archived_at.is_(None)).order_by(order)
    return (await session.scalars(query)).all()


async def _all(session: AsyncSession, model: type[Row]) -> Sequence[Row]:
    return (await session.scalars(select(model))).all()


def _group(items: Sequence[Row], key: Callable[[Row], str]) -> defaultdict[str, list[Row]]:
    grouped: defaultdict[str, list[Row]] = defaultdict(list)
    for item in items:
        grouped[key(item)].append(item)
    return grouped
