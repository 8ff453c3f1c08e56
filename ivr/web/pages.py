"""HTML pages, rendered with jinja2. Autoescaping is on: caller ID names come from the caller
and reach the page verbatim (SIP display names can hold anything)."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import defer

from ivr.store.models import Call
from ivr.web.health import health_of
from ivr.web.keys import SWITCH

TEMPLATES = Environment(
    loader=PackageLoader("ivr.web", "templates"), autoescape=select_autoescape(["html"])
)
PAGE_SIZE = 100


async def recent_calls_page(request: web.Request) -> web.Response:
    switch = request.app[SWITCH]
    async with switch.db.read() as session:
        # The page shows no timeline: leave each call's events undecoded in the database.
        query = select(Call).options(defer(Call.events)).order_by(Call.started_at.desc())
        calls = (await session.scalars(query.limit(PAGE_SIZE))).all()
    html = TEMPLATES.get_template("calls.html").render(calls=calls, health=health_of(switch))
    return web.Response(text=html, content_type="text/html")
