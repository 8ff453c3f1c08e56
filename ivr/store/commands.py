"""``ivr db upgrade|downgrade|current|revision``: the database schema from the shell."""

from __future__ import annotations

import argparse
import asyncio
import sys

from alembic.util import CommandError

from ivr.settings import Settings
from ivr.store import migrate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="bring the schema up to the newest revision")
    upgrade.add_argument(
        "target", nargs="?", default="head", help="a revision to stop at (default: the newest)"
    )
    downgrade = actions.add_parser(
        "downgrade",
        help="take the schema back to an older revision, to roll back a release "
        "(stop every 'ivr serve' on this database first)",
    )
    downgrade.add_argument("target", help="the revision to go back to, e.g. 0004, or 'base'")
    actions.add_parser("current", help="print the schema revision of the database")
    revision = actions.add_parser(
        "revision", help="(developers) write a migration from the models' changes"
    )
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")


def run(args: argparse.Namespace, settings: Settings) -> int:
    url = settings.effective_database_url
    try:
        if args.db_action in ("upgrade", "downgrade"):
            move = migrate.upgrade if args.db_action == "upgrade" else migrate.downgrade
            asyncio.run(move(url, args.target))
            print(f"schema at {asyncio.run(migrate.current(url)) or 'nothing'}")
        elif args.db_action == "current":
            revision = asyncio.run(migrate.current(url))
            head = migrate.head_revision()
            state = "up to date" if revision == head else f"behind: newest is {head}"
            print(f"{revision or 'empty'} ({state})")
        else:
            asyncio.run(migrate.revision(url, args.message))
    except CommandError as exc:  # an unknown revision, or one on the wrong side of the current
        print(f"ivr db {args.db_action}: {exc}; the schema was not changed", file=sys.stderr)
        return 1
    return 0
