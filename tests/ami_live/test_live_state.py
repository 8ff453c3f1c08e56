"""Real AMI streams (shared/asterisk calls/*) replayed into a running switch: live state,
reconnect with a rebuilt picture, the SSE feed, metrics and actions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp

from ivr.ami.protocol import parse_message
from ivr.sim.ami import parse_ami_log, recorded_events
from ivr.web.live_api import STREAM_QUEUE

from .conftest import LiveHarness
from .waits import until

HAPPY_BRIDGED = 1505  # ami.log line count up to the caller's BridgeEnter in 01-happy


def _events(shared: Path, name: str) -> list[Any]:
    return recorded_events(parse_ami_log(shared / "calls" / name / "ami.log"))


def _split_at_bridge(shared: Path) -> tuple[list[Any], list[Any]]:
    events = _events(shared, "01-happy")
    cut = next(i for i, b in enumerate(events) if b.event == "BridgeEnter") + 2
    return events[:cut], events[cut:]


async def _web(live: LiveHarness, method: str, path: str) -> tuple[int, Any]:
    assert live.switch.web_address is not None
    host, port = live.switch.web_address
    async with aiohttp.ClientSession() as http:
        async with http.request(method, f"http://{host}:{port}{path}") as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text


async def _ready(live: LiveHarness) -> None:
    await until(lambda: live.switch.ami is not None and live.switch.ami.live.rebuilds >= 1)


async def test_replayed_call_shows_live_then_ends(live: LiveHarness, shared_asterisk: Path) -> None:
    await _ready(live)
    talking, rest = _split_at_bridge(shared_asterisk)
    await live.asterisk.replay(talking)
    await until(lambda: len(live.switch.ami.tracker.calls) == 1)  # type: ignore[union-attr]
    status, body = await _web(live, "GET", "/api/live")
    assert status == 200 and body["ami_connected"] is True
    [call] = body["calls"]
    assert (call["uniqueid"], call["phase"], call["endpoint"]) == (
        "1795255073.44",
        "talking",
        "PJSIP/buyer1",
    )
    assert call["target_id"] is None  # buyer1 is no target of the demo plan
    assert body["concurrency"] == {"PJSIP/buyer1": 1}
    await live.asterisk.replay(rest)
    # No record of that call here: looked up, found in neither this process nor the database.
    await until(lambda: live.switch.reconciler.stats.unmatched == 1)
    status, body = await _web(live, "GET", "/api/live")
    assert body["calls"] == [] and body["concurrency"] == {}


async def test_every_recorded_call_ends_quiet(live: LiveHarness, shared_asterisk: Path) -> None:
    await _ready(live)
    names = ["02-fallback-busy", "03-fallback-noanswer", "allfail-busy-then-unreachable",
             "reject-480-then-603", "reject-503-then-404", "hangup-during-getdata"]  # fmt: skip
    for name in names:
        await live.asterisk.replay(_events(shared_asterisk, name))
    await until(lambda: live.switch.reconciler.stats.settled == len(names), what="all settled")
    _status, body = await _web(live, "GET", "/api/live")
    assert body["calls"] == [] and body["concurrency"] == {}


async def test_kill_and_restart_rebuilds_live_calls(
    live: LiveHarness, shared_asterisk: Path
) -> None:
    await _ready(live)
    talking, _rest = _split_at_bridge(shared_asterisk)
    await live.asterisk.replay(talking)
    await until(lambda: len(live.switch.ami.tracker.calls) == 1)  # type: ignore[union-attr]
    live.switch.ami.tracker.calls.clear()  # type: ignore[union-attr]  # forget: rebuild must restore
    await live.asterisk.kill()
    await until(lambda: not live.switch.ami.client.connected)  # type: ignore[union-attr]
    await live.asterisk.restart()
    await until(lambda: live.switch.ami.live.rebuilds >= 2, what="rebuilt")  # type: ignore[union-attr]
    _status, body = await _web(live, "GET", "/api/live")
    [call] = body["calls"]
    assert call["phase"] == "talking" and call["endpoint"] == "PJSIP/buyer1"
    assert body["concurrency"] == {"PJSIP/buyer1": 1}
    _, metrics = await _web(live, "GET", "/metrics")
    assert "ivr_ami_reconnects_total 1.0" in metrics
    assert 'ivr_target_concurrency{target="PJSIP/buyer1"} 1.0' in metrics
    assert "ivr_ami_connected 1.0" in metrics


async def test_sse_delivers_changes_and_a_stalled_client_blocks_nothing(
    live: LiveHarness, shared_asterisk: Path
) -> None:
    await _ready(live)
    assert live.switch.web_address is not None
    host, port = live.switch.web_address
    request = f"GET /api/live/stream HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    _, stalled = await asyncio.open_connection(host, port)  # never reads a byte
    stalled.transport.get_extra_info("socket").setsockopt(
        __import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096
    )
    stalled.write(request)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request)
    await until(lambda: len(live.switch.ami.bus._subscriptions) == 2)  # type: ignore[union-attr]
    events = _events(shared_asterisk, "01-happy")
    await live.asterisk.replay(events)  # through TCP: the live client sees the call
    seen = b""
    while b'"Hangup"' not in seen:
        seen += await asyncio.wait_for(reader.read(65536), 5)
    assert b"event: snapshot" in seen and b"event: change" in seen
    # A burst as the AMI reader delivers it: synchronously, one event after another. The
    # publisher never waits for a subscriber; whoever cannot keep up loses the oldest events.
    ami = live.switch.ami
    assert ami is not None
    messages = [parse_message(block.wire()[:-4]) for block in events]
    for _ in range(STREAM_QUEUE // len(messages) + 3):
        for message in messages:
            ami.live.on_event(message)
    await ami.client.action({"Action": "Ping"})  # the AMI link still answers at once
    drops = ami.bus.drops()
    assert len(drops) == 2 and min(drops.values()) > 0
    _, metrics = await _web(live, "GET", "/metrics")
    assert "ivr_bus_dropped_events_total" in metrics
    writer.close()
    stalled.close()
