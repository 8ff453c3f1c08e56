"""Schema migrations callable from code: the app upgrades at start, ``ivr db`` from the shell.

Alembic's commands are synchronous; they run on the sync face of an async connection opened by
``Database`` (so SQLite gets WAL, foreign keys and BEGIN IMMEDIATE), inside one transaction:
on PostgreSQL a failed migration leaves the schema as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ivr.store.db import Database

SCRIPT_LOCATION = "ivr.store:migrations"


class SchemaNotCurrent(Exception):
    """The database's schema is not at the newest revision (or there is none)."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at ``url`` up to ``revision`` (a no-op when it is already there)."""
    await _with_alembic(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str) -> None:
    """Take the schema at ``url`` back down to ``revision``, data moved back where a migration
    moved it (rolling back a release; the migration tests check each way)."""
    await _with_alembic(url, lambda config: command.downgrade(config, revision))


async def current(url: str) -> str | None:
    """The revision the database at ``url`` is at, or None for an empty database."""
    async with Database(url) as db, db.engine.connect() as conn:
        return await conn.run_sync(_current_revision)


async def require_current(url: str) -> None:
    """Raise SchemaNotCurrent unless the database at ``url`` is at the newest revision."""
    revision = await current(url)
    if revision != head_revision():
        raise SchemaNotCurrent(
            f"database schema is at {revision or 'nothing'}: run 'ivr db upgrade' first"
        )


async def revision(url: str, message: str) -> None:
    """Write a new migration from the difference between the models and the database at
    ``url`` (which must be at head). For developers changing ``ivr.store.models``."""
    await _with_alembic(
        url, lambda config: command.revision(config, message=message, autogenerate=True)
    )


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def _with_alembic(url: str, action: Callable[[Config], object]) -> None:
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        action(config)

    async with Database(url) as db, db.write_engine.begin() as conn:
        await conn.run_sync(run)
