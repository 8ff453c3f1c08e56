"""One typed settings object, read from IVR_* environment variables and an optional TOML file.

Precedence, highest first: environment, config file, defaults. Defaults are safe: every
listener binds to loopback, and storage is an embedded SQLite file under ``var/``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ivr.calls.dial_text import passes_dial_option

ENV_PREFIX = "IVR_"


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line naming it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    var_dir: Path = Path("var")
    database_url: str = Field(default="", description="empty: SQLite file var_dir/ivr.sqlite3")
    # How long an SQLite writer waits for the write lock before the store treats it as an outage.
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)

    agi_host: str = "127.0.0.1"
    agi_port: int = Field(default=4573, ge=0, le=65535)
    # Connections the kernel queues before the server accepts them: a burst of calls beyond
    # asyncio's default of 100 would wait for the kernel's 1 s SYN retry.
    agi_backlog: int = Field(default=1024, ge=1)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)

    recordings_dir: Path = Field(default=Path(""), description="empty: var_dir/recordings")
    prompts_dir: Path = Path("prompts")
    spool_dir: Path = Field(default=Path(""), description="empty: var_dir/spool")
    # Where MixMonitor writes, as Asterisk sees it; recordings_dir is the same folder as the app
    # sees it (one shared volume in docker/).
    asterisk_recordings_dir: str = "/var/spool/asterisk/monitor/ivr"

    ami_host: str | None = None
    ami_port: int = Field(default=5038, ge=1, le=65535)
    ami_user: str | None = None
    ami_secret: SecretStr | None = None
    ami_ping_interval_s: float = Field(default=10.0, gt=0)
    ami_action_timeout_s: float = Field(default=10.0, gt=0)
    ami_reconnect_base_s: float = Field(default=0.5, gt=0)
    ami_reconnect_cap_s: float = Field(default=30.0, gt=0)
    # Cdr events may follow a call's last Hangup: reconciliation waits this long for them.
    ami_cdr_grace_s: float = Field(default=1.0, ge=0)

    agi_command_timeout_s: float = Field(default=30.0, gt=0)
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("asterisk_recordings_dir")
    @classmethod
    def _fits_a_dial_option(cls, value: str) -> str:
        # The path travels inside Dial's U() option to MixMonitor (ivr/calls/dialing.py).
        if not passes_dial_option(value):
            raise ValueError('must not contain any of , ^ ( ) $ " \\ (it rides in a Dial option)')
        return value

    @model_validator(mode="after")
    def _ami_complete(self) -> Settings:
        given = [self.ami_host, self.ami_user, self.ami_secret]
        if any(v is not None for v in given) and not all(v is not None for v in given):
            raise ValueError("ami_host, ami_user and ami_secret must be set together")
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'ivr.sqlite3'}"

    @property
    def effective_recordings_dir(self) -> Path:
        return (
            self.recordings_dir
            if str(self.recordings_dir) not in ("", ".")
            else (self.var_dir / "recordings")
        )

    @property
    def effective_spool_dir(self) -> Path:
        return self.spool_dir if str(self.spool_dir) not in ("", ".") else self.var_dir / "spool"

    @property
    def ami_enabled(self) -> bool:
        return self.ami_host is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The config file arrives as init kwargs (see load_settings), below the environment.
        return (env_settings, init_settings)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings, or raise SettingsError with one line naming the bad setting."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(_read_config_file(config_file))
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file {path}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path}: {exc}") from None
    section = data.get("ivr", data)
    if not isinstance(section, dict):
        raise SettingsError(f"config file {path}: [ivr] must be a table")
    return section


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = ".".join(str(part) for part in error["loc"]) or "settings"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting"
    return f"setting {name} (env {ENV_PREFIX}{name.upper()}): {message}"
