"""The live configuration for the call path: read from the database, swapped whole on change.

Calls read ``LivePlan.view`` once when they arrive, so a call runs on one consistent plan even
if an apply lands mid-call. A poll of ``config_state.revision`` every few seconds notices an
``ivr apply`` made by any process.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ivr.aio import stop_task
from ivr.calls.ports import PlanView
from ivr.routing.compiled import precompile
from ivr.store.apply import config_revision
from ivr.store.db import Database
from ivr.store.export import read_plan
from ivr.store.models import Menu

log = logging.getLogger(__name__)


class LivePlan:
    def __init__(self, db: Database, *, poll_s: float = 2.0) -> None:
        self._db = db
        self._poll_s = poll_s
        self._revision = -1
        self._task: asyncio.Task[None] | None = None
        self.view = PlanView.of_empty()

    async def load(self) -> bool:
        """Reload if the revision moved; True when a new plan was loaded."""
        async with self._db.read() as session:
            revision = await config_revision(session)
            if revision == self._revision:
                return False
            plan = await read_plan(session)
            rows = await session.execute(select(Menu.id, Menu.current_version))
            versions = {menu_id: version for menu_id, version in rows}
        precompile(plan.targets().values())
        self.view = PlanView.of(plan, versions)
        self._revision = revision
        log.info(
            "plan revision %d: %d campaigns, %d targets, %d numbers",
            revision, len(plan.campaigns), len(self.view.targets), len(plan.numbers),
        )  # fmt: skip
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="live-plan")

    async def close(self) -> None:
        await stop_task(self._task)
        self._task = None

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self.load()
            except (SQLAlchemyError, OSError, TimeoutError) as exc:
                # Keep serving the plan we have: a database outage must not stop calls.
                log.warning("plan reload failed (%s); keeping revision %d", exc, self._revision)
