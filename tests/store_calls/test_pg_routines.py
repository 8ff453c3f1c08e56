"""PostgreSQL claims and releases through ``ivr_claim`` / ``ivr_release``: one statement each,
the routines installed by every upgrade. (Their semantics are the claim tests', which run on
both databases; SQLite keeps its own statements.)"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from ivr.plans.schema import Plan
from ivr.store import migrate
from ivr.store.db import Database
from store_calls.support import RACE_AT, Wiring, plan_campaign


def _postgres_only(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("the routines are PostgreSQL's; SQLite runs the statements itself")


async def test_a_claim_and_a_release_are_one_statement_each(
    db: Database, plan: Plan, wiring: Wiring
) -> None:
    _postgres_only(db)
    target, campaign = plan.targets()["t-all"], plan_campaign(plan)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(args[2])  # (conn, cursor, statement, ...)

    [engine] = db.writes.sync_engines
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert await wiring.store.claim("call-a", target, campaign, RACE_AT)
        await wiring.store.release("call-a", target.id, connected=False)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert [s.split("(")[0] for s in statements] == ["SELECT ivr_claim", "SELECT ivr_release"]


async def test_upgrading_again_replaces_the_routines_harmlessly(
    db: Database, database_url: str
) -> None:
    _postgres_only(db)
    await migrate.upgrade(database_url)
    async with db.engine.connect() as conn:
        names = await conn.scalars(
            text("SELECT proname FROM pg_proc WHERE proname LIKE 'ivr\\_%' ORDER BY proname")
        )
        assert list(names) == ["ivr_claim", "ivr_release"]
