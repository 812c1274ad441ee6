"""admin accounts and units

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
    pass


def downgrade() -> None:
    pass
