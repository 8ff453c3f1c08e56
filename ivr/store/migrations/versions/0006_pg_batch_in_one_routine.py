"""PostgreSQL: ivr_batch does each claim and release itself, with each target locked once.

Why: 0005's ivr_batch called ivr_claim / ivr_release once per change. Each call took its
target's lock again, created every counter row with INSERT ... ON CONFLICT, and built three
arrays from the JSON change by change. pg_stat_statements put ivr_batch at 0.166 ms of database
time per call, the largest item after storing call records (bench/README.md, round 11). This
version locks each distinct target once, in the write queue's order (the "C" collation, as
before), decodes the changes in one query, and creates counters only when a claim's UPDATE did
not find them. The answers and the rows are those of 0005's (a micro-benchmark on the bench
plan: 59 -> 49 us per change, round trip included). ivr_claim and ivr_release stay: a batch
that fails runs again job by job through them.

The SQL is frozen here, as this revision installs it; a change needs a revision of its own.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lock of revision 0002: two processes upgrading at once must not replace it together.
_INSTALL_LOCK = "SELECT pg_advisory_xact_lock(7341, 0)"

_BATCH = r"""
CREATE OR REPLACE FUNCTION ivr_batch(p_changes jsonb) RETURNS integer[] LANGUAGE plpgsql AS $$
-- Every claim ({"op": "claim", "ref", "target", "kinds", "keys", "caps", "at"}) and release
-- ({"op": "release", "ref", "target", "kinds", "keys"}) of one write batch, in the given order.
-- One answer each: 0 for a granted claim, else the 1-based position of its first full counter
-- (nothing taken); 1 / 0 for a release that ended a claim / found none. The same steps and
-- answers as ivr_claim and ivr_release change by change (migration 0002), done in this one
-- function: each target's lock taken once, in the write queue's order ("C"), and a counter
-- created only when the claim's UPDATE did not find it (a period's first claim).
DECLARE
    c record;
    answers integer[] := '{}';
    wanted integer;
    taken integer[];
    target text;
BEGIN
    -- Commits without waiting for the WAL flush (this transaction only), as since 0005: a
    -- server crash can lose the last moments' claims and releases, never half of one.
    PERFORM set_config('synchronous_commit', 'off', true);
    FOR target IN
        SELECT DISTINCT (value->>'target') COLLATE "C" AS t FROM jsonb_array_elements(p_changes)
        ORDER BY t
    LOOP
        PERFORM pg_advisory_xact_lock(7341, hashtext(target));
    END LOOP;
    FOR c IN
        SELECT value->>'op' AS op, value->>'ref' AS ref, value->>'target' AS target,
               ARRAY(SELECT jsonb_array_elements_text(value->'kinds')) AS kinds,
               ARRAY(SELECT jsonb_array_elements_text(value->'keys')) AS keys,
               ARRAY(SELECT jsonb_array_elements_text(value->'caps')::integer) AS caps,
               (value->>'at')::timestamptz AS at
        FROM jsonb_array_elements(p_changes) WITH ORDINALITY AS e(value, n) ORDER BY n
    LOOP
        IF c.op = 'claim' THEN
            wanted := coalesce(cardinality(c.kinds), 0);
            taken := '{}';
            IF wanted > 0 THEN
                WITH took AS (
                    UPDATE target_usage AS u SET count = u.count + 1
                    FROM unnest(c.kinds, c.keys, c.caps) WITH ORDINALITY AS k(kind, pkey, cap, i)
                    WHERE u.target_id = c.target AND u.period_kind = k.kind
                      AND u.period_key = k.pkey AND u.count < k.cap
                    RETURNING k.i::integer AS i
                )
                SELECT coalesce(array_agg(took.i), '{}') INTO taken FROM took;
                IF cardinality(taken) < wanted THEN
                    INSERT INTO target_usage (target_id, period_kind, period_key, count)
                    SELECT c.target, k.kind, k.pkey, 0
                    FROM unnest(c.kinds, c.keys) WITH ORDINALITY AS k(kind, pkey, i)
                    WHERE NOT (k.i = ANY (taken))
                    ON CONFLICT DO NOTHING;
                    WITH took AS (
                        UPDATE target_usage AS u SET count = u.count + 1
                        FROM unnest(c.kinds, c.keys, c.caps) WITH ORDINALITY AS k(kind, pkey, cap, i)
                        WHERE NOT (k.i::integer = ANY (taken)) AND u.target_id = c.target
                          AND u.period_kind = k.kind AND u.period_key = k.pkey AND u.count < k.cap
                        RETURNING k.i::integer AS i
                    )
                    SELECT taken || coalesce(array_agg(took.i), '{}') INTO taken FROM took;
                END IF;
                IF cardinality(taken) < wanted THEN
                    UPDATE target_usage AS u SET count = u.count - 1
                    FROM unnest(c.kinds, c.keys) WITH ORDINALITY AS k(kind, pkey, i)
                    WHERE k.i = ANY (taken) AND u.target_id = c.target
                      AND u.period_kind = k.kind AND u.period_key = k.pkey;
                    answers := answers || (SELECT min(n) FROM generate_series(1, wanted) AS n
                                           WHERE NOT (n = ANY (taken)));
                    CONTINUE;
                END IF;
            END IF;
            INSERT INTO target_claims (call_ref, target_id, claimed_at)
            VALUES (c.ref, c.target, c.at);
            answers := answers || 0;
        ELSIF c.op = 'release' THEN
            DELETE FROM target_claims WHERE call_ref = c.ref AND target_id = c.target;
            IF FOUND THEN
                IF cardinality(c.kinds) > 0 THEN
                    UPDATE target_usage AS u SET count = u.count - 1
                    FROM unnest(c.kinds, c.keys) AS k(kind, pkey)
                    WHERE u.target_id = c.target AND u.count > 0
                      AND u.period_kind = k.kind AND u.period_key = k.pkey;
                END IF;
                answers := answers || 1;
            ELSE
                answers := answers || 0;
            END IF;
        ELSE
            RAISE EXCEPTION 'ivr_batch: unknown change %', c.op USING ERRCODE = '22023';
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
    # ivr_batch's signature and answers are unchanged: 0005's code runs this one as it is.
    pass
