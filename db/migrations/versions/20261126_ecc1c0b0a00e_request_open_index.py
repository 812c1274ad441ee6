"""request (created_at, id) over open requests only: open lists stay as cheap at ten years of history

Revision ID: ecc1c0b0a00e
Revises: ebb1c0b0a00d
Create Date: 2026-11-26 20:30:00
"""
from alembic import op
from sqlalchemy import text

revision = 'ecc1c0b0a00e'
down_revision = 'ebb1c0b0a00d'
branch_labels = None
depends_on = None

# Frozen here as it was at this revision (db/models/requests.py OPEN_STATES_SQL).
OPEN_STATES_SQL = ("state IN ('ACCEPTED', 'DECIDED', 'DISPATCHED', 'DISPUTED', 'ESCALATED', 'IN_PROGRESS', 'REDISPATCHED', "
                   "'REOPENED', 'SUBMITTED', 'TRIAGED')")


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_open_created', ['created_at', 'id'], unique=False,
                              postgresql_where=text(OPEN_STATES_SQL), sqlite_where=text(OPEN_STATES_SQL))


def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_open_created')
