"""PostgreSQL routines ivr_claim and ivr_release: a claim or a release in one round trip.

SQLite has no server-side functions; it keeps the statements of ``ivr.store.claims``.
The routines' SQL lives in ``ivr.store.pg_routines`` (CREATE OR REPLACE): a later change to it
needs a new revision that installs them again.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from ivr.store import pg_routines

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_routines.install(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ivr_claim(text, text, text[], text[], int[], timestamptz)")
        op.execute("DROP FUNCTION IF EXISTS ivr_release(text, text, text[], text[])")
