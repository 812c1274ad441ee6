"""city 12345 work orders

Revision ID: e9e5c0b0a00b
Revises: e9d4c0b0a00a
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9e5c0b0a00b'
down_revision = 'e9d4c0b0a00a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
