"""One client connection to the AMI double: login state, event mask, filters, actions."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from ivr.ami.protocol import parse_message
from ivr.sim.ami import replies

if TYPE_CHECKING:
    from ivr.sim.ami.server import AmiDouble

_CRITERIA = re.compile(r"^action\((include|exclude)\),name\(([^)]*)\),method\(none\)$")


class DoubleSession:
    def __init__(
        self,
        double: AmiDouble,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        session_id: int,
    ) -> None:
        self.double = double
        self.writer = writer
        self.session_id = session_id
        self.logged_in = False
        self.closing = False
        self.event_classes: set[str] | None = set()  # None = all ("on")
        self.include_names: set[str] = set()
        self.exclude_names: set[str] = set()
        self.regex_filters: list[re.Pattern[str]] = []

    # -- output ------------------------------------------------------------------------------

    def send(self, *messages: list[str]) -> None:
        self.send_raw(b"".join(("\r\n".join(m) + "\r\n\r\n").encode() for m in messages))

    def send_raw(self, data: bytes) -> None:
        if not self.writer.is_closing() and not self.double.half_open:
            self.writer.write(data)

    def wants(self, fields: dict[str, str], lines: list[str]) -> bool:
        if not self.logged_in or self.double.half_open:
            return False
        name = fields.get("Event", "")
        event_class = fields.get("Privilege", "").split(",", 1)[0]
        if self.event_classes is not None and event_class not in self.event_classes:
            return False
        if name in self.exclude_names:
            return False
        if not self.include_names and not self.regex_filters:
            return True
        return name in self.include_names or any(
            rx.search(line) for rx in self.regex_filters for line in lines
        )

    def close(self) -> None:
        self.closing = True
        if not self.writer.is_closing():
            self.writer.close()

    def abort(self) -> None:
        self.closing = True
        self.writer.transport.abort()

    # -- actions -----------------------------------------------------------------------------

    async def handle(self, block: bytes) -> None:
        message = parse_message(block)
        action = {key.lower(): value for key, value in reversed(message.headers)}
        self.double.actions_seen.append(action)
        name = action.get("action", "").lower()
        action_id = action.get("actionid")
        if name == "login":
            await self._login(action, action_id)
        elif not self.logged_in:
            self.send(replies.response("Error", action_id, "Permission denied"))
        else:
            await self._dispatch(name, action, action_id)

    async def _dispatch(self, name: str, action: dict[str, str], action_id: str | None) -> None:
        handlers = {
            "ping": self._ping,
            "events": self._events,
            "filter": self._filter,
            "command": self._command,
            "coreshowchannels": self._core_show_channels,
            "originate": self._originate,
            "hangup": self._hangup,
            "logoff": self._logoff,
        }
        handler = handlers.get(name)
        if handler is None:
            self.send(replies.unknown_action(action.get("action", ""), action_id))
        else:
            await handler(action, action_id)

    async def _login(self, action: dict[str, str], action_id: str | None) -> None:
        double = self.double
        if action.get("username") != double.username or action.get("secret") != double.secret:
            double.login_failures += 1
            # Asterisk answers a bad login only after a delay, then hangs up (corpus 09a).
            await asyncio.sleep(double.auth_failure_delay_s)
            self.send(replies.response("Error", action_id, "Authentication failed"))
            self.close()
            return
        double.logins += 1
        self.logged_in = True
        self.event_classes = _event_classes(action.get("events", "on"))
        self.send(replies.response("Success", action_id, "Authentication accepted"))
        self._send_login_events(action)

    def _send_login_events(self, action: dict[str, str]) -> None:
        booted = replies.fully_booted(self.double.uptime_s())
        local = f"{self.double.host}/{self.double.port}"
        peer = self.writer.get_extra_info("peername") or ("127.0.0.1", 0)
        auth = replies.successful_auth(
            action.get("username", ""),
            f"0x{self.session_id:x}",
            local,
            f"{peer[0]}/{peer[1]}",
            self.double.event_tv(),
        )
        for event in (booted, auth):
            fields = dict(line.split(": ", 1) for line in event[:2])
            if self.wants(fields, event):
                self.send(event)

    async def _ping(self, action: dict[str, str], action_id: str | None) -> None:
        stamp = f"{self.double.now():.6f}"
        pong = {"Ping": "Pong", "Timestamp": stamp}
        self.send(replies.response("Success", action_id, fields=pong))

    async def _events(self, action: dict[str, str], action_id: str | None) -> None:
        self.event_classes = _event_classes(action.get("eventmask", "on"))
        state = "Off" if self.event_classes == set() else "On"
        self.send(replies.response("Success", action_id, fields={"Events": state}))

    async def _filter(self, action: dict[str, str], action_id: str | None) -> None:
        criteria = action.get("matchcriteria")
        if criteria is not None:
            match = _CRITERIA.match(criteria)
            if match is None:
                self.send(replies.response("Error", action_id, replies.FILTER_SYNTAX_ERROR))
                return
            target = self.include_names if match[1] == "include" else self.exclude_names
            target.add(match[2])
        elif "filter" in action:
            self.regex_filters.append(re.compile(action["filter"]))
        self.send(replies.response("Success", action_id, "Success"))

    async def _command(self, action: dict[str, str], action_id: str | None) -> None:
        output = replies.command_output(action.get("command", ""))
        reply = replies.response("Success", action_id, "Command output follows")
        self.send(reply + [f"Output: {line}" for line in output])

    async def _core_show_channels(self, action: dict[str, str], action_id: str | None) -> None:
        self.send(*self.double.core_show_channels(action_id))

    async def _hangup(self, action: dict[str, str], action_id: str | None) -> None:
        channel = self.double.channels.hangup(action.get("channel", ""))
        if channel is None:
            self.send(replies.response("Error", action_id, "No such channel"))
            return
        self.send(replies.response("Success", action_id, "Channel Hungup"))
        cause = action.get("cause", "16")
        snapshot = [f"{key}: {value}" for key, value in channel.snapshot.items()]
        await self.double.emit(
            ["Event: Hangup", "Privilege: call,all", *snapshot, f"Cause: {cause}", "Cause-txt: "]
        )

    async def _originate(self, action: dict[str, str], action_id: str | None) -> None:
        outcome = self.double.originate_outcome
        if action.get("async", "false").lower() not in ("true", "yes", "1"):
            # Sync: the answer waits for the outcome (09e case 6/7).
            await asyncio.sleep(self.double.originate_delay_s)
            if outcome == "answer":
                self.send(replies.response("Success", action_id, "Originate successfully queued"))
            else:
                self.send(replies.response("Error", action_id, "Originate failed"))
            return
        self.send(replies.response("Success", action_id, "Originate successfully queued"))
        self.double.spawn(self._originate_later(action, outcome))

    async def _originate_later(self, action: dict[str, str], outcome: str) -> None:
        await asyncio.sleep(self.double.originate_delay_s)
        channel = f"{action.get('channel', '')}-{self.session_id & 0xFFFFFFFF:08x}"
        uniqueid = f"{self.double.now():.0f}.{self.session_id & 0xFF}"
        await self.double.emit(replies.originate_response(action, outcome, channel, uniqueid))

    async def _logoff(self, action: dict[str, str], action_id: str | None) -> None:
        self.send(replies.response("Goodbye", action_id, "Thanks for all the fish."))
        self.close()


def _event_classes(mask: str) -> set[str] | None:
    """`on` = everything, `off` = nothing, else a list of classes (`call,cdr`)."""
    value = mask.strip().lower()
    if value in ("on", "yes", "true", ""):
        return None
    if value in ("off", "no", "false"):
        return set()
    return {part.strip() for part in value.split(",") if part.strip()}
