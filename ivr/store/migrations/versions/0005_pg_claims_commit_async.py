"""PostgreSQL: ivr_batch (every claim and release of a write batch) commits asynchronously.

Why: a claim holds its target's lock until its transaction commits, and a synchronous commit
waits for the WAL flush, so every other claim of that target queued behind each flush; the
claim sits between the caller's last key press and the Dial (post-dial delay). The routine now
sets ``synchronous_commit = off`` for its own transaction; its comment says what that risks and
why it is acceptable. Call records keep synchronous commits. The SQL is frozen here, as this
revision installs it; a change needs a revision of its own.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The lock of revision 0002: two processes upgrading at once must not replace it together.
_INSTALL_LOCK = "SELECT pg_advisory_xact_lock(7341, 0)"

_BATCH = r"""
CREATE OR REPLACE FUNCTION ivr_batch(p_changes jsonb) RETURNS integer[] LANGUAGE plpgsql AS $$
-- Every claim ({"op": "claim", "ref", "target", "kinds", "keys", "caps", "at"}) and release
-- ({"op": "release", "ref", "target", "kinds", "keys"}) of one write batch, in the given order
-- (the write queue's: target order, so that two processes lock targets in one order). One
-- answer each: ivr_claim's, or 1 / 0 for a release that ended a claim / found none.
DECLARE
    change jsonb;
    answers integer[] := '{}';
BEGIN
    -- Claims and releases commit without waiting for the WAL flush (this transaction only):
    -- a target's lock is held until the commit, so every claim of that target queued behind
    -- each flush. A server crash can lose the last moments' claims and releases, never half of
    -- one; the claims janitor puts counters right, as after an SQLite power loss (db.py).
    -- Call records keep synchronous commits: the journal forgets them once they are stored.
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR change IN SELECT value FROM jsonb_array_elements(p_changes) LOOP
        IF change->>'op' = 'claim' THEN
            answers := answers || ivr_claim(
                change->>'ref', change->>'target',
                ARRAY(SELECT jsonb_array_elements_text(change->'kinds')),
                ARRAY(SELECT jsonb_array_elements_text(change->'keys')),
                ARRAY(SELECT jsonb_array_elements_text(change->'caps')::integer),
                (change->>'at')::timestamptz);
        ELSIF change->>'op' = 'release' THEN
            answers := answers || CASE WHEN ivr_release(
                change->>'ref', change->>'target',
                ARRAY(SELECT jsonb_array_elements_text(change->'kinds')),
                ARRAY(SELECT jsonb_array_elements_text(change->'keys'))) THEN 1 ELSE 0 END;
        ELSE
            RAISE EXCEPTION 'ivr_batch: unknown change %', change->>'op'
                USING ERRCODE = '22023';
        END IF;
    END LOOP;
    RETURN answers;
END $$
"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_INSTALL_LOCK)
        bind.exec_driver_sql(_BATCH)


def downgrade() -> None:
    # ivr_batch's signature and answers are unchanged: 0004's code runs this one as it is, and
    # only commits would wait for the WAL flush again.
    pass
