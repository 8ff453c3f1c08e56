"""Only the events the switch uses cross the wire: Asterisk 22's advanced `Filter` action
(corpus 09f2) leaves exactly the listed event types; responses to actions are never filtered.

A busy Asterisk sends dozens of Newexten/VarSet/AGIExec events per call (01-happy: 2,473 lines
for one call); the tracker needs a dozen of them.
"""

from __future__ import annotations

import logging

from ivr.ami.client import AmiClient

log = logging.getLogger("ivr.ami")

WANTED_EVENTS = (
    "Newchannel",
    "DialBegin",
    "DialEnd",
    "BridgeEnter",
    "BridgeLeave",
    "Hangup",
    "Cdr",
    "OriginateResponse",  # the outcome of a test call (actions.py)
    "Shutdown",
)


def include_filter(event: str) -> dict[str, str]:
    return {
        "Action": "Filter",
        "Operation": "Add",
        "MatchCriteria": f"action(include),name({event}),method(none)",
    }


async def install_filters(client: AmiClient) -> int:
    """Ask for the wanted events only; returns how many filters Asterisk accepted. A refused
    filter only means more events than needed: logged, not fatal."""
    accepted = 0
    for event in WANTED_EVENTS:
        answer = await client.action(include_filter(event))
        if answer.ok:
            accepted += 1
        else:
            log.warning("AMI Filter for %s refused: %s", event, answer.get("Message"))
    return accepted
