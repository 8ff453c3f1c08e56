"""``ivr db upgrade|current|revision``: the database schema from the shell."""

from __future__ import annotations

import argparse
import asyncio

from ivr.settings import Settings
from ivr.store import migrate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="bring the schema up to the newest revision")
    actions.add_parser("current", help="print the schema revision of the database")
    revision = actions.add_parser(
        "revision", help="(developers) write a migration from the models' changes"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")


def run(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.effective_database_url
    if args.db_action == "upgrade":
        asyncio.run(migrate.upgrade(url))
        print(f"schema at {migrate.head_revision()}")
    elif args.db_action == "current":
        revision = asyncio.run(migrate.current(url))
        head = migrate.head_revision()
        state = "up to date" if revision == head else f"behind: newest is {head}"
        print(f"{revision or 'empty'} ({state})")
    else:
        asyncio.run(migrate.revision(url, args.message))
    return 0
