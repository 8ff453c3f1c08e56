"""AMI access for the app, and the docker layout that installs these files."""

from __future__ import annotations

from collections.abc import Callable

import yaml

from .conf_parser import Conf
from .conftest import REPO

# main/manager.c perms[] in Asterisk 22.
AMI_CLASSES = {
    "system",
    "call",
    "log",
    "verbose",
    "command",
    "agent",
    "user",
    "config",
    "dtmf",
    "reporting",
    "cdr",
    "dialplan",
    "originate",
    "agi",
    "cc",
    "aoc",
    "test",
    "security",
    "message",
    "all",
    "none",
}
APP_NEEDS = {"call", "cdr", "reporting", "system", "command", "originate", "agent", "dialplan"}
DOCKER = REPO / "docker"


def test_ami_user_for_the_app(conf: Callable[[str], Conf]) -> None:
    manager = conf("manager.conf")
    general = manager.named("general")[0]
    assert (general.get("bindaddr"), general.get("port")) == ("127.0.0.1", "5038")
    user = manager.named("ivr")[0]
    for key in ("read", "write"):
        classes = set((user.get(key) or "").split(","))
        assert classes <= AMI_CLASSES and APP_NEEDS <= classes, key
    assert "CHANGE-ME" in (user.get("secret") or "")
    assert user.values("deny") and user.values("permit")


def test_recordings_and_rtp_agree(conf: Callable[[str], Conf]) -> None:
    rtp = conf("rtp.conf").named("general")[0]
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    ports = compose["services"]["asterisk"]["ports"]
    assert f"{rtp.get('rtpstart')}-{rtp.get('rtpend')}:" in " ".join(ports)
    spool = conf("asterisk.conf").named("directories")[0].get("astspooldir")
    for service in ("asterisk", "app"):
        mounts = compose["services"][service]["volumes"]
        assert f"recordings:{spool}/monitor/ivr" in mounts


def test_image_lays_files_out_as_the_includes_expect() -> None:
    dockerfile = (DOCKER / "Dockerfile.asterisk").read_text()
    assert "COPY asterisk_conf/ /etc/asterisk/" in dockerfile
    assert "COPY dialplans/ /etc/asterisk/dialplans/" in dockerfile
    assert "/var/lib/asterisk/sounds/ivr/" in dockerfile
    assert "ARG ASTERISK_VERSION=22." in dockerfile


def test_compose_wires_app_asterisk_and_postgres() -> None:
    services = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())["services"]
    assert set(services) == {"asterisk", "app", "postgres"}
    app, asterisk = services["app"]["environment"], services["asterisk"]["environment"]
    assert app["IVR_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert app["IVR_AGI_HOST"] == "0.0.0.0" and app["IVR_AMI_HOST"] == "asterisk"
    assert asterisk["IVR_AGI"] == f"app:{app['IVR_AGI_PORT']}"
    assert app["IVR_AMI_SECRET"] == asterisk["IVR_AMI_SECRET"]


def test_entrypoint_writes_only_hooked_files(conf: Callable[[str], Conf]) -> None:
    script = (DOCKER / "asterisk-entrypoint.sh").read_text()
    for main, hook in (
        ("extensions.conf", "extensions_local.conf"),
        ("manager.conf", "manager_local.conf"),
        ("pjsip.conf", "pjsip_local.conf"),
    ):
        assert f"/etc/asterisk/{hook}" in script
        assert f"#tryinclude {hook}" in (REPO / "asterisk_conf" / main).read_text()
