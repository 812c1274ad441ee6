"""resident notifications outbox

Revision ID: e9d4c0b0a00a
Revises: e9c3c0b0a009
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9d4c0b0a00a'
down_revision = 'e9c3c0b0a009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('event_version', sa.Integer(), nullable=False),
    sa.Column('event_kind', sa.String(length=24), nullable=False),
    sa.Column('reporter_request_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('provider_receipt', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reporter_request_id'], ['request.id'], name=op.f('fk_notification_reporter_request_id_request')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_notification_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notification_idempotency_key')),
    sa.UniqueConstraint('request_id', 'event_version', 'channel', 'address', name=op.f('uq_notification_request_id_event_version_channel_address'))
    )
    op.create_index('ix_notification_due', 'notification', ['state', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_notification_request_id'), 'notification', ['request_id'], unique=False)
    op.create_table('wechat_follower',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_wechat_follower_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_follower')),
    sa.UniqueConstraint('request_id', 'openid', name=op.f('uq_wechat_follower_request_id_openid'))
    )
    op.create_index(op.f('ix_wechat_follower_request_id'), 'wechat_follower', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_wechat_follower_request_id'), table_name='wechat_follower')
    op.drop_table('wechat_follower')
    op.drop_index(op.f('ix_notification_request_id'), table_name='notification')
    op.drop_index('ix_notification_due', table_name='notification')
    op.drop_table('notification')
