"""Calls (each with its event timeline) and their routing attempts.

A call row is written from two sources, the FastAGI session and the AMI stream; ``data_source``
says which of them the row's facts came from. ``version`` grows with every snapshot written, so
a snapshot replayed from the journal after a crash never overwrites a newer one.
A call's timeline is one JSON value on its row (``events``), as the snapshot carries it: the
record writer stores each call about twice, and one encoded value per write costs far less than
deleting and inserting ~20 child rows each time (issue 5).
Durations are seconds with milliseconds (Decimal); money is Decimal(12, 4).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.models.base import E164_LEN, Base
from ivr.store.types import MONEY, SECONDS, UTCDateTime

DATA_SOURCES = ("agi", "ami", "both")
CALL_STATUSES = ("open", "closed")


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("data_source IN ('agi', 'ami', 'both')", name="data_source"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        Index(None, "started_at"),
        Index(None, "campaign_id", "started_at"),
        Index(None, "publisher_id", "started_at"),
        Index(None, "target_id", "started_at"),
        # Duplicate and velocity checks look up a caller's earlier calls.
        Index(None, "caller_number", "started_at"),
        Index(None, "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The call's own id (a UUID, hex): the journal's snapshots are upserted by it.
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: uuid.uuid4().hex)
    version: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str | None] = mapped_column(String(128))
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(2))
    uniqueid: Mapped[str | None] = mapped_column(String(64), unique=True)
    linkedid: Mapped[str | None] = mapped_column(String(64), index=True)
    did: Mapped[str] = mapped_column(String(E164_LEN + 16))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    caller_name: Mapped[str | None] = mapped_column(String(128))
    caller_state: Mapped[str | None] = mapped_column(String(2))
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id"))
    publisher_id: Mapped[str | None] = mapped_column(ForeignKey("publishers.id"))
    target_id: Mapped[str | None] = mapped_column(ForeignKey("targets.id"))
    menu_version_id: Mapped[int | None] = mapped_column(ForeignKey("menu_versions.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ivr_s: Mapped[Decimal | None] = mapped_column(SECONDS)
    ring_s: Mapped[Decimal | None] = mapped_column(SECONDS)
    talk_s: Mapped[Decimal | None] = mapped_column(SECONDS)
    disposition: Mapped[str | None] = mapped_column(String(32))
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    billable_reason: Mapped[str | None] = mapped_column(String(200))
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    revenue: Mapped[Decimal | None] = mapped_column(MONEY)
    payout: Mapped[Decimal | None] = mapped_column(MONEY)
    margin: Mapped[Decimal | None] = mapped_column(MONEY)
    recording_path: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    gathered: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The call's story step by step, in order, as CallLog.snapshot() lists it: {"at": epoch
    # seconds to the ms, "kind": e.g. "ivr.digit", "dial.start", "hangup", "detail": {...}}.
    # The server default is for rows written without the column (migration 0003 adds it).
    events: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    data_source: Mapped[str] = mapped_column(String(8), default="agi")
    status: Mapped[str] = mapped_column(String(8), default="open")


class RoutingAttempt(Base):
    """One Dial to one target: its status as Asterisk reported it, and what it meant."""

    __tablename__ = "routing_attempts"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[str | None] = mapped_column(ForeignKey("targets.id"), index=True)
    dial_string: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dial_status: Mapped[str | None] = mapped_column(String(20))  # DIALSTATUS, e.g. BUSY
    hangup_cause: Mapped[int | None] = mapped_column(Integer)  # Q.850 HANGUPCAUSE
    tech_cause: Mapped[str | None] = mapped_column(String(200))  # e.g. "SIP 486 Busy Here"
    outcome: Mapped[str | None] = mapped_column(String(32))
