"""The inputs of a routing decision besides the plan: what is known about the call, and how
busy each target is right now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from ivr.geo.callerid import CallerId
from ivr.geo.regions import state_of_area_code, state_of_zip


@dataclass(frozen=True, slots=True)
class CallFacts:
    at: datetime  # the decision instant, timezone-aware (UTC)
    caller_state: str | None = None  # state of the caller's area code
    caller_area_code: str | None = None
    zip: str | None = None  # ZIP gathered in the menu
    zip_state: str | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def state(self) -> str | None:
        """Where the call is: the gathered ZIP's state first, else the caller's area code's."""
        return self.zip_state or self.caller_state

    @classmethod
    def gather(
        cls,
        at: datetime,
        caller: CallerId | None = None,
        zip: str | None = None,
        tags: Iterable[str] = (),
    ) -> CallFacts:
        """Facts with the states looked up from the shipped area-code and ZIP tables."""
        area_code = caller.area_code if caller is not None else None
        return cls(
            at=at,
            caller_state=state_of_area_code(area_code),
            caller_area_code=area_code,
            zip=zip,
            zip_state=state_of_zip(zip),
            tags=frozenset(tags),
        )


class TargetLoad(NamedTuple):
    """Live claims (ringing or bridged) and connected calls in the target's current clock
    hour, day and month (its own time zone; see ``cap_periods``). A named tuple: one is built
    per target of every routed call, and a frozen dataclass cost five times as much to build."""

    active: int = 0
    hourly: int = 0
    daily: int = 0
    monthly: int = 0


NO_LOAD = TargetLoad()
