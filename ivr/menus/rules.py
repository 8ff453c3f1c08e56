"""The menu's pure rules: which branch case holds, and whether gathered digits are acceptable.

No channel, no clock, no I/O: the engine passes in the local time, the tags and the region.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time

from ivr.plans.schema import WEEKDAYS, BranchCase, BranchNode, GatherNode, TimeRange

# A range cannot end at 24:00, so the plan writes 23:59 for "until midnight": that last minute
# is taken as included, or a 00:00-23:59 branch would be closed one minute a day.
END_OF_DAY = time(23, 59)


def in_hours(ranges: Iterable[TimeRange], local_time: time) -> bool:
    """True when ``local_time`` falls in one of the ranges (start inclusive, end exclusive)."""
    for hours in ranges:
        if hours.end == END_OF_DAY and local_time >= hours.start:
            return True
        if hours.start <= local_time < hours.end:
            return True
    return False


def case_holds(case: BranchCase, tags: frozenset[str], region: str | None, local: datetime) -> bool:
    """Every test the case names must hold; tests it leaves out are ignored."""
    if case.tag is not None and case.tag not in tags:
        return False
    if case.states and region not in case.states:
        return False
    if case.days and WEEKDAYS[local.weekday()] not in case.days:
        return False
    return not case.hours or in_hours(case.hours, local.time().replace(tzinfo=None))


def choose_branch(
    node: BranchNode, tags: frozenset[str], region: str | None, local: datetime
) -> str:
    """The ``next`` of the first case that holds, else the node's default."""
    for case in node.cases:
        if case_holds(case, tags, region, local):
            return case.next
    return node.default


@dataclass(frozen=True, slots=True)
class EntryCheck:
    valid: bool
    reason: str  # "ok", or why the entry was refused (for the step log)
    state: str | None = None  # the ZIP's state when validated as a ZIP


def check_entry(
    node: GatherNode, digits: str, state_of_zip: Callable[[str], str | None]
) -> EntryCheck:
    """Validate what a gather node read: its ``validate_as`` rule, then its ``pattern``."""
    if not digits:
        return EntryCheck(False, "empty")
    state = None
    if node.validate_as == "zip":
        if len(digits) != 5 or not digits.isdigit():
            return EntryCheck(False, "zip must be 5 digits")
        state = state_of_zip(digits)
        if state is None:
            return EntryCheck(False, "unknown zip")
    elif node.validate_as == "digits" and (len(digits) != node.digits or not digits.isdigit()):
        return EntryCheck(False, f"need exactly {node.digits} digits")
    if node.pattern is not None and re.fullmatch(node.pattern, digits) is None:
        return EntryCheck(False, "does not match pattern")
    return EntryCheck(True, "ok", state)
