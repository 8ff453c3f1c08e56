"""The web console: health, the calls page (escaping what callers send), the JSON API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from ivr.app import Switch
from ivr.calls.record import CallLog
from ivr.clock import ManualClock
from ivr.settings import load_settings
from ivr.sim.double import AsteriskDouble
from ivr.sim.script import CallScript

HOSTILE_NAME = '<script>alert("x")</script>'


@pytest.fixture
async def running(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[Switch, str]]:
    settings = load_settings(
        var_dir=str(tmp_path), database_url=database_url, agi_port=0, web_port=0
    )
    clock = ManualClock(1795546800.0)
    switch = Switch(settings, clock=clock)
    await switch.start(demo=True)
    assert switch.agi_address is not None and switch.web_address is not None
    double = AsteriskDouble(clock, None, Path("prompts"))
    script = CallScript(did="18005550199", caller="+13125550123", caller_name=HOSTILE_NAME)
    await double.place_call(*switch.agi_address, script)
    assert await switch.writer.flush(5)
    try:
        yield switch, "http://{}:{}".format(*switch.web_address)
    finally:
        await switch.stop()


async def test_calls_page_escapes_caller_names(running: tuple[Switch, str]) -> None:
    _, web = running
    async with aiohttp.ClientSession() as http, http.get(f"{web}/") as page:
        html = await page.text()
    assert page.status == 200
    assert HOSTILE_NAME not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "unknown_number" in html


async def test_health_and_json_api(running: tuple[Switch, str]) -> None:
    _, web = running
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{web}/healthz") as response:
            health = await response.json()
        async with http.get(f"{web}/api/calls", params={"limit": "5"}) as response:
            calls = await response.json()
        async with http.get(f"{web}/api/calls/{calls[0]['ref']}") as response:
            call = await response.json()
        async with http.get(f"{web}/api/calls", params={"limit": "many"}) as response:
            assert response.status == 400
            assert "limit must be a whole number" in await response.text()
        async with http.get(f"{web}/api/calls/nope") as response:
            assert response.status == 404
    assert health == {"status": "ok", "active_calls": 0, "records_waiting": 0,
                      "journal_unapplied": 0, "records_rejected": 0, "database_failures": 0,
                      "releases_pending": 0, "claims_granted_degraded": 0}  # fmt: skip
    assert [c["caller_name"] for c in calls] == [HOSTILE_NAME]
    assert call["disposition"] == "unknown_number"
    assert [e["kind"] for e in call["events"]] == ["call.start", "attribution.unknown", "call.end"]


async def test_one_call_shows_its_timeline_as_numbered_steps_with_iso_times(
    running: tuple[Switch, str],
) -> None:
    """The body of one call keeps the shape it had when steps were rows: seq from 1, the
    moment as an ISO UTC time (microseconds written out unless there are none), kind, detail."""
    switch, web = running
    call = CallLog("1795546900.1", "PJSIP/carrier-00000001", "+18005550199", "+13125550123",
                   "Caller", 1795546900.0)  # fmt: skip
    call.event(1795546900.0, "call.start", did="+18005550199")
    call.event(1795546900.25, "menu.step", node="welcome", result="played")
    call.event(1795546905.123, "hangup")
    call.status = "closed"
    await switch.store.checkpoint(call)
    assert await switch.writer.flush(5)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{web}/api/calls/{call.id}") as response:
            body = await response.json()
        async with http.get(f"{web}/api/calls", params={"uniqueid": call.uniqueid}) as response:
            [listed] = await response.json()

    assert body["events"] == [
        {"seq": 1, "at": "2026-11-24T19:01:40+00:00", "kind": "call.start",
         "detail": {"did": "+18005550199"}},
        {"seq": 2, "at": "2026-11-24T19:01:40.250000+00:00", "kind": "menu.step",
         "detail": {"node": "welcome", "result": "played"}},
        {"seq": 3, "at": "2026-11-24T19:01:45.123000+00:00", "kind": "hangup", "detail": {}},
    ]  # fmt: skip
    assert set(body) == set(listed) | {"events", "attempts"}  # no timeline among the columns
    assert "events" not in listed and listed["ref"] == call.id
