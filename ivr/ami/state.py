"""Live call state built from AMI events; a pure state machine (no I/O), fed event dicts.

Calls are keyed by Linkedid (shared by the caller's channel and every leg it dials), channels
by Uniqueid. After a reconnect, `rebuild` resets the live picture from a CoreShowChannels
answer, keeping what was already known about calls that are still up.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping

from ivr.ami.records import (
    BridgeStay,
    CallRecord,
    Leg,
    LiveCall,
    endpoint_from_channel,
    endpoint_from_dial,
)

Event = Mapping[str, str]
FinishedHook = Callable[[CallRecord], None]


def event_time(event: Event, received_at: float) -> float:
    """Asterisk stamps events itself only with `timestampevents=yes` (`Timestamp:` header);
    otherwise the moment the event was read is the best we have."""
    stamp = event.get("Timestamp")
    try:
        return float(stamp) if stamp else received_at
    except ValueError:
        return received_at


def _cause(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class CallStateTracker:
    def __init__(self, max_finished: int = 1000, on_finished: FinishedHook | None = None) -> None:
        self.calls: dict[str, CallRecord] = {}
        self.finished: OrderedDict[str, CallRecord] = OrderedDict()
        self._max_finished = max_finished
        self._on_finished = on_finished
        self._linkedid_of: dict[str, str] = {}  # Uniqueid -> Linkedid, live and recent calls
        self._handlers: dict[str, Callable[[Event, float], None]] = {
            "Newchannel": self._on_newchannel,
            "DialBegin": self._on_dial_begin,
            "DialEnd": self._on_dial_end,
            "BridgeEnter": self._on_bridge_enter,
            "BridgeLeave": self._on_bridge_leave,
            "Hangup": self._on_hangup,
            "Cdr": self._on_cdr,
            "VarSet": self._on_varset,
        }

    # -- queries -----------------------------------------------------------------------------

    def live_calls(self) -> list[LiveCall]:
        result = []
        for call in self.calls.values():
            phase, leg, since = call.phase()
            target = leg.endpoint if leg is not None else None
            result.append(LiveCall(call.linkedid, call.caller_channel, phase, target, since))
        return sorted(result, key=lambda live: live.since)

    def concurrency(self) -> Counter[str]:
        """Lines in use per dialled target: legs ringing, answered or bridged."""
        counts: Counter[str] = Counter()
        for call in self.calls.values():
            counts.update(leg.endpoint for leg in call.legs if leg.active)
        return counts

    def take_finished(self) -> list[CallRecord]:
        """Finished calls, oldest first, removed from the tracker (late Cdr events for them
        are then ignored)."""
        records = list(self.finished.values())
        for record in records:
            self._forget(record)
        self.finished.clear()
        return records

    def take(self, linkedid: str) -> CallRecord | None:
        """One finished call, removed from the tracker (None if unknown or still live)."""
        record = self.finished.pop(linkedid, None)
        if record is not None:
            self._forget(record)
        return record

    def find_channel(self, uniqueid: str) -> str | None:
        """The channel name of a live channel (the caller's or a leg's), for a Hangup action."""
        call = self.calls.get(self._linkedid_of.get(uniqueid, ""))
        if call is None or uniqueid not in call.live_channels:
            return None
        if uniqueid == call.caller_uniqueid:
            return call.caller_channel
        leg = call.leg(uniqueid)
        return leg.channel if leg is not None else None

    # -- events ------------------------------------------------------------------------------

    def apply(self, event: Event, received_at: float) -> None:
        handler = self._handlers.get(event.get("Event", ""))
        if handler is not None:
            handler(event, event_time(event, received_at))

    def _on_newchannel(self, event: Event, at: float) -> None:
        self._call_for(event, at)

    def _call_for(self, event: Event, at: float) -> CallRecord | None:
        """The call of the event's channel, created if this is the first sight of it."""
        uniqueid, linkedid = event.get("Uniqueid", ""), event.get("Linkedid", "")
        if not uniqueid or not linkedid:
            return None
        call = self.calls.get(linkedid)
        if call is None:
            if linkedid in self.finished:
                return None  # a straggler of an ended call must not resurrect it
            call = CallRecord(linkedid, uniqueid, event.get("Channel", ""), at)
            self.calls[linkedid] = call
        call.live_channels.add(uniqueid)
        self._linkedid_of[uniqueid] = linkedid
        return call

    def _on_dial_begin(self, event: Event, at: float) -> None:
        call = self._call_for(event, at)
        dest_uniqueid = event.get("DestUniqueid", "")
        if call is None or not dest_uniqueid or call.leg(dest_uniqueid) is not None:
            return
        dest_channel = event.get("DestChannel", "")
        endpoint = endpoint_from_dial(dest_channel, event.get("DialString", ""))
        call.legs.append(Leg(dest_uniqueid, dest_channel, endpoint, at))
        call.live_channels.add(dest_uniqueid)
        self._linkedid_of[dest_uniqueid] = call.linkedid

    def _on_dial_end(self, event: Event, at: float) -> None:
        leg = self._leg(event.get("DestUniqueid", ""))
        if leg is not None and leg.dial_status is None:
            leg.dial_status = event.get("DialStatus") or None
            leg.dial_ended_at = at

    def _on_bridge_enter(self, event: Event, at: float) -> None:
        call = self._call_for(event, at)
        if call is None:
            return
        stay = BridgeStay(event.get("BridgeUniqueid", ""), at)
        leg = call.leg(event.get("Uniqueid", ""))
        if leg is not None:
            leg.bridge = stay
        elif event.get("Uniqueid") == call.caller_uniqueid:
            call.caller_bridges.append(stay)

    def _on_bridge_leave(self, event: Event, at: float) -> None:
        call = self.calls.get(event.get("Linkedid", ""))
        if call is None:
            return
        uniqueid = event.get("Uniqueid", "")
        leg = call.leg(uniqueid)
        if leg is not None:
            stays = [leg.bridge] if leg.bridge is not None else []
        else:
            stays = call.caller_bridges if uniqueid == call.caller_uniqueid else []
        for stay in stays:
            if stay.bridge_id == event.get("BridgeUniqueid") and stay.left_at is None:
                stay.left_at = at

    def _on_hangup(self, event: Event, at: float) -> None:
        uniqueid = event.get("Uniqueid", "")
        call = self.calls.get(event.get("Linkedid", ""))
        if call is None:
            return
        cause, cause_txt = _cause(event.get("Cause")), event.get("Cause-txt", "")
        leg = call.leg(uniqueid)
        if leg is not None:
            leg.hangup_cause, leg.hangup_cause_txt = cause, cause_txt
            leg.tech_cause, leg.hung_up_at = event.get("TechCause", ""), at
        if uniqueid == call.caller_uniqueid:
            call.hangup_cause, call.hangup_cause_txt = cause, cause_txt
        call.live_channels.discard(uniqueid)
        if not call.live_channels:
            self._finish(call, at)

    def _on_cdr(self, event: Event, at: float) -> None:
        linkedid = self._linkedid_of.get(event.get("UniqueID", ""))
        call = self.calls.get(linkedid or "") or self.finished.get(linkedid or "")
        if call is not None:
            call.cdrs.append(dict(event))

    def _on_varset(self, event: Event, at: float) -> None:
        # Only the app's own variables (IVR_ANSWERED_AT, ...): the rest is dialplan noise.
        name = event.get("Variable", "")
        call = self.calls.get(event.get("Linkedid", ""))
        if call is not None and name.startswith("IVR_"):
            call.variables[name] = event.get("Value", "")

    # -- bookkeeping -------------------------------------------------------------------------

    def _leg(self, uniqueid: str) -> Leg | None:
        call = self.calls.get(self._linkedid_of.get(uniqueid, ""))
        return call.leg(uniqueid) if call is not None else None

    def _finish(self, call: CallRecord, at: float, *, unobserved: bool = False) -> None:
        call.ended_at, call.ended_unobserved = at, unobserved
        del self.calls[call.linkedid]
        self.finished[call.linkedid] = call
        while len(self.finished) > self._max_finished:
            _, oldest = self.finished.popitem(last=False)
            self._forget(oldest)
        if self._on_finished is not None:
            self._on_finished(call)

    def _forget(self, call: CallRecord) -> None:
        for uniqueid in [call.caller_uniqueid, *(leg.uniqueid for leg in call.legs)]:
            if self._linkedid_of.get(uniqueid) == call.linkedid:
                del self._linkedid_of[uniqueid]

    # -- after a reconnect -------------------------------------------------------------------

    def rebuild(self, channels: Iterable[Event], at: float) -> None:
        """Reset the live picture from CoreShowChannel items (corpus 09d)."""
        groups: dict[str, list[Event]] = {}
        for item in channels:
            if item.get("Uniqueid") and item.get("Linkedid"):
                groups.setdefault(item["Linkedid"], []).append(item)
        for linkedid in [lid for lid in self.calls if lid not in groups]:
            self._end_unobserved(self.calls[linkedid], at)
        for linkedid, items in groups.items():
            self._rebuild_call(linkedid, items, at)

    def _end_unobserved(self, call: CallRecord, at: float) -> None:
        for leg in call.legs:
            if leg.hung_up_at is None:
                leg.hung_up_at, leg.approximate = at, True
        self._finish(call, at, unobserved=True)

    def _rebuild_call(self, linkedid: str, items: list[Event], at: float) -> None:
        caller = next((i for i in items if i["Uniqueid"] == linkedid), items[0])
        call = self.calls.get(linkedid)
        if call is None:
            started = at - _duration_s(caller.get("Duration", ""))
            call = CallRecord(linkedid, caller["Uniqueid"], caller.get("Channel", ""), started)
            call.rebuilt = True
            self.calls[linkedid] = call
        alive = {item["Uniqueid"] for item in items}
        for leg in call.legs:
            if leg.hung_up_at is None and leg.uniqueid not in alive:
                leg.hung_up_at, leg.approximate = at, True
        call.live_channels = alive
        for item in items:
            self._linkedid_of[item["Uniqueid"]] = linkedid
            if item is not caller:
                _rebuild_leg(call, item, caller, at)
        _rebuild_caller_bridge(call, caller, at)


