"""Live calls: `GET /api/live` (a JSON snapshot) and `GET /api/live/stream` (Server-Sent
Events, one message per AMI event that changed a call).

The stream reads its own bounded bus subscription. A client that stops reading blocks only its
own handler in `write`; the AMI reader never waits for it: the bus drops the oldest queued
events for that subscriber and counts them (shown in /metrics)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ivr.ami.live_view import CallFacts, change_of, live_snapshot
from ivr.web.keys import SWITCH

if TYPE_CHECKING:
    from ivr.app import Switch

STREAM_QUEUE = 256  # events waiting per SSE client before the oldest are dropped
STATE_EVENTS = frozenset(
    {"Newchannel", "DialBegin", "DialEnd", "BridgeEnter", "BridgeLeave", "Hangup"}
)


def ami_missing() -> web.HTTPServiceUnavailable:
    return web.HTTPServiceUnavailable(
        text=json.dumps({"error": "AMI is not configured (IVR_AMI_HOST)"}),
        content_type="application/json",
    )


def snapshot_of(switch: Switch) -> dict[str, Any]:
    assert switch.ami is not None
    facts = {
        uniqueid: CallFacts(call.id, call.campaign_id, call.publisher_id, call.caller)
        for uniqueid, call in switch.deps.live.items()
    }
    body = live_snapshot(switch.ami.tracker, facts, switch.target_endpoints(), switch.clock.time())
    body["ami_connected"] = switch.ami.client.connected
    return body


async def live(request: web.Request) -> web.Response:
    switch = request.app[SWITCH]
    if switch.ami is None:
        raise ami_missing()
    return web.json_response(snapshot_of(switch))


def sse(kind: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


async def live_stream(request: web.Request) -> web.StreamResponse:
    switch = request.app[SWITCH]
    if switch.ami is None:
        raise ami_missing()
    subscription = switch.ami.bus.subscribe(f"sse-{id(request):x}", maxsize=STREAM_QUEUE)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    try:
        await response.prepare(request)
        await response.write(sse("snapshot", snapshot_of(switch)))
        async for event in subscription:
            if event.event in STATE_EVENTS:
                change = change_of(event.as_dict(), snapshot_of(switch))
                await response.write(sse("change", change))
    except (ConnectionResetError, ConnectionError):
        pass  # the client went away
    finally:
        subscription.close()
    return response
