"""The double's idea of which channels are up, kept from the events it sends, so that
CoreShowChannels answers like Asterisk did in corpus 09d after a reconnect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The channel snapshot fields, in the order Asterisk prints them.
SNAPSHOT_FIELDS = (
    "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName",
    "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode", "Context", "Exten",
    "Priority", "Uniqueid", "Linkedid",
)  # fmt: skip


@dataclass
class DoubleChannel:
    snapshot: dict[str, str]
    created_at: float
    application: str = ""
    application_data: str = ""
    bridge_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _hms(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class ChannelTable:
    def __init__(self) -> None:
        self.channels: dict[str, DoubleChannel] = {}

    def apply(self, event: Mapping[str, str], now: float) -> None:
        name, uniqueid = event.get("Event", ""), event.get("Uniqueid", "")
        if name == "Newchannel" and uniqueid:
            self.channels[uniqueid] = DoubleChannel(self._snapshot(event), now)
            return
        channel = self.channels.get(uniqueid)
        if channel is None:
            return
        if name == "Hangup":
            del self.channels[uniqueid]
            return
        channel.snapshot.update(self._snapshot(event))
        self._apply_activity(channel, name, event)

    def _apply_activity(self, channel: DoubleChannel, name: str, event: Mapping[str, str]) -> None:
        if name == "Newexten":
            channel.application = event.get("Application", "")
            channel.application_data = event.get("AppData", "")
        elif name == "DialBegin":
            # The Dial arguments are not in the event; tech/DialString is the target part.
            tech = event.get("DestChannel", "").split("/", 1)[0]
            channel.application = "Dial"
            channel.application_data = f"{tech}/{event.get('DialString', '')}"
            dest = self.channels.get(event.get("DestUniqueid", ""))
            if dest is not None:
                dest.application, dest.application_data = "AppDial", "(Outgoing Line)"
        elif name == "BridgeEnter":
            channel.bridge_id = event.get("BridgeUniqueid", "")
        elif name == "BridgeLeave":
            channel.bridge_id = ""

    @staticmethod
    def _snapshot(event: Mapping[str, str]) -> dict[str, str]:
        return {key: event[key] for key in SNAPSHOT_FIELDS if key in event}

    def core_show_channel(
        self, channel: DoubleChannel, action_id: str | None, now: float
    ) -> list[str]:
        lines = ["Event: CoreShowChannel"]
        if action_id is not None:
            lines.append(f"ActionID: {action_id}")
        lines += [f"{key}: {channel.snapshot.get(key, '')}" for key in SNAPSHOT_FIELDS]
        lines += [
            f"Application: {channel.application}",
            f"ApplicationData: {channel.application_data}",
            f"Duration: {_hms(now - channel.created_at)}",
            f"BridgeId: {channel.bridge_id}",
        ]
        return lines

    def hangup(self, name: str) -> DoubleChannel | None:
        for uniqueid, channel in self.channels.items():
            if channel.snapshot.get("Channel") == name:
                del self.channels[uniqueid]
                return channel
        return None
