"""A running switch and an Asterisk double wired together, and the stored record of a call.

The double runs on the switch's ``ManualClock``: a whole call takes milliseconds of real time.
Records are read back through the switch's own web API, so a test sees exactly what an operator
would see, after the record writer has flushed the journal to the database.
"""

from __future__ import annotations

import copy
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from ivr.app import Switch, demo_plan_path
from ivr.clock import ManualClock
from ivr.plans.schema import Plan
from ivr.routing.facts import TargetLoad
from ivr.sim.double import AsteriskDouble
from ivr.sim.report import CallReport
from ivr.sim.script import CallScript
from ivr.store.apply import apply_plan

# Tuesday 2026-11-24 14:00 America/New_York: every demo target is open.
TUESDAY_2PM = 1795546800.0
PlanEdit = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class StoredCall:
    """One call as the web API returns it, with typed accessors for what tests compare."""

    body: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.body[key]

    def money(self, key: str) -> Decimal:
        return Decimal(self.body[key])

    def seconds(self, key: str) -> Decimal:
        return Decimal(self.body[key])

    @property
    def events(self) -> list[dict[str, Any]]:
        return list(self.body["events"])

    @property
    def attempts(self) -> list[dict[str, Any]]:
        return list(self.body["attempts"])

    @property
    def recording_file(self) -> str:
        """The file an answered leg of this call records into (named after the call), whether
        or not one answered: the Dial lines name it either way."""
        return f"{self.body['ref']}.wav"

    def event_kinds(self) -> list[str]:
        return [e["kind"] for e in self.events]

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [e["detail"] for e in self.events if e["kind"] == kind]


@dataclass
class Harness:
    switch: Switch
    clock: ManualClock
    double: AsteriskDouble
    tmp_path: Path

    @property
    def recordings_dir(self) -> Path:
        return self.tmp_path / "rec" / "ivr"

    async def call(self, script: CallScript) -> CallReport:
        assert self.switch.agi_address is not None
        return await self.double.place_call(*self.switch.agi_address, script)

    async def stored(self, report: CallReport) -> StoredCall:
        """The stored record of the call the double placed (found by its uniqueid)."""
        await self.switch.writer.flush(5)
        calls = await self.get_json("/api/calls?limit=500")
        refs = [c["ref"] for c in calls if c["uniqueid"] == report.uniqueid]
        assert len(refs) == 1, f"expected one record for {report.uniqueid}, found {refs}"
        return StoredCall(await self.get_json(f"/api/calls/{refs[0]}"))

    async def get_json(self, path: str) -> Any:
        assert self.switch.web_address is not None
        host, port = self.switch.web_address
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://{host}:{port}{path}") as response:
                assert response.status == 200, await response.text()
                return await response.json()

    async def load_of(self, target_id: str) -> TargetLoad:
        """The target's live claims and connected calls in its current periods, as routing
        reads them now."""
        view = self.switch.plan.view
        campaign = view.campaigns["auto-insurance"]
        at = datetime.fromtimestamp(self.clock.time(), UTC)
        loads = await self.switch.store.target_loads(campaign, [view.targets[target_id]], at)
        return loads[target_id]

    async def apply(self, edit: PlanEdit) -> None:
        """Apply the demo plan changed by ``edit`` (which mutates its YAML data) and make it
        live at once, as ``ivr apply`` followed by the live plan's next poll would."""
        data = copy.deepcopy(yaml.safe_load(demo_plan_path().read_text(encoding="utf-8")))
        edit(data)
        await apply_plan(self.switch.db, Plan.model_validate(data))
        assert await self.switch.plan.load()


def target_of(plan: dict[str, Any], target_id: str) -> dict[str, Any]:
    for buyer in plan["buyers"]:
        for target in buyer["targets"]:
            if target["id"] == target_id:
                return target
    raise KeyError(target_id)


def wav_seconds(path: Path) -> Decimal:
    with wave.open(str(path), "rb") as wav:
        return Decimal(wav.getnframes()) / Decimal(wav.getframerate())
