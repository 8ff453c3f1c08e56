"""PostgreSQL: ivr_batch (every claim and release of a write batch) commits asynchronously.

Why: a claim holds its target's lock until its transaction commits, and a synchronous commit
waits for the WAL flush, so every other claim of that target queued behind each flush; the
claim sits between the caller's last key press and the Dial (post-dial delay). The routine now
sets ``synchronous_commit = off`` for its own transaction; ``ivr.store.pg_routines`` says what
that risks and why it is acceptable. Call records keep synchronous commits.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from ivr.store import pg_routines

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pg_routines.install(op.get_bind())


def downgrade() -> None:
    # The routines' signatures and results are unchanged: 0004's schema runs them as they are.
    pass
