"""PostgreSQL routines ivr_claim, ivr_release and ivr_batch: claims and releases in one round trip.

Why: on PostgreSQL each statement of a write-queue batch costs a round trip and ~0.25 ms of
CPU in SQLAlchemy's async layer; a claim was four statements (target lock, counter rows,
conditional UPDATE, claim row) and a release three. ``ivr_claim`` and ``ivr_release`` do the
same steps inside the server, with the same semantics as ``ivr.store.claims.take`` and
``give_back``: the target's advisory lock first (one lock order per batch, see the write
queue), all-or-nothing per claim (a partial take is undone before the function returns), and
never a count above its cap or below zero. SQLite keeps its own statements
(``ivr.store.claim_sql``).

``ivr_batch`` runs every claim and release of one write batch in ONE statement, in autocommit:
one round trip per batch instead of one per job plus BEGIN and COMMIT, and each target's lock
is held only while the server runs the statement. With a statement per job inside a
transaction, a batch held its targets' locks across all of its round trips, and the other
lanes' batches queued behind them (a lock convoy: claims waited 300 ms at p50 under load).

The SQL is frozen here, as this revision installs it; a change needs a revision of its own
(0005 replaced ``ivr_batch``).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Serializes two processes upgrading at once: concurrent CREATE OR REPLACE of one function
# can fail with "tuple concurrently updated".
_INSTALL_LOCK = "SELECT pg_advisory_xact_lock(7341, 0)"

_CLAIM = r"""
CREATE OR REPLACE FUNCTION ivr_claim(
    p_call_ref text, p_target_id text, p_kinds text[], p_keys text[], p_caps integer[],
    p_at timestamptz
) RETURNS integer LANGUAGE plpgsql AS $$
-- 0 when granted (every counter taken, the claim row written); else the 1-based position of
-- the first full counter, and nothing taken.
DECLARE
    wanted integer := coalesce(cardinality(p_kinds), 0);
    taken integer[];
    full_at integer;
BEGIN
    IF wanted > 0 THEN
        PERFORM pg_advisory_xact_lock(7341, hashtext(p_target_id));
        INSERT INTO target_usage (target_id, period_kind, period_key, count)
        SELECT p_target_id, c.kind, c.pkey, 0 FROM unnest(p_kinds, p_keys) AS c(kind, pkey)
        ON CONFLICT DO NOTHING;
        WITH took AS (
            UPDATE target_usage AS u SET count = u.count + 1
            FROM unnest(p_kinds, p_keys, p_caps) WITH ORDINALITY AS c(kind, pkey, cap, i)
            WHERE u.target_id = p_target_id AND u.period_kind = c.kind
              AND u.period_key = c.pkey AND u.count < c.cap
            RETURNING c.i::integer AS i
        )
        SELECT coalesce(array_agg(took.i), '{}') INTO taken FROM took;
        IF cardinality(taken) < wanted THEN
            SELECT min(n) INTO full_at FROM generate_series(1, wanted) AS n
            WHERE NOT (n = ANY (taken));
            UPDATE target_usage AS u SET count = u.count - 1
            FROM unnest(p_kinds, p_keys) WITH ORDINALITY AS c(kind, pkey, i)
            WHERE c.i = ANY (taken) AND u.target_id = p_target_id
              AND u.period_kind = c.kind AND u.period_key = c.pkey;
            RETURN full_at;
        END IF;
    END IF;
    INSERT INTO target_claims (call_ref, target_id, claimed_at)
    VALUES (p_call_ref, p_target_id, p_at);
    RETURN 0;
END $$
"""

_RELEASE = r"""
CREATE OR REPLACE FUNCTION ivr_release(
    p_call_ref text, p_target_id text, p_kinds text[], p_keys text[]
) RETURNS boolean LANGUAGE plpgsql AS $$
-- Ends the claim and gives back the listed counters; false (nothing changed) when this call
-- held no claim on the target, so a second release is harmless.
BEGIN
    PERFORM pg_advisory_xact_lock(7341, hashtext(p_target_id));
    DELETE FROM target_claims WHERE call_ref = p_call_ref AND target_id = p_target_id;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE target_usage AS u SET count = u.count - 1
    FROM unnest(p_kinds, p_keys) AS c(kind, pkey)
    WHERE u.target_id = p_target_id AND u.count > 0
      AND u.period_kind = c.kind AND u.period_key = c.pkey;
    RETURN true;
END $$
"""

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
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(_INSTALL_LOCK)
    for routine in (_CLAIM, _RELEASE, _BATCH):
        bind.exec_driver_sql(routine)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ivr_batch(jsonb)")
        op.execute("DROP FUNCTION IF EXISTS ivr_claim(text, text, text[], text[], int[], timestamptz)")
        op.execute("DROP FUNCTION IF EXISTS ivr_release(text, text, text[], text[])")
