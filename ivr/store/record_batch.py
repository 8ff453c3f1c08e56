"""Call snapshots into their tables, as one job of the write queue (``ivr.store.write_queue``).

The newest snapshot of each call is upserted by its ref (an older version never overwrites a
newer one). The row carries the call's whole event timeline as one JSON value, so the upsert
replaces it (or, for an older version, leaves it) with the rest of the row; the call's routing
attempts are then replaced whole when this version is the one stored. Synchronous: it runs
inside the queue's batch transaction. The statements are driver SQL (``ivr.store.record_sql``):
they run for every call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, update

from ivr.store import claims, json_text, record_sql
from ivr.store.call_rows import attempt_rows, call_row
from ivr.store.journal import JournalEntry
from ivr.store.models import Call
from ivr.store.raw_sql import Fetch

MenuVersionIds = dict[tuple[str | None, int | None], int]


def write_snapshots(
    conn: Connection, latest: dict[str, dict[str, Any]], known: MenuVersionIds | None = None
) -> None:
    """Store ``latest`` (call ref -> its newest snapshot in this batch). ``known``: menu
    version row ids found by earlier batches on this database (found ones are added)."""
    versions = _menu_version_ids(conn, latest.values(), {} if known is None else known)
    rows = [call_row(s, versions.get((s.get("menu_id"), s.get("menu_version"))))
            for s in latest.values()]  # fmt: skip
    record_sql.upsert_calls(conn, rows)
    stored = record_sql.stored_versions(conn, list(latest))
    fresh = {ref: call_id for call_id, ref, version in stored
             if version == latest[ref]["version"]}  # fmt: skip
    _replace_attempts(conn, fresh, latest)


@dataclass(frozen=True, slots=True)
class ServerSideWrite:
    """PostgreSQL: a chunk of snapshots as ONE statement, ``ivr_store_calls`` (migration 0004
    says why), run by the write queue in autocommit (``run_joined``): the statement is the
    transaction. It stores what ``write_snapshots`` stores; its result is how many calls rows
    it wrote (an older version than the stored one writes none)."""

    snapshots_json: str

    @classmethod
    def of(cls, entries: Iterable[JournalEntry]) -> ServerSideWrite:
        """The snapshots as a JSON array, from the journal's own lines where it has them (each
        line is the snapshot as ``dumps_bytes(snapshot, default=str)`` wrote it): encoding 64
        snapshots again was 3-4 % of the event loop on PostgreSQL (bench/README.md, round 11)."""
        parts = [entry.line.rstrip(b"\n") or _json_of(entry.data) for entry in entries]
        return cls((b"[" + b",".join(parts) + b"]").decode())

    def __call__(self, conn: Connection) -> int:
        # inside a transaction of several jobs: its commit is theirs, so it must not make it
        # asynchronous as run_joined's statement does
        return record_sql.store_calls_in_server(conn, self.snapshots_json)

    @staticmethod
    def run_joined(jobs: list[ServerSideWrite]) -> Fetch[list[int]]:
        """The chunks in one statement, each stored by its own call of the routine, in order
        (the record writer's batches hold one chunk: ``bulk``)."""
        return record_sql.store_chunks_in_server([job.snapshots_json for job in jobs])


def _json_of(snapshot: dict[str, Any]) -> bytes:
    """A snapshot the journal holds no line of (replayed from elsewhere, or a test's)."""
    return json_text.dumps_bytes(snapshot, default=str)


@dataclass(frozen=True, slots=True)
class FlushWal:
    """PostgreSQL: ``ServerSideWrite`` commits without waiting for the WAL flush (a flush per
    chunk cost the switch 0.04-0.11 ms of CPU per call, bench/README.md round 8, and the disk
    a flush each). The record writer runs this after a batch's chunks and before the journal
    forgets them: a commit that waits for the flush, which makes the chunks' commits durable
    too."""

    def __call__(self, conn: Connection) -> None:
        record_sql.flush_wal(1)(conn)

    @staticmethod
    def run_joined(jobs: list[FlushWal]) -> Fetch[list[None]]:
        return record_sql.flush_wal(len(jobs))


def _menu_version_ids(
    conn: Connection, snaps: Iterable[dict[str, Any]], known: MenuVersionIds
) -> MenuVersionIds:
    """A menu version's row never changes once applied (calls refer to it), so each is read
    once per writer instead of once per batch."""
    wanted = {(s.get("menu_id"), s.get("menu_version")) for s in snaps if s.get("menu_version")}
    missing = wanted - known.keys()
    if missing:
        known.update(record_sql.menu_version_ids(conn, missing))
    return known


def _replace_attempts(
    conn: Connection, fresh: dict[str, int], latest: dict[str, dict[str, Any]]
) -> None:
    """A snapshot carries every attempt of the call: replace the stored ones. ``fresh``: the
    calls whose stored version is this batch's (an older replay left a newer row alone)."""
    if not fresh:
        return
    attempts = [row for ref, cid in fresh.items() for row in attempt_rows(cid, latest[ref])]
    record_sql.replace_attempts(conn, list(fresh.values()), attempts)


def close_orphan(conn: Connection, uniqueid: str, cause: str, ended_at: float) -> list[str]:
    """Close an open record whose session died, and free its claims (a write queue job); the
    refs of the calls closed."""
    closed = conn.execute(
        update(Call)
        .where(Call.uniqueid == uniqueid, Call.status == "open")
        .values(
            status="closed",
            ended_at=datetime.fromtimestamp(ended_at, UTC),
            disposition=func.coalesce(func.nullif(Call.disposition, ""), "failed"),
            billable_reason=f"session lost; hangup cause {cause or 'unknown'}",
        )
        .returning(Call.ref)
    ).all()
    for (ref,) in closed:
        claims.forget_call(conn, ref)
    return [ref for (ref,) in closed]
