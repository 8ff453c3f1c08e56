"""`GET /metrics`: the switch's own Prometheus registry (ivr.metrics)."""

from __future__ import annotations

from aiohttp import web

from ivr.web.keys import SWITCH


async def metrics(request: web.Request) -> web.Response:
    body, content_type = request.app[SWITCH].metrics.render()
    # aiohttp wants the charset apart from the media type.
    media_type, _, params = content_type.partition(";")
    charset = params.partition("charset=")[2].strip() or "utf-8"
    return web.Response(body=body, content_type=media_type.strip(), charset=charset)
