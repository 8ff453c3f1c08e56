"""The declarative base and the constraint naming convention.

Named constraints make Alembic autogenerate stable (it can match, alter and drop them by name)
and let SQLite batch migrations recreate tables without losing constraints.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ivr.store.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SLUG_LEN = 63  # ivr.plans.schema.SLUG_RE allows 63 characters
E164_LEN = 16  # '+' and at most 15 digits


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Archivable:
    """A row that calls may point to: never deleted, archived when left out of a plan."""

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
