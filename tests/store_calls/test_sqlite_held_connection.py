"""SQLite's inline runner keeps its one connection checked out between transactions (a pool
checkout and check-in cost more than a claim's whole transaction), yet each transaction still
stands alone: a failure rolls back and the next one runs on a fresh connection, a busy database
leaves the connection usable, and a read leaves no snapshot open behind it."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import OperationalError

from ivr.store.db import _sqlite_on_connect
from ivr.store.sqlite_runner import SqliteRunner, is_busy


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "held.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE counts (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        setup.execute("INSERT INTO counts VALUES (1, 0)")
        setup.commit()
    return path


def _runner(path: Path, *, immediate: bool) -> SqliteRunner:
    return SqliteRunner(f"sqlite:///{path}", busy_ms=1000, immediate=immediate,
                        on_connect=_sqlite_on_connect)  # fmt: skip


Counted = tuple[SqliteRunner, list[int]]  # the runner, one entry per pool checkout


@contextlib.contextmanager
def _runner_counting_checkouts(path: Path, *, immediate: bool) -> Iterator[Counted]:
    runner = _runner(path, immediate=immediate)
    checkouts: list[int] = []
    event.listen(runner.inline, "checkout", lambda *_: checkouts.append(1))
    try:
        yield runner, checkouts
    finally:
        runner.close()


def _bump(conn: Connection) -> int:
    conn.exec_driver_sql("UPDATE counts SET v = v + 1 WHERE k = 1")
    return int(conn.exec_driver_sql("SELECT v FROM counts WHERE k = 1").scalar_one())


def _stored(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as other:
        [(value,)] = other.execute("SELECT v FROM counts WHERE k = 1").fetchall()
    return int(value)


def test_transactions_share_one_checkout_and_each_commits(database: Path) -> None:
    with _runner_counting_checkouts(database, immediate=True) as (runner, checkouts):
        results = [runner.run_inline(_bump) for _ in range(20)]
        assert results == list(range(1, 21))
        assert _stored(database) == 20  # each one committed, seen from another connection
        assert len(checkouts) == 1


def test_a_failed_transaction_rolls_back_and_the_next_gets_a_fresh_connection(
    database: Path,
) -> None:
    def bump_then_fail(conn: Connection) -> None:
        _bump(conn)
        raise ValueError("a bug in the job")

    with _runner_counting_checkouts(database, immediate=True) as (runner, checkouts):
        runner.run_inline(_bump)
        with pytest.raises(ValueError, match="a bug in the job"):
            runner.run_inline(bump_then_fail)
        assert _stored(database) == 1
        assert runner.run_inline(_bump) == 2
        assert len(checkouts) == 2


def test_a_busy_database_leaves_the_held_connection_usable(database: Path) -> None:
    with (
        _runner_counting_checkouts(database, immediate=True) as (runner, checkouts),
        contextlib.closing(sqlite3.connect(database, isolation_level=None)) as other,
    ):
        runner.run_inline(_bump)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(OperationalError) as busy:
            runner.run_inline(_bump)
        assert is_busy(busy.value)
        other.execute("COMMIT")
        assert runner.run_inline(_bump) == 2
        assert len(checkouts) == 1


def test_a_read_leaves_no_snapshot_open(database: Path) -> None:
    """A Core statement makes the read runner BEGIN; the transaction must end with the read,
    or the held connection would pin the WAL (no checkpoint could ever finish)."""
    with (
        _runner_counting_checkouts(database, immediate=False) as (reader, _),
        contextlib.closing(sqlite3.connect(database, isolation_level=None)) as writer,
    ):
        assert reader.run_inline(_read_counts) == [(0,)]
        writer.execute("UPDATE counts SET v = 5 WHERE k = 1")
        [(blocked, _, _)] = writer.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        assert blocked == 0
        assert reader.run_inline(_read_counts) == [(5,)]


def _read_counts(conn: Connection) -> list[tuple[int]]:
    return [(int(row[0]),) for row in conn.execute(text("SELECT v FROM counts"))]


def _other_writer_is_locked_out(path: Path) -> bool:
    with contextlib.closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as other:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return True
        other.execute("ROLLBACK")
        return False


@pytest.mark.parametrize("immediate", [True, False])
def test_write_transactions_hold_the_write_lock_from_their_begin(
    database: Path, immediate: bool
) -> None:
    """The runner's dialect begins a write transaction IMMEDIATE (before its first statement)
    and a read transaction deferred (it takes no write lock)."""

    def read_then_look(conn: Connection) -> bool:
        conn.execute(text("SELECT 1"))  # inside the transaction, whatever began it
        return _other_writer_is_locked_out(database)

    with _runner_counting_checkouts(database, immediate=immediate) as (runner, _):
        assert runner.run_inline(read_then_look) is immediate
