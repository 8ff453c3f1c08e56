"""``ivr apply FILE... [--dry-run]``: make the live configuration exactly these plan files.

Steps: load and validate the files (any error stops here, before the database is touched;
warnings are printed and do not stop), bring the schema up to date, then apply the whole plan in
one transaction and print what changed. ``--dry-run`` prints the same report and rolls back.
Exit status: 0 applied (or nothing to do), 1 plan errors or a database failure (nothing
applied), 2 a file cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from ivr.plans.cli_args import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_UNREADABLE,
    add_plan_file_arguments,
)
from ivr.plans.loader import load_plan_sources
from ivr.plans.problems import PlanError, UnreadablePlanError
from ivr.plans.schema import Plan
from ivr.plans.validate import validate_plan
from ivr.settings import Settings
from ivr.store import migrate
from ivr.store.apply import ApplyReport, apply_plan
from ivr.store.db import Database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_plan_file_arguments(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, then roll back"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        loaded = load_plan_sources(args.files)
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("ivr apply: the plan has errors: nothing applied", file=sys.stderr)
        return EXIT_UNREADABLE if isinstance(exc, UnreadablePlanError) else EXIT_ERRORS
    prompt_dirs = [settings.prompts_dir, *args.prompts]
    problems = validate_plan(loaded.plan, prompt_dirs=prompt_dirs, origins=loaded.origins)
    for problem in problems:
        print(problem, file=sys.stderr)
    if any(p.is_error for p in problems):
        print("ivr apply: the plan has errors: nothing applied", file=sys.stderr)
        return EXIT_ERRORS
    try:
        report = asyncio.run(_apply(settings.effective_database_url, loaded.plan, args.dry_run))
    except (SQLAlchemyError, migrate.SchemaNotCurrent) as exc:
        print(f"ivr apply: {exc}: nothing applied", file=sys.stderr)
        return EXIT_ERRORS
    for line in report.lines():
        print(line)
    return EXIT_OK


async def _apply(url: str, plan: Plan, dry_run: bool) -> ApplyReport:
    if dry_run:  # upgrading the schema would be a write
        await migrate.require_current(url)
    else:
        await migrate.upgrade(url)
    async with Database(url) as db:
        return await apply_plan(db, plan, dry_run=dry_run)