def _rebuild_caller_bridge(call: CallRecord, item: Event, at: float) -> None:
    bridge_id = item.get("BridgeId", "")
    open_stays = [s for s in call.caller_bridges if s.left_at is None]
    for stay in open_stays:
        if stay.bridge_id != bridge_id:
            stay.left_at = at
    if bridge_id and not any(s.bridge_id == bridge_id for s in open_stays):
        # Joined while we were away: no earlier than the legs we found in the same bridge.
        entered = [
            leg.bridge.entered_at
            for leg in call.legs
            if leg.bridge is not None and leg.bridge.bridge_id == bridge_id
        ]
        call.caller_bridges.append(BridgeStay(bridge_id, min(entered, default=at)))


def _rebuild_leg(call: CallRecord, item: Event, caller: Event, at: float) -> None:
    uniqueid, bridge_id = item["Uniqueid"], item.get("BridgeId", "")
    leg = call.leg(uniqueid)
    if leg is None:
        began = at - _duration_s(item.get("Duration", ""))
        endpoint = _dialled_endpoint(caller) or endpoint_from_channel(item.get("Channel", ""))
        leg = Leg(uniqueid, item.get("Channel", ""), endpoint, began, approximate=True)
        call.legs.append(leg)
    if item.get("ChannelStateDesc") == "Up" and leg.dial_status is None:
        leg.dial_status, leg.dial_ended_at = "ANSWER", leg.dial_ended_at or at
    if bridge_id and leg.bridge is None:
        leg.bridge = BridgeStay(bridge_id, leg.dial_began_at if leg.approximate else at)
    elif not bridge_id and leg.bridge is not None and leg.bridge.left_at is None:
        leg.bridge.left_at = at


def _dialled_endpoint(caller: Event) -> str | None:
    """While Dial runs, the caller's ApplicationData is its argument, e.g. `PJSIP/buyer1,10,g`."""
    if caller.get("Application") != "Dial":
        return None
    target = caller.get("ApplicationData", "").split(",", 1)[0]
    return target if target and "&" not in target else None


def _duration_s(text: str) -> float:
    """CoreShowChannel `Duration: 00:00:02` -> 2.0."""
    try:
        hours, minutes, seconds = (int(part) for part in text.split(":"))
    except ValueError:
        return 0.0
    return float(hours * 3600 + minutes * 60 + seconds)
