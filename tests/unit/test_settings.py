from pathlib import Path

import pytest

from ivr.settings import SettingsError, load_settings


def test_defaults_are_loopback_and_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(__import__("os").environ):
        if key.startswith("IVR_"):
            monkeypatch.delenv(key)
    settings = load_settings()
    assert settings.agi_host == "127.0.0.1" and settings.agi_port == 4573
    assert settings.web_host == "127.0.0.1" and settings.web_port == 8080
    assert settings.effective_database_url == "sqlite+aiosqlite:///var/ivr.sqlite3"
    assert settings.effective_recordings_dir == Path("var/recordings")
    assert not settings.ami_enabled


def test_environment_beats_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ivr.toml"
    config.write_text("[ivr]\nagi_port = 5000\nweb_port = 9000\n")
    monkeypatch.setenv("IVR_AGI_PORT", "6000")
    settings = load_settings(config)
    assert settings.agi_port == 6000
    assert settings.web_port == 9000


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"IVR_AGI_PORT": "abc"}, "setting agi_port (env IVR_AGI_PORT): Input should be a valid"),
        ({"IVR_WEB_PORT": "70000"}, "setting web_port (env IVR_WEB_PORT): Input should be less"),
        ({"IVR_LOG_LEVEL": "loud"}, "setting log_level (env IVR_LOG_LEVEL): must be DEBUG"),
        ({"IVR_DATABASE_URL": "mysql://x"}, "setting database_url (env IVR_DATABASE_URL): must"),
        (
            {"IVR_ASTERISK_RECORDINGS_DIR": "/var/spool/asterisk/monitor,b"},
            "setting asterisk_recordings_dir (env IVR_ASTERISK_RECORDINGS_DIR): must not contain",
        ),
        ({"IVR_AMI_HOST": "127.0.0.1"}, "ami_host, ami_user and ami_secret must be set together"),
    ],
)
def test_bad_setting_is_one_line_naming_it(
    env: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert expected in message


def test_unknown_key_in_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "ivr.toml"
    config.write_text("[ivr]\nagi_prot = 1\n")
    with pytest.raises(SettingsError, match=r"setting agi_prot .*unknown setting"):
        load_settings(config)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml")
