"""A call's event timeline as one JSON value on its row (calls.events), not call_events rows.

Why: the record writer stores each call about twice, and each time deleted and inserted its
~20 call_events rows; one JSON value (the snapshot's own list) is one encode and no child rows.
Each event becomes {"at": epoch seconds rounded to ms, "kind": ..., "detail": {...}}, in seq
order, as CallLog.snapshot() writes it. The rows are copied with Core, in chunks of calls, so
the same code serves SQLite and PostgreSQL and memory stays bounded on a large table.

Plain add_column / drop_column, not batch mode: on SQLite a batch would recreate `calls`, and
dropping the old table with foreign keys on cascades to routing_attempts. SQLite (3.35+) adds
and drops this column in place.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 500  # calls per round trip of the copy

# The tables as this revision sees them (not the models, which may change later).
calls = sa.table("calls", sa.column("id", sa.Integer), sa.column("events", sa.JSON))
call_events = sa.table(
    "call_events",
    sa.column("call_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("kind", sa.String),
    sa.column("detail", sa.JSON),
)


def upgrade() -> None:
    op.add_column(
        "calls", sa.Column("events", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
    )
    bind = op.get_bind()
    for call_ids in _call_id_chunks_with_events(bind):
        _copy_rows_to_column(bind, call_ids)
    op.drop_table("call_events")


def downgrade() -> None:
    op.create_table(
        "call_events",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_events_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("call_id", "seq", name=op.f("pk_call_events")),
    )
    bind = op.get_bind()
    for timelines in _timeline_chunks(bind):
        rows = [row for call_id, events in timelines for row in _event_rows(call_id, events)]
        if rows:
            bind.execute(sa.insert(call_events), rows)
    op.drop_column("calls", "events")


def _call_id_chunks_with_events(bind: Connection) -> Iterator[list[int]]:
    """The ids of the calls that have event rows, CHUNK at a time, in id order."""
    last = None
    while True:
        query = sa.select(call_events.c.call_id).distinct().order_by(call_events.c.call_id)
        if last is not None:
            query = query.where(call_events.c.call_id > last)
        ids = list(bind.execute(query.limit(CHUNK)).scalars())
        if not ids:
            return
        yield ids
        last = ids[-1]


def _copy_rows_to_column(bind: Connection, call_ids: list[int]) -> None:
    rows = bind.execute(
        sa.select(call_events.c.call_id, call_events.c.at, call_events.c.kind,
                  call_events.c.detail)
        .where(call_events.c.call_id.in_(call_ids))
        .order_by(call_events.c.call_id, call_events.c.seq)
    )
    timelines: dict[int, list[dict[str, Any]]] = {call_id: [] for call_id in call_ids}
    for call_id, at, kind, detail in rows:
        timelines[call_id].append({"at": _epoch(at), "kind": kind, "detail": detail or {}})
    # Bind names differ from the column's: SQLAlchemy reserves "events" for the SET clause.
    statement = (
        sa.update(calls)
        .where(calls.c.id == sa.bindparam("call_id"))
        .values(events=sa.bindparam("timeline", type_=sa.JSON()))
    )
    bind.execute(statement, [{"call_id": k, "timeline": v} for k, v in timelines.items()])


def _epoch(at: datetime) -> float:
    """SQLite hands the stored UTC time back naive; PostgreSQL hands back an aware one."""
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return round(aware.timestamp(), 3)


def _timeline_chunks(bind: Connection) -> Iterator[list[tuple[int, list[dict[str, Any]]]]]:
    """(call id, events) of every call, CHUNK calls at a time, in id order."""
    last = None
    while True:
        query = sa.select(calls.c.id, calls.c.events).order_by(calls.c.id)
        if last is not None:
            query = query.where(calls.c.id > last)
        chunk = [(call_id, events) for call_id, events in bind.execute(query.limit(CHUNK))]
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def _event_rows(call_id: int, events: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The call_events rows of one timeline, as the record writer wrote them before 0003."""
    return [
        {
            "call_id": call_id,
            "seq": seq,
            "at": datetime.fromtimestamp(event["at"], UTC),
            "kind": event["kind"][:40],
            "detail": event.get("detail") or {},
        }
        for seq, event in enumerate(events or [], 1)
    ]
