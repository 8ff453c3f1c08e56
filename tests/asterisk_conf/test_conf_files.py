"""Every shipped file parses as Asterisk's configuration format, includes resolved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conf_parser import Conf
from .conftest import CONF_DIR, DIALPLAN_DIR

# What the image must carry for Asterisk to start without warnings (see the report).
REQUIRED = {
    "asterisk.conf",
    "modules.conf",
    "pjsip.conf",
    "extensions.conf",
    "manager.conf",
    "rtp.conf",
    "logger.conf",
    "cdr.conf",
    "cdr_manager.conf",
    "indications.conf",
}


def test_required_files_exist() -> None:
    assert REQUIRED <= {p.name for p in CONF_DIR.glob("*.conf")}


@pytest.mark.parametrize("name", sorted(p.name for p in CONF_DIR.glob("*.conf")))
def test_every_conf_parses(conf: Callable[[str], Conf], name: str) -> None:
    parsed = conf(name)
    assert parsed.sections, f"{name} has no section"


def test_dialplan_is_included_from_extensions_conf(conf: Callable[[str], Conf]) -> None:
    included = conf("extensions.conf").included
    for path in DIALPLAN_DIR.glob("*.conf"):
        assert f"dialplans/{path.name}" in included


def test_plain_ascii_with_unix_line_ends() -> None:
    for path in [*CONF_DIR.glob("*.conf"), *DIALPLAN_DIR.glob("*.conf")]:
        raw = Path(path).read_bytes()
        assert b"\r" not in raw, path
        raw.decode("ascii")  # plain ASCII: no editor smart quotes in dial strings
