"""What the menu engine takes in (``MenuContext``) and hands back (``MenuResult``, ``MenuStep``).

Plain data: the call controller builds the context from the campaign and the caller, and reads
the result to decide whether to route, hang up, or fall back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ivr.clock import Clock


class MenuOutcome(StrEnum):
    ROUTE = "route"  # a route node was reached: the caller qualifies, find a buyer
    HANGUP = "hangup"  # a hangup node was reached: ``disposition`` is the node's
    CALLER_HANGUP = "caller_hangup"  # the caller left mid-menu
    FAILED_IVR = "failed_ivr"  # the menu itself is broken (loop, unknown node, AGI error)


class StepResult(StrEnum):
    """What happened in one step; ``MenuStep.next_node`` says where the menu went next."""

    PLAYED = "played"
    BARGE_IN = "barge_in"  # a play was cut short by a digit, kept as type-ahead
    MISSING_PROMPT = "missing_prompt"  # Asterisk could not find the file; the menu goes on
    SELECTED = "selected"
    GATHERED = "gathered"
    TIMEOUT = "timeout"
    INVALID = "invalid"
    BRANCHED = "branched"
    TAGGED = "tagged"
    ROUTE = "route"
    HANGUP = "hangup"
    CALLER_HANGUP = "caller_hangup"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuContext:
    """Everything the engine needs besides the menu and the channel; all of it injected."""

    clock: Clock
    timezone: str  # the campaign's IANA zone: branch hours and days are read in it
    resolve_prompt: Callable[[str], str]  # plan prompt name -> what STREAM FILE / GET DATA play
    state_of_zip: Callable[[str], str | None]  # 5-digit ZIP -> US state code, None if unknown
    caller_state: str | None = None  # from the caller ID's area code, if known
    tags: frozenset[str] = frozenset()  # tags the call already carries (publisher, number...)
    max_steps: int = 100  # node visits allowed before the menu is declared broken


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuStep:
    """One node visit, or one try of a menu or gather node (``attempt`` counts from 1)."""

    node_id: str
    node_type: str
    started_at: float  # epoch seconds, from the context clock
    ended_at: float
    prompt: str | None  # the plan's prompt name played in this step, if any
    input: str | None  # digits the caller entered in this step, if any
    result: StepResult
    next_node: str | None = None  # None while a node retries, or when the menu ended here
    attempt: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuResult:
    outcome: MenuOutcome
    # filtered / ivr_hangup / failed_ivr (hangup node), caller_hangup, failed_ivr; None on route
    disposition: str | None
    tags: frozenset[str]
    gathered: Mapping[str, str]  # save_as -> digits, e.g. {"zip": "60601"}
    region: str | None  # state from a gathered ZIP if any, else the caller's state
    steps: tuple[MenuStep, ...]
    last_node: str | None = None
    error: str | None = None  # why the menu failed (failed_ivr only)
