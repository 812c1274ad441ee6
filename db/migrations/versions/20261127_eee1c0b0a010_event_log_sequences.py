"""event log sequences: on PostgreSQL an event's seq is drawn from a sequence inside the insert
that takes the event-log lock (resolvers/events.py), not read as max(seq) in a statement of its own.
Upgrade with every process of the older code stopped: one still running would write max(seq) + 1
beside the sequence, and the next seq drawn could then be refused as a duplicate (never reordered).

Revision ID: eee1c0b0a010
Revises: edd1c0b0a00f
Create Date: 2026-11-27 06:30:00
"""
from alembic import op

revision = 'eee1c0b0a010'
down_revision = 'edd1c0b0a00f'
branch_labels = None
depends_on = None

LOGS = (("request_event", "request_event_log_seq"), ("co_task_event", "co_task_event_log_seq"))


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite: one writer at a time, seq is max(seq) + 1 inside the write transaction
    for table, sequence in LOGS:
        op.execute(f"LOCK TABLE {table} IN SHARE MODE")  # no event slips between the max and the sequence
        op.execute(f"CREATE SEQUENCE {sequence} OWNED BY {table}.seq")
        op.execute(f"SELECT setval('{sequence}', coalesce((SELECT max(seq) FROM {table}), 0) + 1, false)")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for _table, sequence in LOGS:
        op.execute(f"DROP SEQUENCE {sequence}")
