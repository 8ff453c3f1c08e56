"""Calls as JSON: the recent ones, and one with its timeline and routing attempts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import defer

from ivr.store.models import Call, RoutingAttempt
from ivr.web.keys import SWITCH

MAX_LIMIT = 500


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row(obj: Any, columns: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


# The timeline is not a call column in the API: only one call's body has it, under "events".
CALL_COLUMNS = [c.name for c in Call.__table__.columns if c.name not in ("id", "events")]
ATTEMPT_COLUMNS = [c.name for c in RoutingAttempt.__table__.columns if c.name != "call_id"]


def _switch(request: web.Request) -> Any:
    return request.app[SWITCH]


def _event(seq: int, event: dict[str, Any]) -> dict[str, Any]:
    """One step of the stored timeline, as the API showed it when steps were ``call_events``
    rows: numbered from 1, the moment as an ISO 8601 UTC time."""
    return {
        "seq": seq,
        "at": datetime.fromtimestamp(event["at"], UTC).isoformat(),
        "kind": event["kind"],
        "detail": event.get("detail") or {},
    }


async def recent_calls(request: web.Request) -> web.Response:
    try:
        limit = min(MAX_LIMIT, max(1, int(request.query.get("limit", "50"))))
    except ValueError:
        raise web.HTTPBadRequest(text="limit must be a whole number") from None
    # Not the timelines: a list shows none, and up to 500 of them would be decoded for nothing.
    query = select(Call).options(defer(Call.events)).order_by(Call.started_at.desc()).limit(limit)
    if "uniqueid" in request.query:
        query = query.where(Call.uniqueid == request.query["uniqueid"])
    async with _switch(request).db.read() as session:
        calls = await session.scalars(query)
        return web.json_response([_row(c, CALL_COLUMNS) for c in calls])


async def one_call(request: web.Request) -> web.Response:
    ref = request.match_info["ref"]
    async with _switch(request).db.read() as session:
        call = await session.scalar(select(Call).where(Call.ref == ref))
        if call is None:
            raise web.HTTPNotFound(text=f"no call {ref}")
        attempts = await session.scalars(
            select(RoutingAttempt).where(RoutingAttempt.call_id == call.id)
            .order_by(RoutingAttempt.seq)
        )  # fmt: skip
        body = _row(call, CALL_COLUMNS)
        body["events"] = [_event(seq, e) for seq, e in enumerate(call.events, 1)]
        body["attempts"] = [_row(a, ATTEMPT_COLUMNS) for a in attempts]
        return web.json_response(body)
