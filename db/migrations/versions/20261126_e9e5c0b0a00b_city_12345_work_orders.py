"""city 12345 work orders

Revision ID: e9e5c0b0a00b
Revises: e9d4c0b0a00a
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9e5c0b0a00b'
down_revision = 'e9d4c0b0a00a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Requests from the city's 12345 platform use the existing CITY_HOTLINE channel (a plain
    # string column, no enum or check constraint to change).
    op.create_table('city_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('order_no', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('caller_name', sa.String(length=64), nullable=True),
    sa.Column('caller_phone', sa.String(length=20), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('attachments', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('long', sa.Float(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('match', sa.String(length=12), nullable=False),
    sa.Column('match_note', sa.String(length=200), nullable=False),
    sa.Column('placed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['placed_by_user_id'], ['app_user.id'], name=op.f('fk_city_order_placed_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_city_order_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_order')),
    sa.UniqueConstraint('request_id', name=op.f('uq_city_order_request_id')),
    sa.UniqueConstraint('source', 'order_no', name=op.f('uq_city_order_source_order_no'))
    )
    op.create_index('ix_city_order_created', 'city_order', ['created_at', 'id'], unique=False)
    op.create_table('city_order_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['city_order.id'], name=op.f('fk_city_order_callback_order_id_city_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_order_callback')),
    sa.UniqueConstraint('key', name=op.f('uq_city_order_callback_key'))
    )
    op.create_index('ix_city_order_callback_due', 'city_order_callback', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_city_order_callback_order_id'), 'city_order_callback', ['order_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_city_order_callback_order_id'), table_name='city_order_callback')
    op.drop_index('ix_city_order_callback_due', table_name='city_order_callback')
    op.drop_table('city_order_callback')
    op.drop_index('ix_city_order_created', table_name='city_order')
    op.drop_table('city_order')
