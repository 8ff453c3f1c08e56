"""Fixtures of the storage tests: a migrated database on SQLite and on PostgreSQL, a plan that
uses every feature of the schema, and a canonical dump of every table."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import yaml
from sqlalchemy import select, text

from ivr.plans.schema import Plan
from ivr.store import migrate
from ivr.store.db import Database
from ivr.store.models import Base

SAMPLE_PLAN_YAML = """
publishers:
  - {id: pub-a, name: Publisher A}
  - {id: pub-b, name: Publisher B}
buyers:
  - id: acme
    name: Acme Insurance
    targets:
      - id: acme-main
        name: Acme main line
        endpoint: acme-pbx
        ring_timeout_s: 25
        concurrency: 3
        caps: {hourly: 10, daily: 50, monthly: 900}
        schedule:
          timezone: America/Chicago
          hours:
            mon: ["09:00-12:00", "13:00-17:30"]
            sat: [{start: "10:00", end: "14:00"}]
        states: [TX, ca]
        area_codes: ["512"]
        zip_prefixes: ["787", "90210"]
        required_tags: [qualified]
        min_billable_s: 90
        revenue: "35.5"
        priority: 1
        weight: 3
      - id: acme-overflow
        number: "+12025550143"
        revenue: "12.1234"
        priority: 2
        enabled: false
  - id: beta
    name: Beta Health
    targets:
      - {id: beta-uri, sip_uri: "sip:intake@beta.example.com", revenue: "20"}
menus:
  - id: main
    name: Main menu
    start: welcome
    nodes:
      welcome: {type: play, prompt: ivr-welcome, next: choose}
      choose:
        type: menu
        prompt: ivr-main-menu
        options: {"1": zip, "2": bye}
        timeout_s: 4.5
        failure: bye
      zip:
        type: gather
        prompt: ivr-enter-zip
        digits: 5
        validate_as: zip
        save_as: zip
        next: mark
        failure: bye
      mark: {type: tag, tags: [qualified], next: route}
      route: {type: route}
      bye: {type: hangup, prompt: ivr-goodbye}
campaigns:
  - id: auto
    name: Auto insurance
    timezone: America/Chicago
    menu: main
    billable_after_s: 90
    dedupe_days: 7
    publishers:
      - {publisher: pub-b, payout: {fixed: "10.25"}}
      - {publisher: pub-a, payout: {revenue_share: "0.4"}}
    targets:
      - {target: acme-overflow}
      - {target: acme-main, priority: 1, weight: 5}
      - {target: beta-uri}
    recording: {enabled: true, announce: true}
    screening:
      blocklist: ["+12025550199"]
      max_calls_per_caller: 3
      duplicate_action: reject
    fallback: {number: "+12025550111"}
  - id: health
    name: Health
    publishers: [{publisher: pub-a, payout: {fixed: "5"}}]
    targets: [{target: beta-uri}]
numbers:
  - {number: "+12025550100", campaign: auto, publisher: pub-a}
  - {number: "+12025550101", campaign: auto, publisher: pub-b}
  - {number: "+12025550102", campaign: health, publisher: pub-a}
"""


def plan_from_yaml(source: str) -> Plan:
    return Plan.model_validate(yaml.safe_load(source))


@pytest.fixture
def sample_plan() -> Plan:
    return plan_from_yaml(SAMPLE_PLAN_YAML)


@pytest.fixture
def sample_plan_data() -> dict[str, Any]:
    """The sample plan as plain data, to derive variants from."""
    data: dict[str, Any] = yaml.safe_load(SAMPLE_PLAN_YAML)
    return data


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A database at the newest schema revision, created by the migrations."""
    await migrate.upgrade(database_url)
    database = Database(database_url)
    await database.connect()
    try:
        yield database
    finally:
        await database.close()


async def dump_tables(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (alembic_version included), all columns, in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(row) for row in await session.execute(query)]
        version = await session.execute(text("SELECT version_num FROM alembic_version"))
        out["alembic_version"] = [tuple(row) for row in version]
    return out


@pytest.fixture
def table_dump() -> Callable[[Database], Any]:
    return dump_tables
