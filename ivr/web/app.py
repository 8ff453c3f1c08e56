"""The web console and its JSON API (aiohttp).

What it serves: a page of recent calls, health, the recent calls as JSON, one call in full
with its timeline, the live calls (JSON and Server-Sent Events), operator actions over AMI and
Prometheus metrics. It binds to loopback by default and has no login yet,
so it must not be exposed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ivr.web import actions_api, calls_api, health, live_api, metrics_api, pages
from ivr.web.keys import SWITCH

if TYPE_CHECKING:
    from ivr.app import Switch


def init_app(switch: Switch) -> web.Application:
    app = web.Application()
    app[SWITCH] = switch
    setup_routes(app)
    return app


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/", pages.recent_calls_page)
    app.router.add_get("/healthz", health.health)
    app.router.add_get("/api/calls", calls_api.recent_calls)
    app.router.add_get("/api/calls/{ref}", calls_api.one_call)
    app.router.add_get("/api/live", live_api.live)
    app.router.add_get("/api/live/stream", live_api.live_stream)
    app.router.add_post("/api/live/{uniqueid}/hangup", actions_api.hangup)
    app.router.add_post("/api/targets/{target_id}/test-call", actions_api.test_call)
    app.router.add_post("/api/asterisk/reload", actions_api.reload_dialplan)
    app.router.add_get("/metrics", metrics_api.metrics)


class WebConsole:
    def __init__(self, switch: Switch) -> None:
        self._switch = switch
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        self._runner = web.AppRunner(init_app(self._switch), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp keeps the bound socket here; port 0 needs it
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname() if sockets else (host, port)
        return str(bound[0]), int(bound[1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
