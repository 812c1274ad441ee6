"""request (created_at, id) over the open requests past triage: a unit's queue does not walk the
untriaged backlog

Revision ID: eff1c0b0a011
Revises: eee1c0b0a010
Create Date: 2026-11-27 13:00:00
"""
from alembic import op
from sqlalchemy import text

revision = 'eff1c0b0a011'
down_revision = 'eee1c0b0a010'
branch_labels = None
depends_on = None

# Frozen here as it was at this revision (db/models/requests.py IN_HAND_STATES_SQL).
IN_HAND_STATES_SQL = ("state IN ('ACCEPTED', 'DECIDED', 'DISPATCHED', 'DISPUTED', 'ESCALATED', 'IN_PROGRESS', 'REDISPATCHED', "
                      "'REOPENED')")


def upgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index('ix_request_in_hand_created', ['created_at', 'id'], unique=False,
                              postgresql_where=text(IN_HAND_STATES_SQL), sqlite_where=text(IN_HAND_STATES_SQL))


def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_in_hand_created')
