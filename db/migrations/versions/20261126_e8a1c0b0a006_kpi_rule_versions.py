"""kpi rule versions

Revision ID: e8a1c0b0a006
Revises: e7a1c0b0a005
Create Date: 2026-11-26 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e8a1c0b0a006'
down_revision = 'e7a1c0b0a005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_rule_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('base_score', sa.Integer(), nullable=False),
    sa.Column('late_response_points', sa.Integer(), nullable=False),
    sa.Column('refused_resolution_points', sa.Integer(), nullable=False),
    sa.Column('unsatisfied_rating_points', sa.Integer(), nullable=False),
    sa.Column('co_handlers_measured', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_kpi_rule_version_created_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_rule_version')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_kpi_rule_version_effective_from'))
    )


def downgrade() -> None:
    op.drop_table('kpi_rule_version')
