"""The call path's statements as driver SQL, on the DBAPI connection of the caller's transaction.

Why: SQLAlchemy Core spends more CPU per statement than SQLite spends running it (a profile of
the whole-call benchmark: ``_execute_clauseelement`` ~27 % of the app's busy CPU, compiled-cache
lookup, ``construct_params`` and a bind processor call per value of every row). The hot
statements (history, loads, claims, call records) are therefore written once as SQL text and
run with ``cursor.execute`` / ``executemany`` and plain tuples. What Core did for them is kept:

- the same transaction: the ``Connection``'s own DBAPI connection (the write queue's batch,
  ``read_sync``'s read). A read that runs no Core statement never makes SQLAlchemy emit BEGIN:
  on SQLite a lone SELECT is its own transaction, asyncpg's adapter begins one itself and the
  pool rolls it back when the connection is returned;
- the same stored values: each ``?`` has a ``Kind`` and is converted as the column's type would
  convert it (``ivr.store.driver_values``);
- the same errors: a failure is raised as Core raises it (``DBAPIError`` subclasses, a
  conversion error as ``StatementError``, a lost connection invalidated), so the error
  classification of ``ivr.store.errors`` and the outage handling are unchanged;
- ``before_cursor_execute`` / ``after_cursor_execute`` listeners still see every statement
  (an engine's ``echo`` log does not: it is written by Core's execution path).

A statement is written once with ``?`` for a value and ``IN (?*)`` for a list of values.
SQLite gets ``?`` and one ``?`` per list element; PostgreSQL (asyncpg through SQLAlchemy's
adapter, whose cursor takes ``$n`` and a tuple) gets ``$n`` and ``= ANY($n)`` with the list as
an array, so a statement is prepared once whatever the list's length. The adapter's
``executemany`` is asyncpg's, which pipelines every row's bind and execute in one round trip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Table

from ivr.store.driver_values import CONVERTERS, POSTGRES, Convert, Kind, column_kinds

T = TypeVar("T")
_MARK = re.compile(r"IN \(\?\*\)|\?")
_LIST_MARK = "IN (?*)"


class Sql:
    """One statement: its text (``?`` a value, ``IN (?*)`` a list) and the kind of each mark."""

    __slots__ = ("_rendered", "is_list", "kinds", "text")

    def __init__(self, text: str, kinds: Sequence[Kind]) -> None:
        marks = _MARK.findall(text)
        if len(marks) != len(kinds):
            raise ValueError(f"{len(marks)} marks, {len(kinds)} kinds: {text}")
        self.text = text
        self.kinds = tuple(kinds)
        self.is_list = tuple(mark == _LIST_MARK for mark in marks)
        self._rendered: dict[tuple[str, tuple[int, ...]], str] = {}

    def render(self, dialect: str, sizes: tuple[int, ...] = ()) -> str:
        """The driver's text; on SQLite, for lists of ``sizes`` elements."""
        key = (dialect, sizes)
        text = self._rendered.get(key)
        if text is None:
            if len(self._rendered) > 64:  # list lengths vary: keep the cache small
                self._rendered.clear()
            text = self._rendered[key] = _render(self.text, dialect, sizes)
        return text

    def bind(self, dialect: str, params: Sequence[Any]) -> tuple[str, list[Any]]:
        """The driver's text and arguments for one execution."""
        converters = CONVERTERS[dialect]
        args: list[Any] = []
        sizes: list[int] = []
        for is_list, kind, value in zip(self.is_list, self.kinds, params, strict=True):
            convert = converters[kind]
            if not is_list:
                args.append(value if convert is None else convert(value))
            elif dialect == POSTGRES:
                args.append(list(value) if convert is None else [convert(v) for v in value])
            else:
                sizes.append(len(value))
                args.extend(value if convert is None else map(convert, value))
        return self.render(dialect, tuple(sizes)), args

    def bind_many(self, dialect: str, rows: Iterable[Sequence[Any]]) -> tuple[str, list[Any]]:
        """The driver's text and one argument list per row (no list marks)."""
        if any(self.is_list):
            raise ValueError(f"executemany with a list mark: {self.text}")
        converters = CONVERTERS[dialect]
        typed: list[tuple[int, Convert]] = []
        for i, kind in enumerate(self.kinds):
            convert = converters[kind]
            if convert is not None:
                typed.append((i, convert))
        args = []
        for row in rows:
            values = list(row)
            for i, convert in typed:
                values[i] = convert(values[i])
            args.append(values)
        return self.render(dialect), args


