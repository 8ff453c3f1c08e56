"""Is the switch healthy, and is anything waiting? (``/healthz`` and the page header)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from ivr.web.keys import SWITCH

if TYPE_CHECKING:
    from ivr.app import Switch


def health_of(switch: Switch) -> dict[str, object]:
    return {
        "status": "degraded" if switch.store.degraded else "ok",
        "active_calls": switch.agi.active_calls,
        "records_waiting": switch.writer.backlog,
        "journal_unapplied": switch.journal.unapplied_count,
        "records_rejected": switch.writer.rejected,
        "database_failures": switch.writer.failures,
        "releases_pending": switch.store.pending_releases,
        "claims_granted_degraded": switch.store.degraded_claims,
    }


async def health(request: web.Request) -> web.Response:
    return web.json_response(health_of(request.app[SWITCH]))
