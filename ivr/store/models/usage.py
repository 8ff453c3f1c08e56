"""Live counters for target caps and concurrency, and the console's users.

``target_usage`` counts connected calls per (target, period kind, period key), e.g.
(``acme-1``, ``day``, ``2026-11-21``) in the target's time zone; routing claims a slot with one
atomic ``UPDATE ... SET count = count + 1 WHERE count < cap`` (or an insert for a new period).
``target_claims`` holds one row per call currently ringing or bridged to a target: the number of
rows for a target is its live concurrency. A claim is deleted when its call leg ends.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.models.base import SLUG_LEN, Base
from ivr.store.types import UTCDateTime

PERIOD_KINDS = ("hour", "day", "month")
ROLES = ("admin", "qa", "publisher", "buyer", "call_center")


class TargetUsage(Base):
    __tablename__ = "target_usage"
    __table_args__ = (
        CheckConstraint("period_kind IN ('hour', 'day', 'month')", name="period_kind"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    target_id: Mapped[str] = mapped_column(
        ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True
    )
    period_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(16), primary_key=True)  # 2026-11-21T14
    count: Mapped[int] = mapped_column(Integer, default=0)


class TargetClaim(Base):
    __tablename__ = "target_claims"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[str] = mapped_column(
        ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    """A console user. Publisher and buyer users see only their own party's calls."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'qa', 'publisher', 'buyer', 'call_center')", name="role"
        ),
        CheckConstraint(
            "(role <> 'publisher' OR publisher_id IS NOT NULL)"
            " AND (role <> 'buyer' OR buyer_id IS NOT NULL)",
            name="party_scope",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(SLUG_LEN), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    publisher_id: Mapped[str | None] = mapped_column(ForeignKey("publishers.id"), index=True)
    buyer_id: Mapped[str | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
