"""PostgreSQL routine ivr_store_calls: a chunk of call snapshots stored in one statement.

Why: the record writer stores every call about twice. Through the driver, each chunk of
snapshots cost BEGIN, an upsert, a read of the stored versions, a delete and an insert of the
routing attempts, and COMMIT: six round trips, and ~30 values per call converted in Python
first (``ivr.store.call_rows``). This routine takes the snapshots as the JSON the journal holds
(``CallLog.snapshot()``) and turns them into rows inside the server, in one statement, so one
round trip in autocommit stores the chunk (``ivr.store.record_batch.ServerSideWrite``).

It stores exactly what ``ivr.store.call_rows`` builds and ``ivr.store.record_batch`` writes
(the same truncations, defaults and rounding; a test compares the two row by row):

- ``ivr_epoch`` is ``datetime.fromtimestamp(seconds, UTC)``: whole seconds, then the fraction
  in microseconds rounded half to even, as CPython rounds it (``to_timestamp`` alone multiplies
  the whole value and rounds differently in about one case in eight);
- the newest version wins: an older snapshot (a replay) leaves a newer row alone, and only the
  calls whose row this statement wrote get their routing attempts replaced;
- JSON values (tags, gathered digits, events) are stored as the snapshot's own text;
- a snapshot the table refuses (a value too long, a missing start) fails the statement with the
  database's error, so the writer sets it aside as it does on SQLite.

SQLite has no server-side routines: it keeps ``ivr.store.record_batch.write_snapshots``.
The SQL is frozen here, as written; a later change needs a revision of its own.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EPOCH = r"""
CREATE OR REPLACE FUNCTION ivr_epoch(p_seconds double precision) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_timestamp(trunc(p_seconds))
        + round((p_seconds - trunc(p_seconds)) * 1000000::double precision)
          * interval '1 microsecond'
$$
"""

_STORE_CALLS = r"""
CREATE OR REPLACE FUNCTION ivr_store_calls(p_snapshots json) RETURNS integer
LANGUAGE plpgsql AS $$
-- p_snapshots: a JSON array of call snapshots, at most one per call. Returns how many calls
-- rows this statement inserted or updated (an older version than the stored one is skipped).
DECLARE
    written_ids integer[];
    written_attempts json[];
BEGIN
    WITH snap AS (
        SELECT * FROM json_to_recordset(p_snapshots) AS s(
            id text, version integer, uniqueid text, channel text, did text, did_raw text,
            caller text, caller_raw text, caller_name text, caller_state text,
            campaign_id text, publisher_id text, target_id text, menu_id text,
            menu_version integer, started_at double precision, answered_at double precision,
            ended_at double precision, ivr_s numeric, ring_s numeric, talk_s numeric,
            disposition text, billable boolean, billable_reason text, duplicate boolean,
            revenue numeric, payout numeric, margin numeric, recording_path text,
            tags json, gathered json, events json, data_source text, status text,
            reject_reason text, region text, attempts json)
    ), written AS (
        INSERT INTO calls (
            ref, version, uniqueid, channel, did, caller_number, caller_name, caller_state,
            campaign_id, publisher_id, target_id, menu_version_id, started_at, answered_at,
            ended_at, ivr_s, ring_s, talk_s, disposition, billable, billable_reason,
            duplicate, revenue, payout, margin, recording_path, tags, gathered, events,
            data_source, status, reject_reason, region)
        SELECT
            s.id, s.version, nullif(s.uniqueid, ''),
            nullif(left(coalesce(s.channel, ''), 128), ''),
            left(coalesce(nullif(s.did, ''), nullif(s.did_raw, ''), ''), 32),
            nullif(left(coalesce(nullif(s.caller, ''), nullif(s.caller_raw, ''), ''), 64), ''),
            nullif(left(coalesce(s.caller_name, ''), 128), ''),
            s.caller_state, s.campaign_id, s.publisher_id, s.target_id, mv.id,
            ivr_epoch(s.started_at), ivr_epoch(s.answered_at), ivr_epoch(s.ended_at),
            round(s.ivr_s, 3), round(s.ring_s, 3), round(s.talk_s, 3),
            s.disposition, coalesce(s.billable, false), s.billable_reason,
            coalesce(s.duplicate, false), s.revenue, s.payout, s.margin, s.recording_path,
            coalesce(s.tags, '[]'), coalesce(s.gathered, '{}'), coalesce(s.events, '[]'),
            coalesce(nullif(s.data_source, ''), 'agi'), coalesce(nullif(s.status, ''), 'open'),
            s.reject_reason, s.region
        FROM snap AS s
        LEFT JOIN menu_versions AS mv
            ON mv.menu_id = s.menu_id AND mv.version = s.menu_version
        ON CONFLICT (ref) DO UPDATE SET
            version = excluded.version, uniqueid = excluded.uniqueid,
            channel = excluded.channel, did = excluded.did,
            caller_number = excluded.caller_number, caller_name = excluded.caller_name,
            caller_state = excluded.caller_state, campaign_id = excluded.campaign_id,
            publisher_id = excluded.publisher_id, target_id = excluded.target_id,
            menu_version_id = excluded.menu_version_id, started_at = excluded.started_at,
            answered_at = excluded.answered_at, ended_at = excluded.ended_at,
            ivr_s = excluded.ivr_s, ring_s = excluded.ring_s, talk_s = excluded.talk_s,
            disposition = excluded.disposition, billable = excluded.billable,
            billable_reason = excluded.billable_reason, duplicate = excluded.duplicate,
            revenue = excluded.revenue, payout = excluded.payout, margin = excluded.margin,
            recording_path = excluded.recording_path, tags = excluded.tags,
            gathered = excluded.gathered, events = excluded.events,
            data_source = excluded.data_source, status = excluded.status,
            reject_reason = excluded.reject_reason, region = excluded.region
        WHERE calls.version < excluded.version
        RETURNING calls.id, calls.ref
    )
    SELECT coalesce(array_agg(w.id), '{}'), coalesce(array_agg(s.attempts), '{}')
    INTO written_ids, written_attempts
    FROM written AS w JOIN snap AS s ON s.id = w.ref;

    IF cardinality(written_ids) = 0 THEN
        RETURN 0;
    END IF;
    DELETE FROM routing_attempts WHERE call_id = ANY (written_ids);
    INSERT INTO routing_attempts (
        call_id, seq, target_id, dial_string, started_at, answered_at, ended_at,
        dial_status, hangup_cause, tech_cause, outcome)
    SELECT
        w.id, a.seq, a.target_id, left(a.dial_string, 300), ivr_epoch(a.started_at),
        ivr_epoch(a.answered_at), ivr_epoch(a.ended_at), a.dial_status,
        CASE WHEN a.hangup_cause ~ '^[0-9]+$' THEN a.hangup_cause::integer END,
        a.tech_cause, nullif(lower(coalesce(a.dial_status, '')), '')
    FROM unnest(written_ids, written_attempts) AS w(id, attempts)
    CROSS JOIN LATERAL json_to_recordset(coalesce(w.attempts, '[]')) AS a(
        seq integer, target_id text, dial_string text, started_at double precision,
        answered_at double precision, ended_at double precision, dial_status text,
        hangup_cause text, tech_cause text);
    RETURN cardinality(written_ids);
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_EPOCH)
        op.execute(_STORE_CALLS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ivr_store_calls(json)")
        op.execute("DROP FUNCTION IF EXISTS ivr_epoch(double precision)")
