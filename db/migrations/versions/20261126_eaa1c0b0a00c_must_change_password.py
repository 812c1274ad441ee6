"""must change password

Revision ID: eaa1c0b0a00c
Revises: e9e5c0b0a00b
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'eaa1c0b0a00c'
down_revision = 'e9e5c0b0a00b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default: the logins already there chose (or were seeded with) their passwords.
    with op.batch_alter_table('app_user', schema=None) as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch:
        batch.drop_column('must_change_password')
