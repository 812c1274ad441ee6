"""resident notifications outbox

Revision ID: e9d4c0b0a00a
Revises: e9c3c0b0a009
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e9d4c0b0a00a'
down_revision = 'e9c3c0b0a009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
