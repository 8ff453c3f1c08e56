"""Alembic environment: runs migrations on the connection ``ivr.store.migrate`` hands over.

The URL is never read from a file: ``ivr.store.migrate`` opens the database (with the same
SQLite settings as the app) and passes the connection in ``config.attributes["connection"]``.
SQLite cannot ALTER most things, so migrations are rendered as batch operations there.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from ivr.store.models import Base
from ivr.store.types import UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as the plain SQLAlchemy types they store, so migrations never
    import application code that may change after the migration was written."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )


def run_migrations(connection: Connection) -> None:
    configure(connection)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through ivr.store.migrate (ivr db upgrade)")
run_migrations(connection)
