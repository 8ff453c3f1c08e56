"""Helpers for call-plan tests: a small valid plan to break, prompt folders, a checker."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from ivr.plans.loader import load_plan_sources
from ivr.plans.problems import PlanError, Problem
from ivr.plans.validate import validate_plan

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_PLAN = REPO_ROOT / "ivr" / "plans" / "demo.yaml"

# The app prompts docs/contracts.md promises (the prompts engineer records exactly these).
CONTRACT_PROMPTS = (
    "ivr-welcome",
    "ivr-main-menu",
    "ivr-coverage-menu",
    "ivr-enter-zip",
    "ivr-existing-goodbye",
    "ivr-invalid",
    "ivr-all-busy",
    "ivr-call-recorded",
    "ivr-not-in-service",
    "ivr-goodbye",
    "ivr-please-hold",
)

# A small plan with no problem at all; each broken-plan test changes one thing in a copy.
BASE_PLAN: dict[str, Any] = {
    "publishers": [{"id": "pub-a", "name": "Publisher A"}, {"id": "pub-b", "name": "Publisher B"}],
    "buyers": [
        {
            "id": "buyer-x",
            "name": "Buyer X",
            "targets": [
                {"id": "t-1", "endpoint": "line-1", "caps": {"hourly": 5, "daily": 50}},
                {"id": "t-2", "number": "+12125550123"},
            ],
        }
    ],
    "campaigns": [
        {
            "id": "camp",
            "name": "Campaign",
            "publishers": [{"publisher": "pub-a", "payout": {"fixed": "5.00"}}],
            "targets": [{"target": "t-1"}, {"target": "t-2"}],
            "menu": "m",
        }
    ],
    "numbers": [{"number": "+18005550101", "campaign": "camp", "publisher": "pub-a"}],
    "menus": [
        {
            "id": "m",
            "start": "hello",
            "nodes": {
                "hello": {"type": "play", "prompt": "beep", "next": "pick"},
                "pick": {
                    "type": "menu",
                    "prompt": "ivr-main-menu",
                    "options": {"1": "go", "2": "bye"},
                    "failure": "bye",
                },
                "go": {"type": "route"},
                "bye": {"type": "hangup"},
            },
        }
    ],
}


def base_plan() -> dict[str, Any]:
    return copy.deepcopy(BASE_PLAN)


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def check_files(files: Sequence[Path], prompt_dirs: Sequence[Path]) -> list[Problem]:
    """Every problem ``ivr check`` would print: loading problems, else validation findings."""
    try:
        loaded = load_plan_sources(files)
    except PlanError as exc:
        return exc.problems
    return validate_plan(loaded.plan, prompt_dirs=prompt_dirs, origins=loaded.origins)


@pytest.fixture
def prompt_dir(tmp_path: Path) -> Path:
    """A prompt folder holding (empty) files for every contract prompt."""
    folder = tmp_path / "prompts"
    folder.mkdir()
    for name in CONTRACT_PROMPTS:
        (folder / f"{name}.wav").write_bytes(b"")
    return folder


@pytest.fixture
def check(tmp_path: Path, prompt_dir: Path) -> Callable[[dict[str, Any]], list[Problem]]:
    """Write ``data`` as ``plan.yaml`` (cwd-relative label) and check it."""

    def run(data: dict[str, Any]) -> list[Problem]:
        return check_files([write_yaml(tmp_path / "plan.yaml", data)], [prompt_dir])

    return run
