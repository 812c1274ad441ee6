"""qr token rotation

Revision ID: e9c3c0b0a009
Revises: e9b2c0b0a008
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9c3c0b0a009'
down_revision = 'e9b2c0b0a008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('retired_qr_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], name=op.f('fk_retired_qr_token_building_id_building')),
    sa.ForeignKeyConstraint(['retired_by_user_id'], ['app_user.id'], name=op.f('fk_retired_qr_token_retired_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retired_qr_token')),
    sa.UniqueConstraint('token', name=op.f('uq_retired_qr_token_token'))
    )
    op.create_index(op.f('ix_retired_qr_token_building_id'), 'retired_qr_token', ['building_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_retired_qr_token_building_id'), table_name='retired_qr_token')
    op.drop_table('retired_qr_token')
