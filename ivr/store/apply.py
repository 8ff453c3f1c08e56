"""Make the database hold exactly one call plan, in one write transaction.

A plan is the whole configuration. After ``apply_plan`` the live configuration is the plan:
- publishers, buyers, targets, campaigns and menus left out of the plan are *archived*
  (``archived_at`` set), never deleted, because calls and users point to them; naming one again
  in a later plan brings it back;
- campaign publisher/target links and tracking numbers left out are deleted (nothing points to
  them), so an archived campaign has no number and an archived target no campaign;
- a menu whose definition changed gets a new numbered version; old versions stay untouched;
- users, calls and cap counters are not part of a plan and are never touched.

Everything happens in one transaction: any error (a violated constraint, a crash midway) rolls
all of it back and the previous configuration stays live. Applying the same plan twice writes
nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.clock import Clock, SystemClock, utc_datetime
from ivr.plans.schema import Plan
from ivr.store import models
from ivr.store import plan_rows as rows
from ivr.store.db import Database
from ivr.store.sync import Counts, sync_rows

APPLY_LOCK_KEY = 0x1C0_A991  # any constant shared by every ivr process on the server
KINDS = (
    "publishers",
    "buyers",
    "targets",
    "menus",
    "campaigns",
    "campaign_publishers",
    "campaign_targets",
    "numbers",
)


@dataclass
class ApplyReport:
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    new_menu_versions: list[tuple[str, int]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values()) or bool(self.new_menu_versions)

    def lines(self) -> list[str]:
        """The report as text, one line per kind of entity."""
        out = [
            f"{kind:20} created {c.created:4}  updated {c.updated:4}  "
            f"unchanged {c.unchanged:4}  removed {c.removed:4}"
            for kind, c in self.counts.items()
        ]
        out += [f"menu {menu}: new version {version}" for menu, version in self.new_menu_versions]
        if self.dry_run:
            out.append("dry run: nothing was written")
        elif not self.changed:
            out.append("no change")
        return out


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


async def apply_plan(
    db: Database, plan: Plan, *, dry_run: bool = False, clock: Clock | None = None
) -> ApplyReport:
    """Apply ``plan`` as the whole configuration; on any error nothing is changed."""
    report = ApplyReport(dry_run=dry_run)
    try:
        async with db.write() as session:
            await _apply(session, plan, report, clock or SystemClock())
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


async def _apply(session: AsyncSession, plan: Plan, report: ApplyReport, clock: Clock) -> None:
    now = utc_datetime(clock)
    if session.get_bind().dialect.name == "postgresql":
        # One apply at a time (SQLite gets this from BEGIN IMMEDIATE): two interleaved applies
        # would otherwise race for the same new menu version number.
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPLY_LOCK_KEY})
    counts = report.counts
    # Parents before children, so every foreign key finds its row at flush time.
    counts["publishers"] = await sync_rows(
        session,
        models.Publisher,
        [rows.publisher_columns(p) for p in plan.publishers],
        archive_at=now,
    )
    counts["buyers"] = await sync_rows(
        session, models.Buyer, [rows.buyer_columns(b) for b in plan.buyers], archive_at=now
    )
    targets = [
        rows.target_columns(t, b.id, position)
        for b in plan.buyers
        for position, t in enumerate(b.targets)
    ]
    counts["targets"] = await sync_rows(session, models.Target, targets, archive_at=now)
    counts["menus"] = await _sync_menus(session, plan, report, now)
    counts["campaigns"] = await sync_rows(
        session,
        models.Campaign,
        [rows.campaign_columns(c) for c in plan.campaigns],
        archive_at=now,
    )
    await _sync_links_and_numbers(session, plan, counts)
    if report.changed:
        await bump_revision(session, now)


async def bump_revision(session: AsyncSession, now: datetime) -> None:
    """Tell running switches that the configuration changed (they poll ``config_state``)."""
    state = await session.get(models.ConfigState, 1)
    if state is None:
        session.add(models.ConfigState(id=1, revision=1, applied_at=now))
    else:
        state.revision += 1
        state.applied_at = now


async def config_revision(session: AsyncSession) -> int:
    state = await session.get(models.ConfigState, 1)
    return state.revision if state is not None else 0


async def _sync_menus(
    session: AsyncSession, plan: Plan, report: ApplyReport, now: datetime
) -> Counts:
    """Point each menu at its newest version, adding a version when the definition changed."""
    latest = await _latest_menu_versions(session)
    menu_rows, new_versions = [], []
    for menu in plan.menus:
        definition = rows.menu_definition(menu)
        previous = latest.get(menu.id)
        version = previous.version if previous is not None else 0
        if previous is None or previous.definition != definition:
            version += 1
            new_versions.append(
                models.MenuVersion(
                    menu_id=menu.id, version=version, definition=definition, created_at=now
                )
            )
            report.new_menu_versions.append((menu.id, version))
        menu_rows.append({"id": menu.id, "current_version": version})
    counts = await sync_rows(session, models.Menu, menu_rows, archive_at=now)
    session.add_all(new_versions)
    await session.flush()
    return counts


async def _latest_menu_versions(session: AsyncSession) -> dict[str, models.MenuVersion]:
    newest = (
        select(models.MenuVersion.menu_id, func.max(models.MenuVersion.version).label("version"))
        .group_by(models.MenuVersion.menu_id)
        .subquery()
    )
    query = select(models.MenuVersion).join(
        newest,
        (models.MenuVersion.menu_id == newest.c.menu_id)
        & (models.MenuVersion.version == newest.c.version),
    )
    return {v.menu_id: v for v in await session.scalars(query)}


async def _sync_links_and_numbers(
    session: AsyncSession, plan: Plan, counts: dict[str, Counts]
) -> None:
    publisher_links = [
        rows.campaign_publisher_columns(c.id, link, position)
        for c in plan.campaigns
        for position, link in enumerate(c.publishers)
    ]
    target_links = [
        rows.campaign_target_columns(c.id, link, position)
        for c in plan.campaigns
        for position, link in enumerate(c.targets)
    ]
    counts["campaign_publishers"] = await sync_rows(
        session, models.CampaignPublisher, publisher_links
    )
    counts["campaign_targets"] = await sync_rows(session, models.CampaignTarget, target_links)
    counts["numbers"] = await sync_rows(
        session, models.TrackingNumber, [rows.number_columns(n) for n in plan.numbers]
    )
