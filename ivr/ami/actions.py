"""Operator actions over AMI: a test call to a buyer line, hanging up a live call, reloading
the dialplan. Each returns plain data for the web API; errors say what went wrong.

A test call is an async Originate (corpus 09e): Asterisk answers `Originate successfully
queued` at once and reports the outcome later in an `OriginateResponse` event carrying the
same ActionID (Reason 4 answered, 3 no answer, 0 failed before any progress).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ivr.ami.client import AmiClient
from ivr.ami.errors import AmiError
from ivr.ami.protocol import AmiMessage

ORIGINATE_REASONS = {
    "4": "answered",
    "3": "no_answer",
    "0": "failed",
    "5": "busy",
    "8": "congestion",
}
EARLY_KEPT = 100
TEST_CALL_PROMPT = "ivr/ivr-please-hold"  # what the buyer hears when it answers a test call


class ActionFailed(AmiError):
    """Asterisk answered the action with an error; the message is Asterisk's own."""


@dataclass
class AmiActions:
    client: AmiClient
    originate_wait_s: float = 45.0  # longer than any ring timeout of a test call
    _waiting: dict[str, asyncio.Future[AmiMessage]] = field(default_factory=dict)
    # The event can be read before the awaiting coroutine resumes with the ActionID: kept here.
    _early: dict[str, AmiMessage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.client.add_listener(self._on_event)

    def _on_event(self, event: AmiMessage) -> None:
        if event.event != "OriginateResponse":
            return
        future = self._waiting.get(event.action_id or "")
        if future is not None and not future.done():
            future.set_result(event)
        elif future is None:
            self._early[event.action_id or ""] = event
            while len(self._early) > EARLY_KEPT:
                del self._early[next(iter(self._early))]

    async def test_call(self, dial_string: str, ring_timeout_s: int) -> dict[str, Any]:
        action = {
            "Action": "Originate",
            "Channel": dial_string,
            "Application": "Playback",
            "Data": TEST_CALL_PROMPT,
            "Timeout": str(ring_timeout_s * 1000),
            "CallerID": '"IVR test call" <0>',
            "Async": "true",
        }
        loop = asyncio.get_running_loop()
        answer = await self.client.action(action)
        if not answer.ok:
            raise ActionFailed(answer.get("Message") or "Originate refused")
        action_id = answer.message.action_id or ""
        future: asyncio.Future[AmiMessage] = loop.create_future()
        early = self._early.pop(action_id, None)
        if early is not None:
            future.set_result(early)
        self._waiting[action_id] = future
        try:
            event = await asyncio.wait_for(future, self.originate_wait_s)
        except TimeoutError:
            return {"queued": True, "outcome": "pending", "dial_string": dial_string}
        finally:
            self._waiting.pop(action_id, None)
        reason = event.get("Reason") or ""
        return {
            "queued": True,
            "outcome": ORIGINATE_REASONS.get(reason, f"reason_{reason}"),
            "response": event.get("Response"),
            "reason": reason,
            "channel": event.get("Channel"),
            "dial_string": dial_string,
        }

    async def hangup(self, channel: str) -> dict[str, Any]:
        answer = await self.client.action({"Action": "Hangup", "Channel": channel, "Cause": "16"})
        if not answer.ok:
            raise ActionFailed(answer.get("Message") or "Hangup refused")
        return {"hung_up": channel, "message": answer.get("Message")}

    async def reload_dialplan(self) -> dict[str, Any]:
        answer = await self.client.action({"Action": "Command", "Command": "dialplan reload"})
        output = answer.message.get_all("Output")
        if not answer.ok:
            raise ActionFailed(answer.get("Message") or "Command refused")
        return {"reloaded": True, "output": output}