def _render(text: str, dialect: str, sizes: tuple[int, ...]) -> str:
    numbers = iter(range(1, text.count("?") + 1))
    lengths = iter(sizes)

    def mark(found: re.Match[str]) -> str:
        is_list = found.group() == _LIST_MARK
        if dialect == POSTGRES:
            return f"= ANY(${next(numbers)})" if is_list else f"${next(numbers)}"
        return "IN (" + ", ".join("?" * next(lengths)) + ")" if is_list else "?"

    return _MARK.sub(mark, text)


@dataclass(frozen=True, slots=True)
class Fetch(Generic[T]):
    """A read or write that is ONE statement: ``shape(rows, dialect name)`` is its result.

    Called with a ``Connection`` it runs like ``fetch`` (SQLite, a transaction of several
    jobs). Knowing the statement ahead lets PostgreSQL's held connections send it straight to
    the driver instead (``HeldConnections.fetch``, ``ivr.store.pg_direct`` says why)."""

    sql: Sql
    params: tuple[Any, ...]
    shape: Callable[[list[Any], str], T]

    def __call__(self, conn: Connection) -> T:
        return self.shape(fetch(conn, self.sql, self.params), conn.dialect.name)


def insert_sql(table: Table, columns: Sequence[str], suffix: str = "") -> Sql:
    """``INSERT INTO table (columns) VALUES (?, ...)`` and ``suffix``, the kinds from the
    columns' types (the models are the schema's truth)."""
    marks = ", ".join("?" * len(columns))
    return Sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks}){suffix}",
        column_kinds(table, columns),
    )


def fetch(conn: Connection, sql: Sql, params: Sequence[Any] = ()) -> list[Any]:
    """Run ``sql`` once; the rows it returns (tuples on SQLite, asyncpg records)."""
    return _execute(conn, sql, params, many=False)[0]


def run(conn: Connection, sql: Sql, params: Sequence[Any] = ()) -> int:
    """Run ``sql`` once; the number of rows it changed."""
    return _execute(conn, sql, params, many=False)[1]


def run_many(conn: Connection, sql: Sql, rows: Iterable[Sequence[Any]]) -> None:
    """Run ``sql`` once per row, in one driver call."""
    _execute(conn, sql, rows, many=True)


def _execute(conn: Connection, sql: Sql, params: Any, *, many: bool) -> tuple[list[Any], int]:
    dialect = conn.dialect
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    statement: str = sql.text
    args: Any = None
    try:  # conversions too: a value its type refuses is a StatementError, as under Core
        if many:
            statement, args = sql.bind_many(dialect.name, params)
        else:
            statement, args = sql.bind(dialect.name, params)
        _before_statement(dialect, cursor)
        for listener in conn.dispatch.before_cursor_execute:
            statement, args = listener(conn, cursor, statement, args, None, many)
        if many:
            cursor.executemany(statement, args)
        else:
            cursor.execute(statement, args)
        rows = list(cursor.fetchall()) if cursor.description else []
        changed: int = cursor.rowcount
        for listener in conn.dispatch.after_cursor_execute:
            listener(conn, cursor, statement, args, None, many)
    except BaseException as exc:
        after_error(dialect, exc)
        # SQLAlchemy's own handling of a failed statement: the same wrapped exception class as
        # Core, the connection invalidated on a disconnect, handle_error listeners called.
        conn._handle_dbapi_exception(exc, statement, args, cursor, None)
    cursor.close()
    return rows, changed


def _before_statement(dialect: Any, cursor: Any) -> None:
    """What SQLAlchemy's asyncpg execution context does before each statement: give the cursor
    the time of the last schema change, so that prepared statements older than it are
    prepared again (``PGExecutionContext_asyncpg.pre_exec``)."""
    if dialect.name == POSTGRES:
        cursor._invalidate_schema_cache_asof = dialect._invalidate_schema_cache_asof


def after_error(dialect: Any, exc: BaseException) -> None:
    """...and after a failure: a statement that failed because the schema changed under its
    prepared form makes every connection prepare again (``handle_dbapi_exception``)."""
    if dialect.name == POSTGRES:
        dbapi = dialect.loaded_dbapi
        if isinstance(exc, dbapi.InvalidCachedStatementError | dbapi.InternalServerError):
            dialect._invalidate_schema_cache()
