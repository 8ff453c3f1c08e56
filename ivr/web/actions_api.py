"""Operator actions over AMI, as POST endpoints with JSON answers:
`POST /api/targets/{id}/test-call`, `POST /api/live/{uniqueid}/hangup`,
`POST /api/asterisk/reload` (dialplan reload)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ivr.ami.actions import AmiActions
from ivr.ami.errors import AmiError, AmiNotConnected
from ivr.calls.dialing import target_dial_string
from ivr.web.keys import SWITCH
from ivr.web.live_api import ami_missing


def _error(status: type[web.HTTPException], message: str) -> web.HTTPException:
    return status(text=json.dumps({"error": message}), content_type="application/json")


def _actions(request: web.Request) -> AmiActions:
    ami = request.app[SWITCH].ami
    if ami is None:
        raise ami_missing()
    return ami.actions


async def _run(work: Any) -> web.Response:
    try:
        return web.json_response(await work)
    except AmiNotConnected:
        raise _error(web.HTTPServiceUnavailable, "AMI is not connected right now") from None
    except AmiError as exc:
        raise _error(web.HTTPBadGateway, f"Asterisk refused: {exc}") from None


async def test_call(request: web.Request) -> web.Response:
    actions = _actions(request)
    target_id = request.match_info["target_id"]
    target = request.app[SWITCH].plan.view.targets.get(target_id)
    if target is None:
        raise _error(web.HTTPNotFound, f"no target {target_id}")
    return await _run(actions.test_call(target_dial_string(target), target.ring_timeout_s))


async def hangup(request: web.Request) -> web.Response:
    actions = _actions(request)
    ami = request.app[SWITCH].ami
    assert ami is not None
    uniqueid = request.match_info["uniqueid"]
    channel = ami.tracker.find_channel(uniqueid)
    if channel is None:
        raise _error(web.HTTPNotFound, f"no live call {uniqueid}")
    return await _run(actions.hangup(channel))


async def reload_dialplan(request: web.Request) -> web.Response:
    return await _run(_actions(request).reload_dialplan())
