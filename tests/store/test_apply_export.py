"""Applying a plan makes the database hold it; exporting gives the same plan back."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ivr.clock import ManualClock
from ivr.plans.schema import Plan
from ivr.store import models
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from ivr.store.export import export_plan


async def test_export_of_an_empty_database_is_an_empty_plan(db: Database) -> None:
    assert await export_plan(db) == Plan()


async def test_apply_then_export_round_trips(db: Database, sample_plan: Plan) -> None:
    report = await apply_plan(db, sample_plan)

    assert report.counts["targets"].created == 3
    assert report.counts["numbers"].created == 3
    assert report.new_menu_versions == [("main", 1)]
    exported = await export_plan(db)
    assert exported == sample_plan
    # The round trip goes through JSON and Numeric columns: the types must survive it too.
    target = exported.buyers[0].targets[1]
    assert target.revenue == Decimal("12.1234") and isinstance(target.revenue, Decimal)
    assert exported.campaigns[0].publishers[0].publisher == "pub-b"  # plan order is kept


async def test_applying_twice_changes_nothing(
    db: Database, sample_plan: Plan, table_dump: Any
) -> None:
    await apply_plan(db, sample_plan)
    before = await table_dump(db)

    report = await apply_plan(db, sample_plan)

    assert not report.changed
    assert report.new_menu_versions == []
    assert all(c.created == c.updated == c.removed == 0 for c in report.counts.values())
    assert report.counts["targets"].unchanged == 3
    assert await table_dump(db) == before


async def test_a_changed_menu_gets_version_2_and_keeps_version_1(
    db: Database, sample_plan_data: dict[str, Any]
) -> None:
    await apply_plan(db, Plan.model_validate(sample_plan_data))
    changed = copy.deepcopy(sample_plan_data)
    changed["menus"][0]["nodes"]["choose"]["timeout_s"] = 8
    changed_plan = Plan.model_validate(changed)

    report = await apply_plan(db, changed_plan)

    assert report.new_menu_versions == [("main", 2)]
    assert report.counts["menus"].updated == 1
    async with db.read() as session:
        versions = (
            await session.scalars(select(models.MenuVersion).order_by(models.MenuVersion.version))
        ).all()
        menu = await session.get(models.Menu, "main")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].definition["nodes"]["choose"]["timeout_s"] == 4.5
    assert versions[1].definition["nodes"]["choose"]["timeout_s"] == 8
    assert menu is not None and menu.current_version == 2
    assert await export_plan(db) == changed_plan


async def test_left_out_entities_are_archived_and_links_deleted(
    db: Database, sample_plan_data: dict[str, Any]
) -> None:
    await apply_plan(db, Plan.model_validate(sample_plan_data), clock=ManualClock(1_800_000_000))
    smaller = copy.deepcopy(sample_plan_data)
    del smaller["buyers"][1]  # beta and its target beta-uri
    del smaller["campaigns"][1]  # health
    smaller["campaigns"][0]["targets"] = [{"target": "acme-main"}]
    smaller["numbers"] = smaller["numbers"][:2]
    smaller_plan = Plan.model_validate(smaller)

    report = await apply_plan(db, smaller_plan, clock=ManualClock(1_800_000_100))

    assert (report.counts["buyers"].removed, report.counts["targets"].removed) == (1, 1)
    assert report.counts["campaigns"].removed == 1
    assert report.counts["campaign_targets"].removed == 3  # 2 of auto, 1 of health
    assert report.counts["numbers"].removed == 1
    assert await export_plan(db) == smaller_plan
    async with db.read() as session:
        target = await session.get(models.Target, "beta-uri")
        campaign = await session.get(models.Campaign, "health")
        numbers = (await session.scalars(select(models.TrackingNumber.number))).all()
    assert target is not None and target.archived_at == datetime.fromtimestamp(1_800_000_100, UTC)
    assert campaign is not None and campaign.archived_at is not None
    assert sorted(numbers) == ["+12025550100", "+12025550101"]


async def test_an_archived_entity_named_again_comes_back(
    db: Database, sample_plan: Plan, sample_plan_data: dict[str, Any]
) -> None:
    await apply_plan(db, sample_plan)
    await apply_plan(db, Plan())  # an empty plan archives everything

    assert await export_plan(db) == Plan()
    report = await apply_plan(db, sample_plan)

    assert report.counts["targets"].created == 3
    assert report.new_menu_versions == []  # same definition: the menu's version 1 is reused
    assert await export_plan(db) == sample_plan


async def test_calls_keep_their_references_when_the_plan_drops_them(
    db: Database, sample_plan: Plan
) -> None:
    await apply_plan(db, sample_plan)
    async with db.write() as session:
        version = await session.scalar(select(models.MenuVersion.id))
        call = models.Call(
            did="+12025550100",
            campaign_id="auto",
            publisher_id="pub-a",
            target_id="acme-main",
            menu_version_id=version,
            started_at=datetime(2026, 11, 21, 15, 0, tzinfo=UTC),
            revenue=Decimal("35.5"),
        )
        session.add(call)
    await apply_plan(db, Plan())

    async with db.read() as session:
        stored = await session.get(models.Call, call.id)
    assert stored is not None
    assert (stored.campaign_id, stored.publisher_id, stored.target_id) == (
        "auto",
        "pub-a",
        "acme-main",
    )
    assert stored.started_at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert stored.revenue == Decimal("35.5000")


async def test_dry_run_reports_but_writes_nothing(
    db: Database, sample_plan: Plan, table_dump: Any
) -> None:
    before = await table_dump(db)

    report = await apply_plan(db, sample_plan, dry_run=True)

    assert report.counts["publishers"].created == 2 and report.dry_run
    assert "dry run: nothing was written" in report.lines()
    assert await table_dump(db) == before
