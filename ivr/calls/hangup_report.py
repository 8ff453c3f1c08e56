"""The ``hangup`` entry point: the dialplan's hangup handler reports the end of every call.

For a call still handled here, the report only adds its cause to the timeline: the inbound
session closes the record itself. A call nobody is handling any more (its session died with an
app restart, a crash or a cut network) is closed from the report, so no record stays open.
"""

from __future__ import annotations

import logging

from ivr.agi.api import CallChannel
from ivr.calls.deps import CallDeps

log = logging.getLogger(__name__)


async def handle_hangup_report(channel: CallChannel, deps: CallDeps) -> None:
    env = channel.env
    cause = env.args[0] if env.args else ""
    now = deps.clock.time()
    live = deps.live.get(env.uniqueid)
    if live is not None:
        live.event(now, "hangup.report", cause=cause)
        return
    if await deps.store.close_orphan(env.uniqueid, cause, now):
        log.warning("call %s ended without its session: closed from the hangup report",
                    env.uniqueid)  # fmt: skip
