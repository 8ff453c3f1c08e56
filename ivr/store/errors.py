"""Which database errors are outages, which blame the data, and which are worth one more try.

Three kinds, because each calls for a different answer:
- *refused* (``refused_by_database``): the statement's own data is wrong (constraint, value
  that does not fit). Retrying changes nothing: isolate it and set it aside or refuse it;
- *transient* (``transient``): PostgreSQL gave up one transaction to let another go on
  (deadlock detected, serialization failure), or a pooled connection had died (the pool does
  not ping before each use). Nothing is wrong now: run it again;
- anything else in ``DB_ERRORS`` (connection refused or lost, ``database is locked`` after the
  busy timeout, schema missing) is an *outage*.
"""

from __future__ import annotations

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError

DB_ERRORS = (SQLAlchemyError, OSError, TimeoutError)
# SQLSTATE classes that blame the data: 22 data exception, 23 integrity constraint violation.
# asyncpg's errors reach SQLAlchemy as plain DBAPIError, so the class alone cannot tell.
REFUSAL_SQLSTATE_CLASSES = ("22", "23")
# 40001 serialization failure, 40P01 deadlock detected: the server rolled back one victim.
TRANSIENT_SQLSTATES = ("40001", "40P01")


def _sqlstate(exc: BaseException) -> str | None:
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state if isinstance(state, str) else None


def refused_by_database(exc: BaseException) -> bool:
    """True when the statement's own data is wrong; False when the database is away or broken."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    if isinstance(exc, DBAPIError):
        state = _sqlstate(exc)
        return state is not None and state[:2] in REFUSAL_SQLSTATE_CLASSES
    # A StatementError that is no DBAPIError failed while binding parameters, before sending.
    return isinstance(exc, StatementError)


def transient(exc: BaseException) -> bool:
    """True when the server rolled the transaction back only to break a conflict, or when a
    pooled connection was found dead (SQLAlchemy has replaced the pool's connections: the next
    try runs on a fresh one, or meets the outage for real)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return _sqlstate(exc) in TRANSIENT_SQLSTATES


def first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else ""
