"""Small builders of plan models for the rules tests (module name unique across test dirs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ivr.plans.schema import Campaign, Target


def make_target(target_id: str = "t1", **fields: Any) -> Target:
    data: dict[str, Any] = {"id": target_id, "endpoint": target_id}
    data.update(fields)
    return Target.model_validate(data)


def make_campaign(*targets: str | dict[str, Any], **fields: Any) -> Campaign:
    links = [{"target": t} if isinstance(t, str) else t for t in targets] or [{"target": "t1"}]
    data: dict[str, Any] = {
        "id": "c1",
        "name": "Campaign",
        "publishers": [{"publisher": "p1", "payout": {"fixed": "10"}}],
        "targets": links,
    }
    data.update(fields)
    return Campaign.model_validate(data)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
