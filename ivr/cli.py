"""The ``ivr`` command. Each subcommand lives in the module that owns its work.

Registration is explicit: a command module exposes ``add_arguments(parser)`` and
``run(args, settings) -> int``. Modules are imported only when their command runs, so
``ivr check`` never loads the web server and ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from ivr import __version__
from ivr.settings import SettingsError, load_settings

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("ivr.app", "run the switch: FastAGI server, web console and, when configured, AMI"),
    "check": ("ivr.plans.commands_check", "validate call-plan files without touching the database"),
    "apply": ("ivr.plans.commands_apply", "apply call-plan files in one transaction"),
    "export": ("ivr.plans.commands_export", "write the live configuration as call-plan YAML"),
    "db": ("ivr.store.commands", "database schema: upgrade, downgrade, current revision"),
    "simulate": ("ivr.sim.commands", "place a simulated call and print its story"),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the ``selected`` command's module is imported, to add its arguments."""
    parser = argparse.ArgumentParser(prog="ivr", description="Self-hosted pay-per-call switch.")
    parser.add_argument("--version", action="version", version=f"ivr {__version__}")
    parser.add_argument("--config", type=Path, help="TOML settings file (env IVR_* wins over it)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == selected:
            _command_module(module_name).add_arguments(command_parser)
    return parser


def _command_module(module_name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(module_name)


def _selected_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, found without importing any command."""
    skip_next = False
    for token in argv:
        if skip_next:
            skip_next = False
        elif token == "--config":
            skip_next = True
        elif token in COMMANDS:
            return token
        elif not token.startswith("-"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_selected_command(argv)).parse_args(argv)
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"ivr: {exc}", file=sys.stderr)
        return 2
    level = "DEBUG" if args.verbose else settings.log_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    module = _command_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args, settings))
    except KeyboardInterrupt:
        return 130
