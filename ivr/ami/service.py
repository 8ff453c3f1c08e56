"""The AMI side of a running switch: one client, the call-state tracker fed through LiveCalls,
the event bus, the operator actions. On every (re)login: event filters first, then the live
picture is rebuilt from CoreShowChannels (events missed while away are gone for good)."""

from __future__ import annotations

import logging

from ivr.ami.actions import AmiActions
from ivr.ami.backoff import Backoff
from ivr.ami.bus import Bus
from ivr.ami.client import AmiClient
from ivr.ami.errors import AmiLoginError
from ivr.ami.filters import install_filters
from ivr.ami.live import LiveCalls
from ivr.ami.protocol import AmiMessage
from ivr.ami.state import CallStateTracker, FinishedHook
from ivr.clock import Clock
from ivr.settings import Settings

log = logging.getLogger("ivr.ami")


class AmiService:
    def __init__(
        self, settings: Settings, clock: Clock, on_finished: FinishedHook | None = None
    ) -> None:
        assert settings.ami_host and settings.ami_user and settings.ami_secret
        self.tracker = CallStateTracker(on_finished=on_finished)
        self.bus: Bus[AmiMessage] = Bus()
        self.live = LiveCalls(self.tracker, self.bus)
        self.client = AmiClient(
            settings.ami_host,
            settings.ami_port,
            settings.ami_user,
            settings.ami_secret.get_secret_value(),
            ping_interval_s=settings.ami_ping_interval_s,
            action_timeout_s=settings.ami_action_timeout_s,
            backoff=Backoff(settings.ami_reconnect_base_s, settings.ami_reconnect_cap_s),
            clock=clock,
            on_connected=self._on_connected,
        )
        self.live.attach(self.client)
        self.actions = AmiActions(self.client)
        self.login_refused: str | None = None
        self.filters_accepted = 0

    async def _on_connected(self, client: AmiClient) -> None:
        self.filters_accepted = await install_filters(client)
        await self.live.rebuild(client)

    async def start(self) -> None:
        """Never raises for AMI trouble: the switch takes calls without AMI. A refused login is
        logged loudly (a configuration error: the client does not retry it)."""
        try:
            await self.client.start()
        except AmiLoginError as exc:
            self.login_refused = exc.server_message
            log.critical(
                "AMI DISABLED: %s. Live state, reconciliation and actions stay off until the "
                "AMI user/secret are fixed and the switch restarted.",
                exc,
            )

    async def stop(self) -> None:
        await self.client.close()
        self.bus.close()
