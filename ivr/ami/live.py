"""Wiring: AMI events -> call-state tracker and event bus; state rebuilt on every login."""

from __future__ import annotations

from ivr.ami.bus import Bus
from ivr.ami.client import AmiClient
from ivr.ami.protocol import AmiMessage
from ivr.ami.state import CallStateTracker


class LiveCalls:
    """Attach to a client before `start()`: every event feeds the tracker, then the bus."""

    def __init__(self, tracker: CallStateTracker, bus: Bus[AmiMessage] | None = None) -> None:
        self.tracker = tracker
        self.bus = bus if bus is not None else Bus()
        self.rebuilds = 0

    def attach(self, client: AmiClient) -> None:
        client.add_listener(self.on_event)

    def on_event(self, event: AmiMessage) -> None:
        self.tracker.apply(event.as_dict(), event.received_at)
        self.bus.publish(event)

    async def rebuild(self, client: AmiClient) -> None:
        """Use as the client's `on_connected` hook: events missed while disconnected are gone,
        so the channels Asterisk reports now replace the live picture."""
        answer = await client.action({"Action": "CoreShowChannels"})
        items = [item.as_dict() for item in answer.events]
        self.tracker.rebuild(items, answer.message.received_at)
        self.rebuilds += 1
