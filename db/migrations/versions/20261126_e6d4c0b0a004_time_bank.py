"""time bank: volunteers, teams, the double-entry points ledger, services, catalogue, redemptions

Revision ID: e6d4c0b0a004
Revises: e6c3c0b0a003
Create Date: 2026-11-26 08:00:00
"""
from alembic import op
import sqlalchemy as sa



revision = 'e6d4c0b0a004'
down_revision = 'e6c3c0b0a003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalogue_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('price > 0', name=op.f('ck_catalogue_item_price_positive')),
    sa.CheckConstraint('stock IS NULL OR stock >= 0', name=op.f('ck_catalogue_item_stock_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_catalogue_item_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_item')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_catalogue_item_community_id_name'))
    )
    op.create_table('timebank_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('units_per_hour', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_timebank_rate_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timebank_rate')),
    sa.UniqueConstraint('community_id', name=op.f('uq_timebank_rate_community_id'))
    )
    op.create_table('volunteer_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_volunteer_team_community_id_community')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_team')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_volunteer_team_community_id_name'))
    )
    op.create_table('timebank_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('memo', sa.String(length=400), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=True),
    sa.Column('reverses_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_timebank_entry_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_timebank_entry_created_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['timebank_entry.id'], name=op.f('fk_timebank_entry_reverses_entry_id_timebank_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timebank_entry')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_timebank_entry_idempotency_key')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_timebank_entry_reverses_entry_id'))
    )
    with op.batch_alter_table('timebank_entry', schema=None) as batch_op:
        batch_op.create_index('ix_timebank_entry_community_created', ['community_id', 'created_at', 'id'], unique=False)

    op.create_table('volunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_volunteer_community_id_community')),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], name=op.f('fk_volunteer_resident_id_resident')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_volunteer_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer')),
    sa.UniqueConstraint('user_id', name=op.f('uq_volunteer_user_id'))
    )
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.create_index('ix_volunteer_community_created', ['community_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_resident_id'), ['resident_id'], unique=False)

    op.create_table('service_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_service_record_community_id_community')),
    sa.ForeignKeyConstraint(['confirmed_by_user_id'], ['app_user.id'], name=op.f('fk_service_record_confirmed_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['timebank_entry.id'], name=op.f('fk_service_record_entry_id_timebank_entry')),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'], name=op.f('fk_service_record_recorded_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_service_record_request_id_request')),
    sa.ForeignKeyConstraint(['team_id'], ['volunteer_team.id'], name=op.f('fk_service_record_team_id_volunteer_team')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_record')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_service_record_entry_id'))
    )
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.create_index('ix_service_record_community_created', ['community_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_record_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_record_team_id'), ['team_id'], unique=False)

    op.create_table('timebank_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=True),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind <> 'VOLUNTEER' OR balance >= 0", name=op.f('ck_timebank_account_volunteer_balance_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_timebank_account_community_id_community')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_timebank_account_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timebank_account')),
    sa.UniqueConstraint('code', name=op.f('uq_timebank_account_code')),
    sa.UniqueConstraint('volunteer_id', name=op.f('uq_timebank_account_volunteer_id'))
    )
    with op.batch_alter_table('timebank_account', schema=None) as batch_op:
        batch_op.create_index('ix_timebank_account_community_kind', ['community_id', 'kind'], unique=False)

    op.create_table('volunteer_team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['volunteer_team.id'], name=op.f('fk_volunteer_team_member_team_id_volunteer_team')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_volunteer_team_member_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_team_member')),
    sa.UniqueConstraint('team_id', 'volunteer_id', name=op.f('uq_volunteer_team_member_team_id_volunteer_id'))
    )
    with op.batch_alter_table('volunteer_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_team_member_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_team_member_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['timebank_account.id'], name=op.f('fk_redemption_account_id_timebank_account')),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], name=op.f('fk_redemption_community_id_community')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['app_user.id'], name=op.f('fk_redemption_created_by_user_id_app_user')),
    sa.ForeignKeyConstraint(['entry_id'], ['timebank_entry.id'], name=op.f('fk_redemption_entry_id_timebank_entry')),
    sa.ForeignKeyConstraint(['item_id'], ['catalogue_item.id'], name=op.f('fk_redemption_item_id_catalogue_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemption')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_redemption_entry_id'))
    )
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemption_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemption_item_id'), ['item_id'], unique=False)

    op.create_table('service_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service_record.id'], name=op.f('fk_service_participant_service_id_service_record')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteer.id'], name=op.f('fk_service_participant_volunteer_id_volunteer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_participant')),
    sa.UniqueConstraint('service_id', 'volunteer_id', name=op.f('uq_service_participant_service_id_volunteer_id'))
    )
    with op.batch_alter_table('service_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_participant_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_participant_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('timebank_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['timebank_account.id'], name=op.f('fk_timebank_line_account_id_timebank_account')),
    sa.ForeignKeyConstraint(['entry_id'], ['timebank_entry.id'], name=op.f('fk_timebank_line_entry_id_timebank_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timebank_line'))
    )
    with op.batch_alter_table('timebank_line', schema=None) as batch_op:
        batch_op.create_index('ix_timebank_line_account', ['account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_timebank_line_entry_id'), ['entry_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('timebank_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timebank_line_entry_id'))
        batch_op.drop_index('ix_timebank_line_account')

    op.drop_table('timebank_line')
    with op.batch_alter_table('service_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_participant_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_service_participant_service_id'))

    op.drop_table('service_participant')
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemption_item_id'))
        batch_op.drop_index(batch_op.f('ix_redemption_account_id'))

    op.drop_table('redemption')
    with op.batch_alter_table('volunteer_team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_team_member_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_team_member_team_id'))

    op.drop_table('volunteer_team_member')
    with op.batch_alter_table('timebank_account', schema=None) as batch_op:
        batch_op.drop_index('ix_timebank_account_community_kind')

    op.drop_table('timebank_account')
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_record_team_id'))
        batch_op.drop_index(batch_op.f('ix_service_record_request_id'))
        batch_op.drop_index('ix_service_record_community_created')

    op.drop_table('service_record')
    with op.batch_alter_table('volunteer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_resident_id'))
        batch_op.drop_index('ix_volunteer_community_created')

    op.drop_table('volunteer')
    with op.batch_alter_table('timebank_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_timebank_entry_community_created')

    op.drop_table('timebank_entry')
    op.drop_table('volunteer_team')
    op.drop_table('timebank_rate')
    op.drop_table('catalogue_item')
