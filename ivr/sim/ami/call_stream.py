"""The AMI events Asterisk would send for a call the FastAGI double played, built like the real
streams (shared/asterisk calls/*/ami.log, filtered to the types of corpus 09f2): Newchannel,
DialBegin, DialEnd, BridgeEnter x2, BridgeLeave x2, Hangup per leg, the Cdr events at the end
(one per Dial) and the caller's Hangup. Every event carries `Timestamp:` (manager.conf
`timestampevents=yes`) with the double's virtual moment, so AMI and AGI agree on time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from ivr.sim.dial import DialAttempt
from ivr.sim.report import CallReport

Event = list[str]
# The cause Asterisk gives a leg for each Dial outcome (README table).
LEG_CAUSES = {
    "ANSWER": (16, "Normal Clearing"),
    "BUSY": (17, "User busy"),
    "NOANSWER": (0, "Unknown"),
    "CONGESTION": (34, "Circuit/channel congestion"),
    "CHANUNAVAIL": (1, "Unallocated (unassigned) number"),
    "CANCEL": (0, "Unknown"),
}
CDR_DISPOSITIONS = {"ANSWER": "ANSWERED", "BUSY": "BUSY", "CONGESTION": "FAILED"}


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    uniqueid: str
    linkedid: str
    caller_num: str
    context: str
    exten: str

    def block(self, state: str = "Up") -> list[str]:
        code = {"Up": "6", "Ring": "4", "Down": "0"}[state]
        return [
            f"Channel: {self.name}", f"ChannelState: {code}", f"ChannelStateDesc: {state}",
            f"CallerIDNum: {self.caller_num}", "CallerIDName: <unknown>",
            "ConnectedLineNum: <unknown>", "ConnectedLineName: <unknown>", "Language: en",
            "AccountCode: ", f"Context: {self.context}", f"Exten: {self.exten}", "Priority: 1",
            f"Uniqueid: {self.uniqueid}", f"Linkedid: {self.linkedid}",
        ]  # fmt: skip

    def dest_block(self) -> list[str]:
        return [f"Dest{line}" for line in self.block("Down")]


def _event(name: str, at: float, privilege: str, *body: str) -> tuple[float, Event]:
    return at, [f"Event: {name}", f"Privilege: {privilege},all", f"Timestamp: {at:.6f}", *body]


def _caller(report: CallReport) -> Channel:
    script = report.script
    return Channel(
        report.channel, report.uniqueid, report.uniqueid, script.caller, "from-carrier", script.did
    )


def _leg_events(caller: Channel, dial: DialAttempt, leg: Channel) -> list[tuple[float, Event]]:
    resource = dial.destination.partition("/")[2]
    ring_end = dial.answered_at if dial.answered_at is not None else dial.ended_at
    events = [
        _event("Newchannel", dial.started_at, "call", *leg.block("Down")),
        _event("DialBegin", dial.started_at, "call", *caller.block(), *leg.dest_block(),
               f"DialString: {resource}"),
        _event("DialEnd", ring_end, "call", *caller.block(), *leg.dest_block(),
               f"DialStatus: {dial.dialstatus}"),
    ]  # fmt: skip
    if dial.answered_at is not None and dial.dialstatus == "ANSWER":
        bridge = [f"BridgeUniqueid: {uuid.uuid5(uuid.NAMESPACE_URL, leg.uniqueid)}",
                  "BridgeType: basic", "BridgeTechnology: simple_bridge"]  # fmt: skip
        events += [
            _event("BridgeEnter", dial.answered_at, "call", *bridge, *leg.block()),
            _event("BridgeEnter", dial.answered_at, "call", *bridge, *caller.block()),
            _event("BridgeLeave", dial.ended_at, "call", *bridge, *caller.block()),
            _event("BridgeLeave", dial.ended_at, "call", *bridge, *leg.block()),
        ]
    cause, text = LEG_CAUSES.get(dial.dialstatus, (16, "Normal Clearing"))
    events.append(_event("Hangup", dial.ended_at, "call", *leg.block(), f"Cause: {cause}",
                         f"Cause-txt: {text}"))  # fmt: skip
    return events


def _cdr(caller: Channel, dial: DialAttempt, leg: Channel, end: float) -> tuple[float, Event]:
    def moment(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")

    billsec = int(dial.ended_at - dial.answered_at) if dial.answered_at is not None else 0
    return _event(
        "Cdr", end, "cdr", "AccountCode: ", f"Source: {caller.caller_num}",
        f"Destination: {caller.exten}", f"Channel: {caller.name}",
        f"DestinationChannel: {leg.name}", "LastApplication: Dial",
        f"LastData: {dial.dial_string}", f"StartTime: {moment(dial.started_at)}",
        f"AnswerTime: {moment(dial.answered_at) if dial.answered_at else ''}",
        f"EndTime: {moment(dial.ended_at)}", f"Duration: {int(dial.ended_at - dial.started_at)}",
        f"BillableSeconds: {billsec}",
        f"Disposition: {CDR_DISPOSITIONS.get(dial.dialstatus, 'NO ANSWER')}",
        f"UniqueID: {caller.uniqueid}",
    )  # fmt: skip


def call_stream(report: CallReport, ended_at: float | None = None, cause: int = 16) -> list[Event]:
    """The events of the whole call in time order; the caller hangs up at ``ended_at``
    (default: the end of its last Dial) with ``cause``."""
    caller = _caller(report)
    end = ended_at if ended_at is not None else max(
        [report.started_at, *(d.ended_at for d in report.dials)]
    )  # fmt: skip
    timed = [_event("Newchannel", report.started_at, "call", *caller.block("Ring"))]
    legs = []
    for number, dial in enumerate(report.dials, 1):
        name = dial.leg or f"{dial.destination}-{number:08x}"
        leg = Channel(name, f"{report.uniqueid}-leg{number}", report.uniqueid,
                      report.script.did, "from-buyer", "s")  # fmt: skip
        legs.append((dial, leg))
        timed += _leg_events(caller, dial, leg)
    timed += [_cdr(caller, dial, leg, end) for dial, leg in legs]
    timed.append(_event("Hangup", end, "call", *caller.block(), f"Cause: {cause}",
                        "Cause-txt: Normal Clearing"))  # fmt: skip
    return [event for _, event in sorted(timed, key=lambda pair: pair[0])]
