"""``ivr export [-o FILE]``: write the live configuration as call-plan YAML that ``ivr apply``
accepts (archived entities are left out; menus at their current version).

The file is written whole or not at all (a temporary file renamed over it), so a failed export
never leaves half a plan behind. Exit status: 0 written, 1 the database is not readable or its
schema is not up to date.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ivr.plans.dump import plan_to_yaml
from ivr.plans.schema import Plan
from ivr.settings import Settings
from ivr.store import migrate
from ivr.store.db import Database
from ivr.store.export import export_plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here instead of standard output"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        plan = asyncio.run(_export(settings.effective_database_url))
    except (SQLAlchemyError, migrate.SchemaNotCurrent) as exc:
        print(f"ivr export: {exc}", file=sys.stderr)
        return 1
    text = plan_to_yaml(plan)
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write_whole(args.output, text)
    return 0


async def _export(url: str) -> Plan:
    await migrate.require_current(url)
    async with Database(url) as db:
        return await export_plan(db)


def _write_whole(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
