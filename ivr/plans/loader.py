"""Load call-plan YAML files into one Plan, remembering where each item came from.

Each file is validated on its own, as a Plan whose sections are all optional, so every error
path carries the index inside that file's own list. The files' sections are then concatenated in
the order given. ``load_plan_sources`` also returns the ``Origins`` that map an item of the
merged plan back to its file and index, which ``validate_plan`` uses to point at the right line
of the right file; ``load_plan_files`` returns the Plan alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ivr.plans.error_paths import describe, format_path, locate
from ivr.plans.problems import PlanError, Problem, UnreadablePlanError
from ivr.plans.schema import Plan
from ivr.plans.yaml_io import read_yaml_file

SECTIONS: tuple[str, ...] = tuple(Plan.model_fields)


@dataclass(frozen=True)
class Origin:
    file: str
    index: int  # position in that file's own list of the section


@dataclass(frozen=True)
class Origins:
    """For each section of a merged plan, the origin of each item, in the plan's order."""

    sections: dict[str, list[Origin]] = field(default_factory=dict)

    @classmethod
    def of_single(cls, plan: Plan, file: str = "<plan>") -> Origins:
        """Origins for a plan built in code, as if it had been read from one file."""
        return cls({s: [Origin(file, i) for i in range(len(getattr(plan, s)))] for s in SECTIONS})

    def where(self, section: str, index: int, suffix: str = "") -> tuple[str, str]:
        """(file, path) of item ``index`` of merged ``section``, plus a sub-path ``suffix``."""
        origin = self.sections[section][index]
        path = f"{section}[{origin.index}]"
        if suffix:
            path += suffix if suffix.startswith("[") else f".{suffix}"
        return origin.file, path


@dataclass(frozen=True)
class LoadedPlan:
    plan: Plan
    origins: Origins


def load_plan_files(paths: Sequence[Path]) -> Plan:
    """Read and merge plan files; raise PlanError (or UnreadablePlanError) listing every problem."""
    return load_plan_sources(paths).plan


def load_plan_sources(paths: Sequence[Path]) -> LoadedPlan:
    """Like ``load_plan_files``, with the origin of each item for error messages."""
    if not paths:
        raise UnreadablePlanError([Problem("<none>", "", "no plan file given")])
    problems: list[Problem] = []
    unreadable = False
    parts: list[tuple[str, Plan]] = []
    for path in paths:
        label = str(path)
        data, read_problems = read_yaml_file(path, label)
        if read_problems:
            unreadable = True
            problems.extend(read_problems)
            continue
        plan, plan_problems = _file_plan(label, data)
        problems.extend(plan_problems)
        if plan is not None:
            parts.append((label, plan))
    if problems:
        raise (UnreadablePlanError if unreadable else PlanError)(problems)
    return _merge(parts)


def _file_plan(label: str, data: object) -> tuple[Plan | None, list[Problem]]:
    if data is None:
        return None, [Problem(label, "", "empty file: expected sections such as campaigns:")]
    if not isinstance(data, dict):
        kind = type(data).__name__
        return None, [Problem(label, "", f"top level must be a mapping of sections, not a {kind}")]
    unknown = [key for key in data if key not in SECTIONS]
    if unknown:
        known = ", ".join(SECTIONS)
        return None, [
            Problem(label, str(key), f"unknown section (expected one of: {known})")
            for key in unknown
        ]
    try:
        return Plan.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(label, error) for error in exc.errors()]


def _problem(label: str, error: object) -> Problem:
    where = locate(Plan, error["loc"])  # type: ignore[index]
    return Problem(label, format_path(where.parts), describe(error, where))  # type: ignore[arg-type]


def _merge(parts: list[tuple[str, Plan]]) -> LoadedPlan:
    merged: dict[str, list[object]] = {section: [] for section in SECTIONS}
    origins: dict[str, list[Origin]] = {section: [] for section in SECTIONS}
    for label, plan in parts:
        for section in SECTIONS:
            items = getattr(plan, section)
            merged[section].extend(items)
            origins[section].extend(Origin(label, i) for i in range(len(items)))
    return LoadedPlan(Plan.model_validate(merged), Origins(origins))
