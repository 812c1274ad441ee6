"""admin accounts and units

Departments and street sections can be retired (kept for history, given no new work); the audit
log gets an index for "what did this user do", newest first.

Revision ID: e9a1c0b0a007
Revises: e8a1c0b0a006
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9a1c0b0a007'
down_revision = 'e8a1c0b0a006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default: the rows already there (the seeded 64 departments, 142 sections) are active.
    with op.batch_alter_table('department') as batch:
        batch.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('street_section') as batch:
        batch.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_index('ix_audit_entry_actor_id', 'audit_entry', ['actor_user_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_entry_actor_id', table_name='audit_entry')
    with op.batch_alter_table('street_section') as batch:
        batch.drop_column('active')
    with op.batch_alter_table('department') as batch:
        batch.drop_column('active')
