"""Column types that behave the same on SQLite and PostgreSQL.

SQLite keeps no time zone with a timestamp and hands back naive datetimes, PostgreSQL hands back
aware ones: ``UTCDateTime`` stores UTC on both and always returns aware UTC datetimes, so code
comparing times never mixes the two kinds.

Money is ``Numeric(12, 4)`` read back as ``Decimal``. SQLite stores it as a float (REAL affinity);
12 significant digits fit a double exactly after the 4-decimal rounding SQLAlchemy applies on
read, so amounts round-trip unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator

MONEY = Numeric(12, 4, asdecimal=True)
SECONDS = Numeric(10, 3, asdecimal=True)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is refused (it would be read in the wrong zone)."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: give a time zone (UTC)")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in, an aware UTC datetime out; naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        # SQLite's DateTime stores the text form; drop tzinfo so every row reads the same way.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
