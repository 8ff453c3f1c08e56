"""``json_text``: the JSON the switch stores reads back as the standard library's would, and
spells values as it does where the journal and the dead letters rely on ``default=str``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from ivr.store import json_text


@dataclass
class Marker:
    name: str


def _stdlib(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False).encode()


SNAPSHOT = {
    "id": "f" * 32,
    "started_at": 1795546800.123,
    "talk_s": 95.0,
    "revenue": "30.00",
    "billable": True,
    "region": None,
    "tags": ["b", "a"],
    "gathered": {"zip": "60601", "name": "Zoë"},
    "events": [{"at": 1795546801.5, "kind": "ivr.digit", "detail": {"digits": "1"}}],
}


@pytest.mark.parametrize(
    "value",
    [
        SNAPSHOT,
        {"at": datetime(2026, 12, 3, 8, 0, tzinfo=UTC)},  # through default, as json writes it
        {"money": Decimal("12.3456")},
        {"marker": Marker("x")},  # a dataclass: through default too
        {1: "a", 2: ["b"]},  # keys that are not strings become strings
    ],
)
def test_the_text_is_the_standard_librarys(value: Any) -> None:
    assert json_text.dumps_bytes(value, default=str) == _stdlib(value)


def test_without_a_default_an_unknown_value_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        json_text.dumps({"money": Decimal("1")})


def test_column_text_reads_back_as_written() -> None:
    assert json.loads(json_text.dumps(SNAPSHOT)) == SNAPSHOT
