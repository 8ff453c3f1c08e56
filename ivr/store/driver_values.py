"""Values as SQLAlchemy's column types would hand them to the driver, for the driver SQL of the
call path (``ivr.store.raw_sql``), per database: ``UTCDateTime`` (SQLite: SQLAlchemy's text
form of the UTC time; PostgreSQL: an aware UTC datetime), ``Numeric`` (SQLite: a float),
``Boolean`` (strict; SQLite: 0 or 1) and ``JSON`` (``json_text.dumps``, None included).
``tests/store_calls/test_raw_sql.py`` checks every column of the call path's tables against
SQLAlchemy's own bind processors, so a change on either side shows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Numeric, String, Table
from sqlalchemy.types import Integer, TypeEngine

from ivr.store import json_text
from ivr.store.types import UTCDateTime, as_utc

SQLITE = "sqlite"
POSTGRES = "postgresql"
Convert = Callable[[Any], Any]


class Kind(enum.Enum):
    """How a value goes to the driver: as the column type of that name stores it."""

    PLAIN = "plain"  # strings and integers: as they are
    AT = "at"  # ivr.store.types.UTCDateTime
    NUMBER = "number"  # Numeric (money, seconds)
    FLAG = "flag"  # Boolean
    JSON = "json"


def kind_of(column_type: TypeEngine[Any]) -> Kind:
    """The kind of a column's type; a type this module does not know is refused, so a new
    column type cannot be stored differently from what Core would store."""
    if isinstance(column_type, UTCDateTime):
        return Kind.AT
    if isinstance(column_type, Numeric):
        return Kind.NUMBER
    if isinstance(column_type, Boolean):
        return Kind.FLAG
    if isinstance(column_type, JSON):
        return Kind.JSON
    if isinstance(column_type, String | Integer):
        return Kind.PLAIN
    raise TypeError(f"no driver conversion for column type {column_type!r}")


def column_kinds(table: Table, columns: Sequence[str]) -> tuple[Kind, ...]:
    return tuple(kind_of(table.c[name].type) for name in columns)


def _sqlite_at(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME storage format, of the UTC time: ``%04d-%02d-%02d
    %02d:%02d:%02d.%06d``, which ``isoformat`` writes too, in C (a call record holds a dozen)."""
    if value is None:
        return None
    utc = value if value.tzinfo is UTC else as_utc(value)
    return utc.replace(tzinfo=None).isoformat(" ", "microseconds")


def _postgres_at(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _sqlite_number(value: Any) -> float | None:
    """SQLite has no decimal type: SQLAlchemy stores a float (REAL)."""
    return None if value is None else float(value)


_BOOLEANS = frozenset((None, True, False))  # 1 and 0 compare equal to True and False


def _strict_flag(value: Any) -> bool | None:
    """SQLAlchemy's Boolean accepts None, True, False (and 1, 0) only."""
    if value not in _BOOLEANS:
        if not isinstance(value, int):
            raise TypeError(f"Not a boolean value: {value!r}")
        raise ValueError(f"Value {value!r} is not None, True, or False")
    return value


def _sqlite_flag(value: Any) -> int | None:
    flag = _strict_flag(value)
    return None if flag is None else int(flag)


def _postgres_flag(value: Any) -> bool | None:
    flag = _strict_flag(value)
    return None if flag is None else bool(flag)


def _json(value: Any) -> str:
    """SQLAlchemy's JSON type serializes None too (``'null'``: the columns are not
    ``none_as_null``), with the engines' serializer, ``json_text.dumps``."""
    return json_text.dumps(value)


CONVERTERS: dict[str, dict[Kind, Convert | None]] = {
    SQLITE: {Kind.PLAIN: None, Kind.AT: _sqlite_at, Kind.NUMBER: _sqlite_number,
             Kind.FLAG: _sqlite_flag, Kind.JSON: _json},
    POSTGRES: {Kind.PLAIN: None, Kind.AT: _postgres_at, Kind.NUMBER: None,
               Kind.FLAG: _postgres_flag, Kind.JSON: _json},
}  # fmt: skip


def read_at(dialect: str, value: Any) -> datetime | None:
    """A ``UTCDateTime`` value as read back: an aware UTC datetime (SQLite hands back text)."""
    if value is None:
        return None
    if dialect == SQLITE:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC)
