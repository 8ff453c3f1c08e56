"""``ivr check FILE...``: validate call-plan files without touching the database.

Prints one line per problem (``file: path: message``; warnings say ``warning:``), then a
summary. Exit status: 0 when there is no error (warnings allowed), 1 when the plan has errors,
2 when a file cannot be read or parsed at all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ivr.plans.cli_args import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_UNREADABLE,
    add_plan_file_arguments,
)
from ivr.plans.loader import LoadedPlan, load_plan_sources
from ivr.plans.problems import PlanError, Problem, UnreadablePlanError
from ivr.plans.validate import validate_plan
from ivr.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_plan_file_arguments(parser)


def run(args: argparse.Namespace, settings: Settings) -> int:
    files: list[Path] = args.files
    try:
        loaded = load_plan_sources(files)
    except PlanError as exc:
        _print_problems(exc.problems)
        unreadable = isinstance(exc, UnreadablePlanError)
        print(f"ivr check: {_count(exc.problems)} in {_plural(len(files), 'file')}")
        return EXIT_UNREADABLE if unreadable else EXIT_ERRORS
    prompt_dirs = [settings.prompts_dir, *args.prompts]
    problems = validate_plan(loaded.plan, prompt_dirs=prompt_dirs, origins=loaded.origins)
    _print_problems(problems)
    has_errors = any(p.is_error for p in problems)
    verdict = "FAILED" if has_errors else "OK"
    print(f"ivr check: {verdict}: {_count(problems)}; {_contents(loaded, len(files))}")
    return EXIT_ERRORS if has_errors else EXIT_OK


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem)


def _count(problems: list[Problem]) -> str:
    errors = sum(1 for p in problems if p.is_error)
    return f"{_plural(errors, 'error')}, {_plural(len(problems) - errors, 'warning')}"


def _contents(loaded: LoadedPlan, files: int) -> str:
    plan = loaded.plan
    parts = [
        _plural(files, "file"),
        _plural(len(plan.publishers), "publisher"),
        _plural(len(plan.buyers), "buyer"),
        _plural(len(plan.targets()), "target"),
        _plural(len(plan.campaigns), "campaign"),
        _plural(len(plan.numbers), "number"),
        _plural(len(plan.menus), "menu"),
    ]
    return ", ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
