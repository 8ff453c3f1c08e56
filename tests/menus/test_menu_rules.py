"""The pure rules under the engine: hours ranges and entry validation."""

from __future__ import annotations

from datetime import time

import pytest
from menu_builders import state_of_zip

from ivr.menus.rules import check_entry, in_hours
from ivr.plans.schema import GatherNode, TimeRange


def hours(start: str, end: str) -> TimeRange:
    return TimeRange.model_validate({"start": start, "end": end})


@pytest.mark.parametrize(
    ("at", "inside"),
    [(time(8, 59, 59), False), (time(9, 0), True), (time(16, 59, 59), True), (time(17, 0), False)],
)
def test_hours_start_inclusive_end_exclusive(at: time, inside: bool) -> None:
    assert in_hours([hours("09:00", "17:00")], at) is inside


def test_an_end_of_2359_means_until_midnight() -> None:
    assert in_hours([hours("18:00", "23:59")], time(23, 59, 30))
    assert not in_hours([hours("18:00", "23:59")], time(17, 59))


def gather(**fields: object) -> GatherNode:
    base: dict[str, object] = {
        "type": "gather",
        "prompt": "p",
        "digits": 5,
        "next": "a",
        "failure": "b",
    }
    return GatherNode.model_validate(base | fields)


@pytest.mark.parametrize(
    ("digits", "valid", "state"),
    [("60601", True, "IL"), ("00000", False, None), ("6060", False, None), ("6060*", False, None)],
)
def test_zip_entry(digits: str, valid: bool, state: str | None) -> None:
    check = check_entry(gather(validate_as="zip"), digits, state_of_zip)
    assert (check.valid, check.state) == (valid, state)


def test_free_entry_needs_only_a_digit_and_the_pattern() -> None:
    node = gather(validate_as=None, digits=10, pattern=r"\d{3,10}")
    assert check_entry(node, "123", state_of_zip).valid
    assert not check_entry(node, "12", state_of_zip).valid
    assert not check_entry(node, "", state_of_zip).valid
