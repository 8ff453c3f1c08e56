"""Make one table hold exactly a desired set of rows, counting what changed.

Rows are matched by primary key. A row whose values already match is left alone (no UPDATE),
which is what makes applying the same plan twice a no-op. Rows not desired are archived
(``archived_at`` set: calls still point to them) or deleted, as the caller says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from ivr.store.models import Archivable, Base

Key = tuple[Any, ...]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


async def sync_rows(
    session: AsyncSession,
    model: type[Base],
    desired: list[dict[str, Any]],
    *,
    archive_at: datetime | None = None,
) -> Counts:
    """Upsert ``desired`` into ``model``'s table. Rows left out are archived at ``archive_at``
    when given (the model has ``archived_at``), else deleted. Archived rows named again are
    restored and counted as created."""
    key_columns = [str(column.key) for column in inspect(model).primary_key]
    existing = {_key(row, key_columns): row for row in await session.scalars(select(model))}
    counts = Counts()
    wanted: set[Key] = set()
    for values in desired:
        key = tuple(values[name] for name in key_columns)
        wanted.add(key)
        row = existing.get(key)
        if row is None:
            session.add(model(**values))
            counts.created += 1
        elif isinstance(row, Archivable) and row.archived_at is not None:
            _assign(row, values)
            row.archived_at = None
            counts.created += 1
        elif _assign(row, values):
            counts.updated += 1
        else:
            counts.unchanged += 1
    for key, row in existing.items():
        if key not in wanted:
            counts.removed += await _remove(session, row, archive_at)
    await session.flush()
    return counts


async def _remove(session: AsyncSession, row: Base, archive_at: datetime | None) -> int:
    if archive_at is None or not isinstance(row, Archivable):
        await session.delete(row)
        return 1
    if row.archived_at is None:
        row.archived_at = archive_at
        return 1
    return 0  # archived by an earlier apply


def _key(row: Base, key_columns: list[str]) -> Key:
    return tuple(getattr(row, name) for name in key_columns)


def _assign(row: Base, values: dict[str, Any]) -> bool:
    """Set the values that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
