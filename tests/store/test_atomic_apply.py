"""A failing apply leaves the database exactly as it was: the previous configuration stays live.

On SQLite the proof is the database file itself, byte for byte, after a WAL checkpoint; on
PostgreSQL it is every row of every table, all columns, in primary-key order.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from ivr.plans.schema import Plan
from ivr.store import apply as apply_module
from ivr.store.apply import apply_plan
from ivr.store.db import Database
from ivr.store.export import export_plan


async def snapshot(db: Database, table_dump: Any) -> object:
    if not db.is_sqlite:
        return await table_dump(db)
    async with db.engine.connect() as conn:
        # Copy every committed page into the main file, so the file alone is the database.
        checkpoint = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
        assert checkpoint[0] == 0, "the checkpoint could not complete"
    database = make_url(db.url).database
    assert database is not None
    return await asyncio.to_thread(Path(database).read_bytes)


def _changed_everywhere(data: dict[str, Any]) -> dict[str, Any]:
    """A plan that touches every table apply writes, so a failure late in apply has a lot to
    undo."""
    changed = copy.deepcopy(data)
    changed["publishers"].append({"id": "pub-c", "name": "Publisher C"})
    changed["buyers"][0]["name"] = "Acme Renamed"
    del changed["buyers"][1]["targets"][0]["revenue"]
    changed["menus"][0]["nodes"]["choose"]["tries"] = 5
    changed["campaigns"][0]["dedupe_days"] = 1
    return changed


async def test_a_constraint_violated_midway_rolls_everything_back(
    db: Database, sample_plan: Plan, sample_plan_data: dict[str, Any], table_dump: Any
) -> None:
    await apply_plan(db, sample_plan)
    before = await snapshot(db, table_dump)
    broken = _changed_everywhere(sample_plan_data)
    # Not validated, so it reaches the database: the number's campaign does not exist, and
    # numbers are written last, after every other table was changed.
    broken["numbers"].append({"number": "+12025550177", "campaign": "nope", "publisher": "pub-a"})

    with pytest.raises(IntegrityError):
        await apply_plan(db, Plan.model_validate(broken))

    assert await snapshot(db, table_dump) == before
    assert await export_plan(db) == sample_plan


async def test_an_exception_after_half_the_rows_rolls_everything_back(
    db: Database,
    sample_plan: Plan,
    sample_plan_data: dict[str, Any],
    table_dump: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await apply_plan(db, sample_plan)
    before = await snapshot(db, table_dump)
    written: list[int] = []

    async def crash_after_campaigns(session: Any, plan: Plan, counts: Any) -> None:
        # Publishers, buyers, targets, menus and campaigns are flushed by now: prove it.
        count = await session.scalar(text("SELECT count(*) FROM publishers"))
        written.append(count)
        raise RuntimeError("power cut")

    monkeypatch.setattr(apply_module, "_sync_links_and_numbers", crash_after_campaigns)
    with pytest.raises(RuntimeError, match="power cut"):
        await apply_plan(db, Plan.model_validate(_changed_everywhere(sample_plan_data)))

    assert written == [3]  # pub-c was inserted inside the transaction
    assert await snapshot(db, table_dump) == before
    assert await export_plan(db) == sample_plan
