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
    pass


def downgrade() -> None:
    pass
