"""AMI side of the switch: a resilient client, live call state from events, an event bus."""

from ivr.ami.backoff import Backoff
from ivr.ami.bus import Bus, Subscription
from ivr.ami.client import AmiClient, AmiStats
from ivr.ami.errors import (
    AmiActionTimeout,
    AmiConnectionLost,
    AmiError,
    AmiLoginError,
    AmiNotConnected,
)
from ivr.ami.live import LiveCalls
from ivr.ami.protocol import AmiMessage
from ivr.ami.records import CallRecord, Leg, LiveCall
from ivr.ami.session import AmiResponse
from ivr.ami.state import CallStateTracker

__all__ = [
    "AmiActionTimeout",
    "AmiClient",
    "AmiConnectionLost",
    "AmiError",
    "AmiLoginError",
    "AmiMessage",
    "AmiNotConnected",
    "AmiResponse",
    "AmiStats",
    "Backoff",
    "Bus",
    "CallRecord",
    "CallStateTracker",
    "Leg",
    "LiveCall",
    "LiveCalls",
    "Subscription",
]
