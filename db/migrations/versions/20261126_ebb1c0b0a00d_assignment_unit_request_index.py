"""assignment (unit_kind, unit_id, request_id) index: a unit's requests from the index alone

Revision ID: ebb1c0b0a00d
Revises: eaa1c0b0a00c
Create Date: 2026-11-26 14:15:00
"""
from alembic import op


revision = 'ebb1c0b0a00d'
down_revision = 'eaa1c0b0a00c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_unit_request', ['unit_kind', 'unit_id', 'request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_unit_request')
