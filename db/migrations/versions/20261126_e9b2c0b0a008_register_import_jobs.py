"""register import jobs

Revision ID: e9b2c0b0a008
Revises: e9a1c0b0a007
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9b2c0b0a008'
down_revision = 'e9a1c0b0a007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
