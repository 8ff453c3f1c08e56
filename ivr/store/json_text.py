"""JSON text for what the switch stores: journal lines, JSON columns, dead letters.

Why orjson: under load, encoding call snapshots with the standard library was about 7 % of the
server's CPU (a final snapshot: 30 us with ``json``, 2 us with orjson; bench/README.md, round
6). The text is what ``json.dumps(value, separators=(",", ":"), default=...)`` writes, but for
spellings that parse to the same values (``1e16`` for ``1e+16``): datetimes and dataclasses go
through ``default`` as they do with ``json`` (orjson would write its own forms), and keys that
are not strings become strings, as with ``json``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_OPTIONS |= orjson.OPT_PASSTHROUGH_DATACLASS


def dumps_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """UTF-8 JSON; a value it cannot encode goes to ``default`` (TypeError without one)."""
    return orjson.dumps(value, default=default, option=_OPTIONS)


def dumps(value: Any) -> str:
    """JSON text (SQLAlchemy's ``json_serializer``, and the driver values of JSON columns)."""
    return orjson.dumps(value, option=_OPTIONS).decode()
