"""What ``ivr check`` and ``ivr apply`` share on the command line: the plan files, extra prompt
folders, and the exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def add_plan_file_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="call-plan YAML")
    parser.add_argument(
        "--prompts",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="another folder of prompt files, besides the prompts_dir setting (repeatable)",
    )
