"""Initial schema: configuration, calls, cap counters and users.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 10:43:28.338105
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('buyers',
    sa.Column('id', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyers'))
    )
    op.create_table('menus',
    sa.Column('id', sa.String(length=63), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menus'))
    )
    op.create_table('config_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_state'))
    )
    op.create_table('publishers',
    sa.Column('id', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publishers'))
    )
    op.create_table('campaigns',
    sa.Column('id', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('menu_id', sa.String(length=63), nullable=True),
    sa.Column('billable_after_s', sa.Integer(), nullable=False),
    sa.Column('dedupe_days', sa.Integer(), nullable=False),
    sa.Column('recording', sa.JSON(), nullable=False),
    sa.Column('screening', sa.JSON(), nullable=False),
    sa.Column('fallback', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['menu_id'], ['menus.id'], name=op.f('fk_campaigns_menu_id_menus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_index(op.f('ix_campaigns_menu_id'), 'campaigns', ['menu_id'], unique=False)

    op.create_table('menu_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('menu_id', sa.String(length=63), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['menu_id'], ['menus.id'], name=op.f('fk_menu_versions_menu_id_menus')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu_versions')),
    sa.UniqueConstraint('menu_id', 'version', name=op.f('uq_menu_versions_menu_id_version'))
    )
    op.create_table('targets',
    sa.Column('id', sa.String(length=63), nullable=False),
    sa.Column('buyer_id', sa.String(length=63), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('endpoint', sa.String(length=64), nullable=True),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('sip_uri', sa.String(length=210), nullable=True),
    sa.Column('ring_timeout_s', sa.Integer(), nullable=False),
    sa.Column('concurrency_cap', sa.Integer(), nullable=True),
    sa.Column('hourly_cap', sa.Integer(), nullable=True),
    sa.Column('daily_cap', sa.Integer(), nullable=True),
    sa.Column('monthly_cap', sa.Integer(), nullable=True),
    sa.Column('schedule', sa.JSON(), nullable=True),
    sa.Column('states', sa.JSON(), nullable=False),
    sa.Column('area_codes', sa.JSON(), nullable=False),
    sa.Column('zip_prefixes', sa.JSON(), nullable=False),
    sa.Column('required_tags', sa.JSON(), nullable=False),
    sa.Column('min_billable_s', sa.Integer(), nullable=True),
    sa.Column('revenue', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(CASE WHEN endpoint IS NULL THEN 0 ELSE 1 END + CASE WHEN number IS NULL THEN 0 ELSE 1 END + CASE WHEN sip_uri IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_targets_one_destination')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_targets_buyer_id_buyers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets'))
    )
    op.create_index(op.f('ix_targets_buyer_id'), 'targets', ['buyer_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=63), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('publisher_id', sa.String(length=63), nullable=True),
    sa.Column('buyer_id', sa.String(length=63), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role <> 'publisher' OR publisher_id IS NOT NULL) AND (role <> 'buyer' OR buyer_id IS NOT NULL)", name=op.f('ck_users_party_scope')),
    sa.CheckConstraint("role IN ('admin', 'qa', 'publisher', 'buyer', 'call_center')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyers.id'], name=op.f('fk_users_buyer_id_buyers')),
    sa.ForeignKeyConstraint(['publisher_id'], ['publishers.id'], name=op.f('fk_users_publisher_id_publishers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index(op.f('ix_users_buyer_id'), 'users', ['buyer_id'], unique=False)
    op.create_index(op.f('ix_users_publisher_id'), 'users', ['publisher_id'], unique=False)

    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=128), nullable=True),
    sa.Column('reject_reason', sa.String(length=32), nullable=True),
    sa.Column('region', sa.String(length=2), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('uniqueid', sa.String(length=64), nullable=True),
    sa.Column('linkedid', sa.String(length=64), nullable=True),
    sa.Column('did', sa.String(length=32), nullable=False),
    sa.Column('caller_number', sa.String(length=64), nullable=True),
    sa.Column('caller_name', sa.String(length=128), nullable=True),
    sa.Column('caller_state', sa.String(length=2), nullable=True),
    sa.Column('campaign_id', sa.String(length=63), nullable=True),
    sa.Column('publisher_id', sa.String(length=63), nullable=True),
    sa.Column('target_id', sa.String(length=63), nullable=True),
    sa.Column('menu_version_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ivr_s', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('ring_s', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('talk_s', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('disposition', sa.String(length=32), nullable=True),
    sa.Column('billable', sa.Boolean(), nullable=False),
    sa.Column('billable_reason', sa.String(length=200), nullable=True),
    sa.Column('duplicate', sa.Boolean(), nullable=False),
    sa.Column('revenue', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('payout', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('margin', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('recording_path', sa.String(length=500), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('gathered', sa.JSON(), nullable=False),
    sa.Column('data_source', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.CheckConstraint("data_source IN ('agi', 'ami', 'both')", name=op.f('ck_calls_data_source')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_calls_status')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_calls_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['menu_version_id'], ['menu_versions.id'], name=op.f('fk_calls_menu_version_id_menu_versions')),
    sa.ForeignKeyConstraint(['publisher_id'], ['publishers.id'], name=op.f('fk_calls_publisher_id_publishers')),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_calls_target_id_targets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('ref', name=op.f('uq_calls_ref')),
    sa.UniqueConstraint('uniqueid', name=op.f('uq_calls_uniqueid'))
    )
    op.create_index(op.f('ix_calls_caller_number_started_at'), 'calls', ['caller_number', 'started_at'], unique=False)
    op.create_index(op.f('ix_calls_campaign_id_started_at'), 'calls', ['campaign_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_calls_linkedid'), 'calls', ['linkedid'], unique=False)
    op.create_index(op.f('ix_calls_publisher_id_started_at'), 'calls', ['publisher_id', 'started_at'], unique=False)
    op.create_index(op.f('ix_calls_started_at'), 'calls', ['started_at'], unique=False)
    op.create_index(op.f('ix_calls_status'), 'calls', ['status'], unique=False)
    op.create_index(op.f('ix_calls_target_id_started_at'), 'calls', ['target_id', 'started_at'], unique=False)

    op.create_table('campaign_publishers',
    sa.Column('campaign_id', sa.String(length=63), nullable=False),
    sa.Column('publisher_id', sa.String(length=63), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('payout_kind', sa.String(length=16), nullable=False),
    sa.Column('payout_amount', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.CheckConstraint("payout_kind IN ('fixed', 'revenue_share')", name=op.f('ck_campaign_publishers_payout_kind')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_publishers_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['publisher_id'], ['publishers.id'], name=op.f('fk_campaign_publishers_publisher_id_publishers')),
    sa.PrimaryKeyConstraint('campaign_id', 'publisher_id', name=op.f('pk_campaign_publishers'))
    )
    op.create_index(op.f('ix_campaign_publishers_publisher_id'), 'campaign_publishers', ['publisher_id'], unique=False)

    op.create_table('campaign_targets',
    sa.Column('campaign_id', sa.String(length=63), nullable=False),
    sa.Column('target_id', sa.String(length=63), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('weight', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_targets_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_campaign_targets_target_id_targets')),
    sa.PrimaryKeyConstraint('campaign_id', 'target_id', name=op.f('pk_campaign_targets'))
    )
    op.create_index(op.f('ix_campaign_targets_target_id'), 'campaign_targets', ['target_id'], unique=False)

    op.create_table('target_usage',
    sa.Column('target_id', sa.String(length=63), nullable=False),
    sa.Column('period_kind', sa.String(length=8), nullable=False),
    sa.Column('period_key', sa.String(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("period_kind IN ('live', 'hour', 'day', 'month')", name=op.f('ck_target_usage_period_kind')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_target_usage_count_not_negative')),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_target_usage_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('target_id', 'period_kind', 'period_key', name=op.f('pk_target_usage'))
    )
    op.create_table('tracking_numbers',
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('campaign_id', sa.String(length=63), nullable=False),
    sa.Column('publisher_id', sa.String(length=63), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_tracking_numbers_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['publisher_id'], ['publishers.id'], name=op.f('fk_tracking_numbers_publisher_id_publishers')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_tracking_numbers'))
    )
    op.create_index(op.f('ix_tracking_numbers_campaign_id'), 'tracking_numbers', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_tracking_numbers_publisher_id'), 'tracking_numbers', ['publisher_id'], unique=False)

    op.create_table('call_events',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_events_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'seq', name=op.f('pk_call_events'))
    )
    op.create_table('routing_attempts',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.String(length=63), nullable=True),
    sa.Column('dial_string', sa.String(length=300), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dial_status', sa.String(length=20), nullable=True),
    sa.Column('hangup_cause', sa.Integer(), nullable=True),
    sa.Column('tech_cause', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_routing_attempts_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_routing_attempts_target_id_targets')),
    sa.PrimaryKeyConstraint('call_id', 'seq', name=op.f('pk_routing_attempts'))
    )
    op.create_index(op.f('ix_routing_attempts_target_id'), 'routing_attempts', ['target_id'], unique=False)

    op.create_table('target_claims',
    sa.Column('call_ref', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=63), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['targets.id'], name=op.f('fk_target_claims_target_id_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_ref', 'target_id', name=op.f('pk_target_claims'))
    )
    op.create_index(op.f('ix_target_claims_target_id'), 'target_claims', ['target_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_target_claims_target_id'), table_name='target_claims')

    op.drop_table('target_claims')
    op.drop_table('config_state')
    op.drop_index(op.f('ix_routing_attempts_target_id'), table_name='routing_attempts')

    op.drop_table('routing_attempts')
    op.drop_table('call_events')
    op.drop_index(op.f('ix_tracking_numbers_publisher_id'), table_name='tracking_numbers')
    op.drop_index(op.f('ix_tracking_numbers_campaign_id'), table_name='tracking_numbers')

    op.drop_table('tracking_numbers')
    op.drop_table('target_usage')
    op.drop_index(op.f('ix_campaign_targets_target_id'), table_name='campaign_targets')

    op.drop_table('campaign_targets')
    op.drop_index(op.f('ix_campaign_publishers_publisher_id'), table_name='campaign_publishers')

    op.drop_table('campaign_publishers')
    op.drop_index(op.f('ix_calls_target_id_started_at'), table_name='calls')
    op.drop_index(op.f('ix_calls_status'), table_name='calls')
    op.drop_index(op.f('ix_calls_started_at'), table_name='calls')
    op.drop_index(op.f('ix_calls_publisher_id_started_at'), table_name='calls')
    op.drop_index(op.f('ix_calls_linkedid'), table_name='calls')
    op.drop_index(op.f('ix_calls_campaign_id_started_at'), table_name='calls')
    op.drop_index(op.f('ix_calls_caller_number_started_at'), table_name='calls')

    op.drop_table('calls')
    op.drop_index(op.f('ix_users_publisher_id'), table_name='users')
    op.drop_index(op.f('ix_users_buyer_id'), table_name='users')

    op.drop_table('users')
    op.drop_index(op.f('ix_targets_buyer_id'), table_name='targets')

    op.drop_table('targets')
    op.drop_table('menu_versions')
    op.drop_index(op.f('ix_campaigns_menu_id'), table_name='campaigns')

    op.drop_table('campaigns')
    op.drop_table('publishers')
    op.drop_table('menus')
    op.drop_table('buyers')
