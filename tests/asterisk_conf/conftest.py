"""The configuration as Asterisk sees it: /etc/asterisk = asterisk_conf/ + dialplans/ beside it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .conf_parser import Conf, load

REPO = Path(__file__).resolve().parents[2]
CONF_DIR = REPO / "asterisk_conf"
DIALPLAN_DIR = REPO / "dialplans"


@pytest.fixture(scope="session")
def etc_asterisk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy laid out like the image's /etc/asterisk (docker/Dockerfile.asterisk)."""
    root = tmp_path_factory.mktemp("etc_asterisk")
    shutil.copytree(CONF_DIR, root, dirs_exist_ok=True)
    shutil.copytree(DIALPLAN_DIR, root / "dialplans")
    return root


@pytest.fixture(scope="session")
def conf(etc_asterisk: Path) -> Callable[[str], Conf]:
    return lambda name: load(name, etc_asterisk)
