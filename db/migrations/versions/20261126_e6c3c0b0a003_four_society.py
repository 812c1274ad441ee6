"""four society: social organisations, community partnerships, funds, service projects and their events

Revision ID: e6c3c0b0a003
Revises: e6b2c0b0a002
Create Date: 2026-11-26 08:00:00
"""
from alembic import op
import sqlalchemy as sa



revision = 'e6c3c0b0a003'
down_revision = 'e6b2c0b0a002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('budget_fen', sa.BigInteger(), nullable=False),
    sa.Column('awarded_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('awarded_fen >= 0 AND awarded_fen <= budget_fen', name=op.f('ck_fund_within_budget')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund')),
    sa.UniqueConstraint('kind', 'year', name=op.f('uq_fund_kind_year'))
    )
    op.create_table('social_organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('registration_no', sa.String(length=32), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('service_areas', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_organisation')),
    sa.UniqueConstraint('registration_no', name=op.f('uq_social_organisation_registration_no'))
    )
    with op.batch_alter_table('social_organisation', schema=None) as batch_op:
        batch_op.create_index('ix_social_organisation_kind_name', ['kind', 'name'], unique=False)

    op.create_table('community_partnership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('space', sa.String(length=128), nullable=False),
    sa.Column('services', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_community_partnership_community_id_community')),
    sa.ForeignKeyConstraint(['organisation_id'], ['social_organisation.id'], name=op.f('fk_community_partnership_organisation_id_social_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_partnership')),
    sa.UniqueConstraint('organisation_id', 'community_id', name=op.f('uq_community_partnership_organisation_id_community_id'))
    )
    with op.batch_alter_table('community_partnership', schema=None) as batch_op:
        batch_op.create_index('ix_community_partnership_community', ['community_id', 'organisation_id'], unique=False)

    op.create_table('service_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('requested_fen', sa.BigInteger(), nullable=False),
    sa.Column('awarded_fen', sa.BigInteger(), nullable=True),
    sa.Column('contest_kind', sa.String(length=24), nullable=True),
    sa.Column('contest_name', sa.String(length=128), nullable=True),
    sa.Column('contest_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_service_project_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_service_project_created_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_service_project_fund_id_fund')),
    sa.ForeignKeyConstraint(['organisation_id'], ['social_organisation.id'], name=op.f('fk_service_project_organisation_id_social_organisation')),
    sa.ForeignKeyConstraint(['street_id'], ['street.id'], name=op.f('fk_service_project_street_id_street')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_project'))
    )
    with op.batch_alter_table('service_project', schema=None) as batch_op:
        batch_op.create_index('ix_service_project_community', ['community_id', 'id'], unique=False)
        batch_op.create_index('ix_service_project_fund_state', ['fund_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_project_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_service_project_street', ['street_id', 'id'], unique=False)

    op.create_table('service_project_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('people_served', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['service_project.id'], name=op.f('fk_service_project_event_project_id_service_project')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'], name=op.f('fk_service_project_event_recorded_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_project_event'))
    )
    with op.batch_alter_table('service_project_event', schema=None) as batch_op:
        batch_op.create_index('ix_service_project_event_project', ['project_id', 'held_on', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('service_project_event', schema=None) as batch_op:
        batch_op.drop_index('ix_service_project_event_project')

    op.drop_table('service_project_event')
    with op.batch_alter_table('service_project', schema=None) as batch_op:
        batch_op.drop_index('ix_service_project_street')
        batch_op.drop_index(batch_op.f('ix_service_project_organisation_id'))
        batch_op.drop_index('ix_service_project_fund_state')
        batch_op.drop_index('ix_service_project_community')

    op.drop_table('service_project')
    with op.batch_alter_table('community_partnership', schema=None) as batch_op:
        batch_op.drop_index('ix_community_partnership_community')

    op.drop_table('community_partnership')
    with op.batch_alter_table('social_organisation', schema=None) as batch_op:
        batch_op.drop_index('ix_social_organisation_kind_name')

    op.drop_table('social_organisation')
    op.drop_table('fund')
