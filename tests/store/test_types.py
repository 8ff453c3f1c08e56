"""Timestamps and money read back the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy.exc import StatementError

from ivr.store.db import Database
from ivr.store.models import Call


async def test_timestamps_come_back_aware_in_utc(db: Database) -> None:
    new_york_winter = timezone(timedelta(hours=-5))
    async with db.write() as session:
        call = Call(
            did="+12025550100", started_at=datetime(2026, 1, 2, 9, 30, tzinfo=new_york_winter)
        )
        session.add(call)

    async with db.read() as session:
        stored = await session.get(Call, call.id)

    assert stored is not None
    assert stored.started_at == datetime(2026, 1, 2, 14, 30, tzinfo=UTC)
    assert stored.started_at.tzinfo == UTC


async def test_a_naive_timestamp_is_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.write() as session:
            session.add(Call(did="+12025550100", started_at=datetime(2026, 1, 2, 9, 30)))


@pytest.mark.parametrize("amount", ["99999999.9999", "0.0001", "-12.3456", "0"])
async def test_money_keeps_every_digit_of_twelve_four(db: Database, amount: str) -> None:
    async with db.write() as session:
        call = Call(
            did="+12025550100",
            started_at=datetime(2026, 1, 2, tzinfo=UTC),
            margin=Decimal(amount),
            talk_s=Decimal("1234567.891"),
        )
        session.add(call)

    async with db.read() as session:
        stored = await session.get(Call, call.id)

    assert stored is not None and isinstance(stored.margin, Decimal)
    assert stored.margin == Decimal(amount)
    assert stored.talk_s == Decimal("1234567.891")
