"""Whole-plan rules that are warnings, and menus that look odd but are fine."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ivr.plans import fields as fields_module
from ivr.plans import menu_schema as menus_module
from ivr.plans import schema as schema_module
from ivr.plans.error_paths import PATTERN_WORDS
from ivr.plans.problems import Problem, Severity
from ivr.plans.prompts import PromptLibrary, core_sounds
from ivr.plans.schema import Plan as PlanModel
from ivr.plans.validate import validate_plan

from .conftest import base_plan

Check = Callable[[dict[str, Any]], list[Problem]]


def _lines(problems: list[Problem], severity: Severity) -> list[str]:
    return [f"{p.path}: {p.message}" for p in problems if p.severity is severity]


def test_a_menu_that_reprompts_itself_is_fine_while_an_exit_is_reachable(check: Check) -> None:
    plan = base_plan()
    plan["menus"][0]["nodes"]["pick"]["options"]["9"] = "pick"  # "press 9 to hear this again"
    plan["menus"][0]["nodes"]["pick"]["failure"] = "hello"
    assert check(plan) == []


def test_a_loop_with_one_way_out_is_fine_but_a_dead_end_pocket_is_not(check: Check) -> None:
    plan = base_plan()
    nodes = plan["menus"][0]["nodes"]
    nodes["pick"]["options"]["3"] = "pocket"
    nodes["pocket"] = {"type": "play", "prompt": "tt-monkeys", "next": "pocket2"}
    nodes["pocket2"] = {"type": "tag", "tags": ["x"], "next": "pocket"}
    assert _lines(check(plan), Severity.ERROR) == [
        "menus[0].nodes.pocket: no way out: from here the caller only goes round pocket, pocket2"
        " and never reaches a route or hangup node"
    ]


def test_unreachable_node_is_a_warning_only(check: Check) -> None:
    plan = base_plan()
    plan["menus"][0]["nodes"]["draft"] = {"type": "hangup", "prompt": "vm-goodbye"}
    problems = check(plan)
    assert _lines(problems, Severity.WARNING) == [
        "menus[0].nodes.draft: node 'draft' is never reached from start node 'hello'"
    ]
    assert _lines(problems, Severity.ERROR) == []


def test_target_needing_a_tag_no_menu_sets_is_a_warning(check: Check) -> None:
    plan = base_plan()
    plan["buyers"][0]["targets"][1]["required_tags"] = ["auto", "home"]
    nodes = plan["menus"][0]["nodes"]
    nodes["pick"]["options"]["1"] = "tagged"
    nodes["tagged"] = {"type": "tag", "tags": ["auto"], "next": "go"}
    assert _lines(check(plan), Severity.WARNING) == [
        "campaigns[0].targets[1].target: target 't-2' requires tag(s) home that menu 'm'"
        " never sets, so this campaign never routes to it"
    ]


def test_campaign_without_tracking_number_and_fallback_to_own_target_warn(check: Check) -> None:
    plan = base_plan()
    plan["numbers"] = []
    plan["campaigns"][0]["fallback"] = {"endpoint": "line-1"}
    assert _lines(check(plan), Severity.WARNING) == [
        "campaigns[0].fallback.endpoint: the fallback is target 't-1' of this campaign,"
        " which has just failed when the fallback is used",
        "campaigns[0].id: no tracking number points to campaign 'camp': it gets no calls",
    ]


def test_recording_announcement_prompt_is_checked_only_when_announced(
    check: Check, tmp_path: Path
) -> None:
    plan = base_plan()
    plan["campaigns"][0]["recording"] = {"enabled": True, "announce_prompt": "no-such"}
    assert check(plan) == []
    plan["campaigns"][0]["recording"]["announce"] = True
    assert [str(p) for p in check(plan)] == [
        f"{tmp_path / 'plan.yaml'}: campaigns[0].recording.announce_prompt: prompt 'no-such'"
        f" not found: no no-such.wav/.gsm/.ulaw/.sln in {tmp_path / 'prompts'},"
        " and not an Asterisk core sound"
    ]


def test_prompt_lookup_accepts_each_asterisk_format_and_core_sounds(tmp_path: Path) -> None:
    library = PromptLibrary([tmp_path / "a", tmp_path / "b"])
    (tmp_path / "b").mkdir()
    for ext in ("wav", "gsm", "ulaw", "sln"):
        (tmp_path / "b" / f"p-{ext}.{ext}").write_bytes(b"")
        assert library.has(f"p-{ext}")
    (tmp_path / "b" / "p-mp3.mp3").write_bytes(b"")
    assert not library.has("p-mp3")  # Asterisk does not play mp3 without format_mp3
    assert not library.has("p-wav.wav")  # names are given without extension
    for name in ("vm-enter-num-to-call", "beep", "digits/1", "tt-monkeys", "hello-world"):
        assert library.has(name), name


def test_core_sound_list_is_the_real_package_list() -> None:
    sounds = core_sounds()
    assert len(sounds) > 500
    assert {"goodbye", "silence/1", "letters/a", "followme/options", "pbx-invalid"} <= sounds
    assert not any(name.endswith((".wav", ".gsm")) or " " in name for name in sounds)
    assert "ivr-welcome" not in sounds


def test_validation_without_origins_points_into_the_merged_plan(prompt_dir: Path) -> None:
    data = base_plan()
    data["numbers"][0]["campaign"] = "gone"
    problems = validate_plan(PlanModel.model_validate(data), prompt_dirs=[prompt_dir])
    assert [str(p) for p in problems if p.is_error] == [
        "<plan>: numbers[0].campaign: unknown campaign 'gone'"
    ]


def test_every_text_pattern_of_the_schema_has_words_for_admins() -> None:
    source = "".join(inspect.getsource(m) for m in (schema_module, fields_module, menus_module))
    in_schema = set(re.findall(r'pattern=r"((?:[^"\\]|\\.)*)"', source))
    assert len(in_schema) == 8
    assert in_schema == set(PATTERN_WORDS)


def test_bad_prompt_name_is_explained(check: Check) -> None:
    plan = base_plan()
    plan["menus"][0]["nodes"]["hello"]["prompt"] = "hello world.wav"
    assert [f"{p.path}: {p.message}" for p in check(plan)] == [
        "menus[0].nodes.hello.prompt: must be a prompt name without extension:"
        " letters, digits, '_', '.', '/' or '-'"
    ]
