"""The one error boundary of a call: whatever a handler does, the call ends cleanly.

* the caller hung up (``ChannelHungUp`` escapes): a normal end, nothing to report;
* a command timed out (``AgiTimeout``): the reply stream cannot be trusted, the socket is
  already aborted, so the call just ends (the dialplan sees no ``IVR_DONE`` and uses its
  fail-safe);
* anything else: logged with its traceback, then ``IVR_FAILSAFE=1`` and a short, fixed
  ``IVR_FAILSAFE_REASON`` are set if the channel still takes commands, so the dialplan routes the
  caller to its fail-safe destination (docs/contracts.md).

Closing the socket is the server's job, in a ``finally``: an open socket keeps the Asterisk
channel alive forever (shared/asterisk calls/flowE-agi-linger-after-hangup).
"""

from __future__ import annotations

import logging
import re

from ivr.agi.api import AgiError, AgiTimeout, ChannelHungUp
from ivr.agi.channel import AgiChannel
from ivr.agi.router import Handler

log = logging.getLogger(__name__)

_UNSAFE_REASON_CHARS = re.compile(r"[^A-Za-z0-9_.:-]")


def failsafe_reason(kind: str, exc: BaseException | None = None) -> str:
    """A reason built only from fixed words and a class name: never caller data."""
    reason = kind if exc is None else f"{kind}:{type(exc).__name__}"
    return _UNSAFE_REASON_CHARS.sub("_", reason)[:64]


async def set_failsafe(channel: AgiChannel, reason: str) -> bool:
    """Ask the dialplan to take over; False when the channel no longer takes commands."""
    if not channel.usable:
        return False
    try:
        await channel.set_variable("IVR_FAILSAFE", "1")
        await channel.set_variable("IVR_FAILSAFE_REASON", reason)
    except AgiError as exc:
        log.warning("call %s: could not set IVR_FAILSAFE: %s", channel.env.uniqueid, exc)
        return False
    return True


async def run_handler(channel: AgiChannel, handler: Handler) -> None:
    """Run ``handler`` for one call; never raises except on cancellation."""
    call = channel.env.uniqueid
    try:
        await handler(channel)
    except ChannelHungUp as exc:
        log.debug("call %s: ended by hang-up (%s)", call, exc)
    except AgiTimeout as exc:
        log.warning("call %s (%s): %s; call dropped", call, channel.env.script, exc)
    except Exception as exc:
        log.exception("call %s (%s): handler failed", call, channel.env.script)
        await set_failsafe(channel, failsafe_reason("handler-error", exc))
