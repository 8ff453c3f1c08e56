"""Helpers of the call-path storage tests: a migrated database holding a plan whose targets have
every kind of limit, a store wired like ``ivr.app.Switch`` wires it, and call records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from ivr.calls.record import CallLog
from ivr.plans.schema import Campaign, Plan, Target
from ivr.store.call_store import SqlCallStore
from ivr.store.call_writer import CallWriter
from ivr.store.db import Database
from ivr.store.journal import Journal

# Limits small enough that a few hundred racing claims fill every one of them.
CAPS_PLAN_YAML = """
publishers: [{id: pub, name: Publisher}]
buyers:
  - id: buyer
    name: Buyer
    targets:
      - {id: t-live, endpoint: t-live, concurrency: 7}
      - {id: t-hour, endpoint: t-hour, caps: {hourly: 11}}
      - {id: t-day, endpoint: t-day, caps: {daily: 13}}
      - {id: t-all, endpoint: t-all, concurrency: 5, caps: {hourly: 9, daily: 12, monthly: 40}}
      - {id: t-free, endpoint: t-free}
campaigns:
  - id: camp
    name: Campaign
    timezone: America/Chicago
    publishers: [{publisher: pub, payout: {fixed: "1.50"}}]
    targets: [{target: t-live}, {target: t-hour}, {target: t-day}, {target: t-all},
              {target: t-free}]
"""
# 2026-03-10 14:30 in Chicago: mid-hour, mid-day, so the race never crosses a period.
RACE_AT = datetime(2026, 3, 10, 19, 30, tzinfo=UTC)


MENU = {
    "id": "menu", "name": "Menu", "start": "hi",
    "nodes": {"hi": {"type": "play", "prompt": "ivr-welcome", "next": "go"},
              "go": {"type": "route"}},
}  # fmt: skip


def caps_plan() -> Plan:
    return Plan.model_validate(yaml.safe_load(CAPS_PLAN_YAML))


def menu_plan() -> Plan:
    """The caps plan (small caps on t-all) with a menu on its campaign."""
    data = yaml.safe_load(CAPS_PLAN_YAML)
    data["menus"] = [MENU]
    data["campaigns"][0]["menu"] = "menu"
    return Plan.model_validate(data)


def plan_target(plan: Plan, target_id: str) -> Target:
    return plan.targets()[target_id]


def plan_campaign(plan: Plan) -> Campaign:
    return plan.campaigns[0]


@dataclass
class Wiring:
    journal: Journal
    writer: CallWriter
    store: SqlCallStore


async def wire(
    db: Database,
    spool: Path,
    *,
    start_writer: bool = True,
    claim_timeout_s: float | None = None,
    **writer_options: float,
) -> Wiring:
    """Journal, writer and store as ``ivr.app.Switch`` builds them; replays the journal."""
    segment = int(writer_options.pop("segment", 50))
    journal = Journal(spool / "journal", segment_entries=segment, before_forget=db.make_durable)
    writer = CallWriter(db, journal, spool / "rejected.jsonl", **writer_options)  # type: ignore[arg-type]
    store = SqlCallStore(db, journal, writer, db_timeout_s=5.0, claim_timeout_s=claim_timeout_s)
    for entry in await journal.open():
        writer.submit(entry)
    if start_writer:
        writer.start()
    return Wiring(journal, writer, store)


async def unwire(wiring: Wiring) -> None:
    await wiring.writer.close(timeout_s=5.0)
    await wiring.store.close()
    await wiring.journal.close()


def new_call(n: int, *, caller: str = "+13125550100", campaign: str | None = "camp") -> CallLog:
    """A call record as the inbound handler fills it, started ``n`` seconds after RACE_AT."""
    call = CallLog(
        uniqueid=f"1773000000.{n}",
        channel=f"PJSIP/carrier-{n:08x}",
        did_raw="+13125550000",
        caller_raw=caller,
        caller_name="Caller",
        started_at=RACE_AT.timestamp() + n,
    )
    call.did, call.caller, call.campaign_id, call.publisher_id = (
        "+13125550000", caller, campaign, "pub" if campaign else None,
    )  # fmt: skip
    call.event(call.started_at, "call.start", did=call.did)
    return call
