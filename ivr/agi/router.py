"""Which handler serves which FastAGI script: explicit registration, no discovery.

The script is ``agi_network_script`` without its ``?query`` (``inbound?flow=A`` -> ``inbound``);
the names are the entry points listed in docs/contracts.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr.agi.channel import AgiChannel

Handler = Callable[["AgiChannel"], Awaitable[None]]


class Router:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, script_name: str, handler: Handler) -> None:
        if not script_name or "?" in script_name:
            raise ValueError(f"bad FastAGI script name: {script_name!r}")
        if script_name in self._handlers:
            raise ValueError(f"FastAGI script {script_name!r} is already registered")
        self._handlers[script_name] = handler

    def resolve(self, script_name: str) -> Handler | None:
        return self._handlers.get(script_name)

    @property
    def scripts(self) -> list[str]:
        return sorted(self._handlers)
