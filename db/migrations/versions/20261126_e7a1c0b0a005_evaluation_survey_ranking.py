"""evaluation survey ranking

Revision ID: e7a1c0b0a005
Revises: e6d4c0b0a004
Create Date: 2026-11-26 08:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e7a1c0b0a005'
down_revision = 'e6d4c0b0a004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('sample_per_community', sa.Integer(), nullable=False),
    sa.Column('phone_weight_pct', sa.Integer(), nullable=False),
    sa.Column('field_weight_pct', sa.Integer(), nullable=False),
    sa.Column('reward_count', sa.Integer(), nullable=False),
    sa.Column('penalty_count', sa.Integer(), nullable=False),
    sa.Column('satisfaction_weight', sa.Integer(), nullable=False),
    sa.Column('satisfaction_share_permille', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_survey_campaign_created_by_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_campaign')),
    sa.UniqueConstraint('year', name=op.f('uq_survey_campaign_year'))
    )
    op.create_table('field_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('members', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['survey_campaign.id'], name=op.f('fk_field_team_campaign_id_survey_campaign')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_team')),
    sa.UniqueConstraint('campaign_id', 'name', name=op.f('uq_field_team_campaign_id_name'))
    )
    with op.batch_alter_table('field_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_team_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('survey_respondent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('evaluator_user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['survey_campaign.id'], name=op.f('fk_survey_respondent_campaign_id_survey_campaign')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_survey_respondent_community_id_community')),
    sa.ForeignKeyConstraint(['evaluator_user_id'], ['app_user.id'], name=op.f('fk_survey_respondent_evaluator_user_id_app_user')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_survey_respondent_resident_id_resident')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_respondent')),
    sa.UniqueConstraint('campaign_id', 'resident_id', name=op.f('uq_survey_respondent_campaign_id_resident_id'))
    )
    with op.batch_alter_table('survey_respondent', schema=None) as batch_op:
        batch_op.create_index('ix_survey_respondent_campaign_community', ['campaign_id', 'community_id', 'id'], unique=False)
        batch_op.create_index('ix_survey_respondent_campaign_status', ['campaign_id', 'status', 'id'], unique=False)

    op.create_table('field_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('governance', sa.Integer(), nullable=False),
    sa.Column('services', sa.Integer(), nullable=False),
    sa.Column('neighbourly_help', sa.Integer(), nullable=False),
    sa.Column('team_building', sa.Integer(), nullable=False),
    sa.Column('innovation', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('evaluator_user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['survey_campaign.id'], name=op.f('fk_field_score_campaign_id_survey_campaign')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_field_score_community_id_community')),
    sa.ForeignKeyConstraint(['evaluator_user_id'], ['app_user.id'], name=op.f('fk_field_score_evaluator_user_id_app_user')),
    sa.ForeignKeyConstraint(['team_id'], ['field_team.id'], name=op.f('fk_field_score_team_id_field_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_score')),
    sa.UniqueConstraint('team_id', 'community_id', name=op.f('uq_field_score_team_id_community_id'))
    )
    with op.batch_alter_table('field_score', schema=None) as batch_op:
        batch_op.create_index('ix_field_score_campaign_community', ['campaign_id', 'community_id'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('aspect', sa.String(length=24), nullable=False),
    sa.Column('rating', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['survey_respondent.id'], name=op.f('fk_survey_answer_respondent_id_survey_respondent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('respondent_id', 'aspect', name=op.f('uq_survey_answer_respondent_id_aspect'))
    )


def downgrade() -> None:
    op.drop_table('survey_answer')
    with op.batch_alter_table('field_score', schema=None) as batch_op:
        batch_op.drop_index('ix_field_score_campaign_community')

    op.drop_table('field_score')
    with op.batch_alter_table('survey_respondent', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_respondent_campaign_status')
        batch_op.drop_index('ix_survey_respondent_campaign_community')

    op.drop_table('survey_respondent')
    with op.batch_alter_table('field_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_team_campaign_id'))

    op.drop_table('field_team')
    op.drop_table('survey_campaign')
