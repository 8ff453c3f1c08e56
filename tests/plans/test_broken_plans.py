"""Each broken plan is rejected with the exact file, path and reason an admin needs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ivr.plans.problems import Problem, Severity
from ivr.plans.schema import Target

from .conftest import base_plan

Plan = dict[str, Any]
Check = Callable[[Plan], list[Problem]]

TARGET_KEYS = ", ".join(Target.model_fields)


def _target(p: Plan, i: int = 0) -> dict[str, Any]:
    return p["buyers"][0]["targets"][i]


def _nodes(p: Plan) -> dict[str, Any]:
    return p["menus"][0]["nodes"]


def _set(
    getter: Callable[[Plan], dict[str, Any]], key: str, value: object
) -> Callable[[Plan], None]:
    return lambda p: getter(p).__setitem__(key, value)


def _append(section: str, item: dict[str, Any]) -> Callable[[Plan], None]:
    return lambda p: p[section].append(item)


def _loop_forever(p: Plan) -> None:
    # welcome -> pick -> (1: welcome, 2: pick, failure: welcome): no branch ever leaves.
    _nodes(p)["pick"].update(options={"1": "hello", "2": "pick"}, failure="hello")


CASES: list[tuple[str, Callable[[Plan], None], str]] = [
    (
        "unknown key",
        _set(_target, "timeout", 5),
        f"buyers[0].targets[0].timeout: unknown key (expected one of: {TARGET_KEYS})",
    ),
    (
        "number not E.164",
        _set(lambda p: p["numbers"][0], "number", "(800) 555-0101"),
        "numbers[0].number: '(800) 555-0101' is not E.164:"
        " it must start with '+' and the country code",
    ),
    (
        "number not a valid number",
        _set(lambda p: p["numbers"][0], "number", "+1800555"),
        "numbers[0].number: '+1800555' is not a valid phone number",
    ),
    (
        "number -> unknown campaign",
        _set(lambda p: p["numbers"][0], "campaign", "nope"),
        "numbers[0].campaign: unknown campaign 'nope'",
    ),
    (
        "number -> unknown publisher",
        _set(lambda p: p["numbers"][0], "publisher", "nobody"),
        "numbers[0].publisher: unknown publisher 'nobody'",
    ),
    (
        "campaign -> unknown publisher",
        lambda p: p["campaigns"][0]["publishers"].append(
            {"publisher": "nobody", "payout": {"fixed": "1"}}
        ),
        "campaigns[0].publishers[1].publisher: unknown publisher 'nobody'",
    ),
    (
        "campaign -> unknown target",
        _set(lambda p: p["campaigns"][0]["targets"][1], "target", "t-9"),
        "campaigns[0].targets[1].target: unknown target 't-9'",
    ),
    (
        "campaign -> unknown menu",
        _set(lambda p: p["campaigns"][0], "menu", "m-9"),
        "campaigns[0].menu: unknown menu 'm-9'",
    ),
    (
        "publisher not on the number's campaign",
        _set(lambda p: p["numbers"][0], "publisher", "pub-b"),
        "numbers[0].publisher: publisher 'pub-b' is not on campaign 'camp' (its publishers: pub-a)",
    ),
    (
        "duplicate tracking number",
        _append("numbers", {"number": "+18005550101", "campaign": "camp", "publisher": "pub-a"}),
        "numbers[1].number: duplicate tracking number '+18005550101',"
        " already at {file}: numbers[0].number",
    ),
    (
        "duplicate publisher id",
        _append("publishers", {"id": "pub-a", "name": "Again"}),
        "publishers[2].id: duplicate publisher id 'pub-a', already at {file}: publishers[0].id",
    ),
    (
        "duplicate target id across buyers",
        _append(
            "buyers", {"id": "buyer-y", "name": "Y", "targets": [{"id": "t-2", "endpoint": "y"}]}
        ),
        "buyers[1].targets[0].id: duplicate target id 't-2',"
        " already at {file}: buyers[0].targets[1].id",
    ),
    (
        "same target twice in a campaign",
        lambda p: p["campaigns"][0]["targets"].append({"target": "t-1"}),
        "campaigns[0].targets[2].target: target 't-1' is listed twice (also targets[0])",
    ),
    (
        "schedule overlap",
        _set(
            _target,
            "schedule",
            {"timezone": "UTC", "hours": {"mon": ["09:00-12:00", "11:30-13:00"]}},
        ),
        "buyers[0].targets[0].schedule: mon: 09:00-12:00 overlaps 11:30-13:00",
    ),
    (
        "bad time zone",
        _set(_target, "schedule", {"timezone": "Europe/Atlantis", "hours": {}}),
        "buyers[0].targets[0].schedule.timezone: unknown time zone 'Europe/Atlantis'",
    ),
    (
        "negative cap",
        _set(_target, "caps", {"daily": -1}),
        "buyers[0].targets[0].caps.daily: Input should be greater than or equal to 0",
    ),
    (
        "hourly cap above daily cap",
        _set(_target, "caps", {"hourly": 60, "daily": 50}),
        "buyers[0].targets[0].caps.hourly: hourly cap 60 is above the daily cap 50,"
        " so it can never be reached",
    ),
    (
        "daily cap above monthly cap",
        _set(_target, "caps", {"daily": 60, "monthly": 50}),
        "buyers[0].targets[0].caps.daily: daily cap 60 is above the monthly cap 50,"
        " so it can never be reached",
    ),
    (
        "wrong type",
        _set(_target, "caps", {"daily": "lots"}),
        "buyers[0].targets[0].caps.daily: Input should be a valid integer,"
        " unable to parse string as an integer",
    ),
    (
        "target with two destinations",
        _set(_target, "number", "+12125550199"),
        "buyers[0].targets[0]: give exactly one of endpoint, number or sip_uri",
    ),
    (
        "payout of two kinds",
        _set(
            lambda p: p["campaigns"][0]["publishers"][0],
            "payout",
            {"fixed": 1, "revenue_share": 0.5},
        ),
        "campaigns[0].publishers[0].payout:"
        " give exactly one of 'fixed: <amount>' or 'revenue_share: <0..1>'",
    ),
    (
        "revenue share above 1",
        _set(lambda p: p["campaigns"][0]["publishers"][0], "payout", {"revenue_share": "1.5"}),
        "campaigns[0].publishers[0].payout.revenue_share: Input should be less than or equal to 1",
    ),
    (
        "menu start unknown",
        _set(lambda p: p["menus"][0], "start", "welcome"),
        "menus[0].start: unknown start node 'welcome'",
    ),
    (
        "node -> unknown node (option)",
        _set(lambda p: _nodes(p)["pick"]["options"], "2", "nowhere"),
        "menus[0].nodes.pick.options.2: unknown node 'nowhere' in menu 'm'",
    ),
    (
        "node -> unknown node (next)",
        _set(lambda p: _nodes(p)["hello"], "next", "nowhere"),
        "menus[0].nodes.hello.next: unknown node 'nowhere' in menu 'm'",
    ),
    (
        "node -> unknown node (failure)",
        _set(lambda p: _nodes(p)["pick"], "failure", "nowhere"),
        "menus[0].nodes.pick.failure: unknown node 'nowhere' in menu 'm'",
    ),
    (
        "menu cycle without exit",
        _loop_forever,
        "menus[0].nodes.hello: no way out: from here the caller only goes round hello, pick"
        " and never reaches a route or hangup node",
    ),
    (
        "unknown node type (tag path without the union tag)",
        _set(_nodes, "go", {"type": "transfer"}),
        "menus[0].nodes.go: unknown type 'transfer'"
        " (expected one of: play, menu, gather, branch, tag, route, hangup)",
    ),
    (
        "bad field inside a tagged node",
        _set(lambda p: _nodes(p)["pick"], "tries", 0),
        "menus[0].nodes.pick.tries: Input should be greater than or equal to 1",
    ),
    (
        "bad option key",
        _set(lambda p: _nodes(p)["pick"]["options"], "x", "go"),
        "menus[0].nodes.pick.options.x: bad key 'x': must be one key: 0-9, * or #",
    ),
    (
        "missing prompt",
        _set(lambda p: _nodes(p)["hello"], "prompt", "ivr-nonexistent"),
        "menus[0].nodes.hello.prompt: prompt 'ivr-nonexistent' not found:"
        " no ivr-nonexistent.wav/.gsm/.ulaw/.sln in {prompts}, and not an Asterisk core sound",
    ),
    (
        "fallback number is one of our tracking numbers",
        _set(lambda p: p["campaigns"][0], "fallback", {"number": "+18005550101"}),
        "campaigns[0].fallback.number: fallback number +18005550101 is a tracking number"
        " of this switch: the call would come straight back in",
    ),
    (
        "gather ZIP of 4 digits",
        lambda p: _nodes(p).update(
            go={
                "type": "gather",
                "prompt": "ivr-enter-zip",
                "digits": 4,
                "validate_as": "zip",
                "next": "end",
                "failure": "end",
            },
            end={"type": "route"},
        ),
        "menus[0].nodes.go.digits: a US ZIP code has 5 digits, not 4",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_plan_is_rejected_with_file_path_and_reason(
    check: Check, tmp_path: Path, mutate: Callable[[Plan], None], expected: str
) -> None:
    plan = base_plan()
    mutate(plan)
    file = str(tmp_path / "plan.yaml")
    problems = check(plan)
    errors = [str(p) for p in problems if p.severity is Severity.ERROR]
    wanted = f"{file}: " + expected.format(file=file, prompts=tmp_path / "prompts")
    assert errors == [wanted]


def test_the_base_plan_has_no_problem(check: Check) -> None:
    assert check(base_plan()) == []
