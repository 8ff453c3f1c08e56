"""Reading plan files: YAML rules, file-level errors, several files merged with their origins."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ivr.plans.loader import load_plan_files, load_plan_sources
from ivr.plans.problems import PlanError, UnreadablePlanError
from ivr.plans.schema import FixedPayout, MenuNode, RevenueSharePayout

from .conftest import base_plan, check_files, write_yaml


def _rejected(paths: list[Path], error: type[PlanError] = PlanError) -> list[str]:
    with pytest.raises(error) as caught:
        load_plan_files(paths)
    return [str(p) for p in caught.value.problems]


def test_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("publishers:\n  - id: a\n    name: [unclosed\nbuyers: []\n", encoding="utf-8")
    [line] = _rejected([path], UnreadablePlanError)
    assert line.startswith(f"{path}: line 4: YAML syntax: ")


def test_duplicate_yaml_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("publishers:\n  - id: a\n    name: A\n    id: b\n", encoding="utf-8")
    assert _rejected([path], UnreadablePlanError) == [
        f"{path}: line 4: YAML syntax: duplicate key 'id', column 5"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file: expected sections such as campaigns:"),
        ("# only a comment\n", "empty file: expected sections such as campaigns:"),
        ("- a\n- b\n", "top level must be a mapping of sections, not a list"),
        ("just text\n", "top level must be a mapping of sections, not a str"),
    ],
)
def test_file_level_shape_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    assert _rejected([path]) == [f"{path}: {message}"]


def test_unknown_top_level_section(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "plan.yaml", {"publishers": [], "targets": []})
    assert _rejected([path]) == [
        f"{path}: targets: unknown section"
        " (expected one of: publishers, buyers, campaigns, numbers, menus)"
    ]


def test_missing_file_is_unreadable_and_other_files_are_still_checked(tmp_path: Path) -> None:
    bad = write_yaml(tmp_path / "bad.yaml", {"publishers": [{"id": "Bad Id", "name": "x"}]})
    lines = _rejected([tmp_path / "missing.yaml", bad], UnreadablePlanError)
    assert lines[0] == f"{tmp_path / 'missing.yaml'}: no such file"
    assert lines[1].startswith(f"{bad}: publishers[0].id: must be a slug")


def test_plain_yaml_values_mean_what_an_admin_means(tmp_path: Path) -> None:
    """Unquoted phone numbers, area codes, digits, times and money keep their meaning."""
    path = tmp_path / "plan.yaml"
    path.write_text(
        """
publishers: [{id: p, name: P}]
buyers:
  - id: b
    name: B
    targets:
      - id: t
        number: +12125550123
        area_codes: [212, 718]
        zip_prefixes: [021, 10001]
        revenue: 0.10
        schedule: {timezone: UTC, hours: {mon: [{start: 09:30, end: 17:00}]}}
campaigns:
  - id: c
    name: C
    publishers: [{publisher: p, payout: {revenue_share: 0.1}}]
    targets: [{target: t}]
menus:
  - id: m
    start: a
    nodes:
      a: {type: menu, prompt: beep, options: {1: b, 2: b}, failure: b, timeout_s: 7.5}
      b: {type: route}
""",
        encoding="utf-8",
    )
    plan = load_plan_files([path])
    target = plan.buyers[0].targets[0]
    assert target.number == "+12125550123"
    assert target.area_codes == ["212", "718"]
    assert target.zip_prefixes == ["021", "10001"]  # not octal 17
    assert target.revenue == Decimal("0.10") and isinstance(target.revenue, Decimal)
    assert target.schedule is not None
    assert str(target.schedule.hours["mon"][0].end) == "17:00:00"  # not 1020 seconds
    payout = plan.campaigns[0].publishers[0].payout
    assert isinstance(payout, RevenueSharePayout) and payout.revenue_share == Decimal("0.1")
    node = plan.menus[0].nodes["a"]
    assert isinstance(node, MenuNode) and set(node.options) == {"1", "2"}
    assert node.timeout_s == 7.5


def test_an_unpadded_time_is_refused_not_read_as_seconds(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    text = "buyers: [{id: b, name: B, targets: [{id: t, endpoint: e, schedule: {timezone: UTC,"
    path.write_text(text + " hours: {mon: [{start: 9:30, end: 17:00}]}}}]}]\n", encoding="utf-8")
    [line] = _rejected([path])
    assert line.startswith(
        f"{path}: buyers[0].targets[0].schedule.hours.mon[0].start: Input should"
    )


def test_several_files_merge_in_order_with_references_across_files(
    tmp_path: Path, prompt_dir: Path
) -> None:
    plan = base_plan()
    parties = write_yaml(tmp_path / "parties.yaml", {k: plan[k] for k in ("publishers", "buyers")})
    rest = write_yaml(
        tmp_path / "acme.yaml", {k: plan[k] for k in ("campaigns", "numbers", "menus")}
    )
    loaded = load_plan_sources([parties, rest])
    assert [p.id for p in loaded.plan.publishers] == ["pub-a", "pub-b"]
    assert isinstance(loaded.plan.campaigns[0].publishers[0].payout, FixedPayout)
    assert loaded.origins.where("numbers", 0, "campaign") == (str(rest), "numbers[0].campaign")
    assert check_files([parties, rest], [prompt_dir]) == []


def test_errors_name_the_file_and_the_index_inside_that_file(
    tmp_path: Path, prompt_dir: Path
) -> None:
    plan = base_plan()
    first = write_yaml(tmp_path / "one.yaml", plan)
    second = write_yaml(
        tmp_path / "two.yaml",
        {
            "publishers": [{"id": "pub-c", "name": "C"}],
            "numbers": [
                {"number": "+18005550102", "campaign": "camp", "publisher": "pub-a"},
                {"number": "+18005550103", "campaign": "camp", "publisher": "pub-c"},
                {"number": "+18005550101", "campaign": "camp", "publisher": "pub-a"},
            ],
        },
    )
    errors = [str(p) for p in check_files([first, second], [prompt_dir]) if p.is_error]
    assert errors == [
        f"{second}: numbers[2].number: duplicate tracking number '+18005550101',"
        f" already at {first}: numbers[0].number",
        f"{second}: numbers[1].publisher: publisher 'pub-c' is not on campaign 'camp'"
        " (its publishers: pub-a)",
    ]


def test_schema_errors_in_two_files_keep_each_files_own_indexes(tmp_path: Path) -> None:
    one = write_yaml(tmp_path / "one.yaml", {"publishers": [{"id": "ok", "name": "x"}]})
    two = write_yaml(
        tmp_path / "two.yaml", {"publishers": [{"id": "fine", "name": "y"}, {"id": "z"}]}
    )
    assert _rejected([one, two]) == [f"{two}: publishers[1].name: required, but missing"]
