"""Live counters for target caps and concurrency, and the console's users.

``target_usage`` counts per (target, period kind, period key): kinds ``hour``, ``day`` and
``month`` count connected calls in that period of the target's time zone (key e.g.
``2026-11-21``), and kind ``live`` (key ``""``) counts the calls ringing or bridged to the target
right now. A slot of any of them is claimed with one atomic conditional
``UPDATE ... SET count = count + 1 WHERE count < cap``, so two processes sharing PostgreSQL can
never overshoot a cap. ``target_claims`` names the call holding each live slot, so a janitor
can recount ``live`` after a crash. The same janitor deletes the counters of periods long over
(``claims.delete_past_counters``): nothing reads them again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.models.base import SLUG_LEN, Base
from ivr.store.types import UTCDateTime

PERIOD_KINDS = ("live", "hour", "day", "month")
ROLES = ("admin", "qa", "publisher", "buyer", "call_center")


class TargetUsage(Base):
    __tablename__ = "target_usage"
    __table_args__ = (
        CheckConstraint("period_kind IN ('live', 'hour', 'day', 'month')", name="period_kind"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )

    target_id: Mapped[str] = mapped_column(
        ForeignKey("targets.id", ondelete="CASCADE"), primary_key=True
    )
    period_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(24), primary_key=True)  # 2026-11-21
    count: Mapped[int] = mapped_column(Integer, default=0)


class TargetClaim(Base):
    __tablename__ = "target_claims"

    # The call's ref, not a foreign key: a claim is taken before the write-behind journal has
    # stored the call's row.
    call_ref: Mapped[str] = mapped_column(String(32), primary_key=True)
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
