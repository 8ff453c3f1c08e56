"""The configuration tables: what ``ivr apply`` writes from a call plan.

Rows that calls point to (publishers, buyers, targets, campaigns, menus) are never deleted: an
entity left out of a newly applied plan gets ``archived_at`` set, and comes back (``archived_at``
cleared) when a later plan names it again. Live rows are those with ``archived_at IS NULL``.
Link rows (campaign publishers and targets) and tracking numbers are replaced outright, so an
archived campaign has no numbers and an archived target no campaign: neither can take a call.

Menus keep every definition ever applied as numbered ``menu_versions`` that are never rewritten;
a call records the version it ran.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ivr.store.models.base import E164_LEN, SLUG_LEN, Archivable, Base
from ivr.store.types import MONEY, UTCDateTime


class Publisher(Archivable, Base):
    __tablename__ = "publishers"

    id: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Buyer(Archivable, Base):
    __tablename__ = "buyers"

    id: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Target(Archivable, Base):
    """A buyer's line. Exactly one destination column is set."""

    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN endpoint IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN number IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN sip_uri IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_destination",
        ),
    )

    id: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    buyer_id: Mapped[str] = mapped_column(ForeignKey("buyers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within the buyer, as in the plan
    name: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str | None] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(E164_LEN))
    sip_uri: Mapped[str | None] = mapped_column(String(210))
    ring_timeout_s: Mapped[int] = mapped_column(Integer)
    concurrency_cap: Mapped[int | None] = mapped_column(Integer)
    hourly_cap: Mapped[int | None] = mapped_column(Integer)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    monthly_cap: Mapped[int | None] = mapped_column(Integer)
    # {"timezone": "America/Chicago", "hours": {"mon": [{"start": "09:00:00", ...}]}} or null
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    states: Mapped[list[str]] = mapped_column(JSON)
    area_codes: Mapped[list[str]] = mapped_column(JSON)
    zip_prefixes: Mapped[list[str]] = mapped_column(JSON)
    required_tags: Mapped[list[str]] = mapped_column(JSON)
    min_billable_s: Mapped[int | None] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(MONEY)
    priority: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)


class Menu(Archivable, Base):
    __tablename__ = "menus"

    id: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    current_version: Mapped[int] = mapped_column(Integer)  # the version new calls run


class MenuVersion(Base):
    """One applied definition of a menu (the plan's Menu as JSON). Inserted, never updated."""

    __tablename__ = "menu_versions"
    __table_args__ = (UniqueConstraint("menu_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    menu_id: Mapped[str] = mapped_column(ForeignKey("menus.id"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Campaign(Archivable, Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(SLUG_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    menu_id: Mapped[str | None] = mapped_column(ForeignKey("menus.id"), index=True)
    billable_after_s: Mapped[int] = mapped_column(Integer)
    dedupe_days: Mapped[int] = mapped_column(Integer)
    # The plan's Recording, Screening and Fallback models as JSON (mode="json").
    recording: Mapped[dict[str, Any]] = mapped_column(JSON)
    screening: Mapped[dict[str, Any]] = mapped_column(JSON)
    fallback: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean)


class CampaignPublisher(Base):
    """A publisher allowed on a campaign and its payout: a fixed amount or a revenue share."""

    __tablename__ = "campaign_publishers"
    __table_args__ = (
        CheckConstraint("payout_kind IN ('fixed', 'revenue_share')", name="payout_kind"),
    )

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    publisher_id: Mapped[str] = mapped_column(
        ForeignKey("publishers.id"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    payout_kind: Mapped[str] = mapped_column(String(16))
    payout_amount: Mapped[Decimal] = mapped_column(MONEY)


class CampaignTarget(Base):
    """A target a campaign may route to; null priority/weight mean the target's own."""

    __tablename__ = "campaign_targets"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[str] = mapped_column(ForeignKey("targets.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int | None] = mapped_column(Integer)
    weight: Mapped[int | None] = mapped_column(Integer)


class TrackingNumber(Base):
    __tablename__ = "tracking_numbers"

    number: Mapped[str] = mapped_column(String(E164_LEN), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    publisher_id: Mapped[str] = mapped_column(ForeignKey("publishers.id"), index=True)


class ConfigState(Base):
    """One row: ``revision`` grows by one with every apply that changed anything, so a running
    switch notices an apply made by another process with one cheap read."""

    __tablename__ = "config_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
