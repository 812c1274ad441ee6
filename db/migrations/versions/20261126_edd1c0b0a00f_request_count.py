"""request_count: the number of requests kept by triggers, so "all requests" is not a count of millions

Revision ID: edd1c0b0a00f
Revises: ecc1c0b0a00e
Create Date: 2026-11-26 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'edd1c0b0a00f'
down_revision = 'ecc1c0b0a00e'
branch_labels = None
depends_on = None

# PostgreSQL: one row per statement (COPY and multi-row INSERTs included), from its transition
# table; concurrent statements add rows, never wait on one. SQLite (one writer at a time): a row
# per inserted or deleted request. OR REPLACE: restoring an older backup over a newer database
# clears its tables, not its functions, and then migrates again (db/backup.py).
PG_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION request_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO request_count (n) SELECT count(*) FROM inserted HAVING count(*) > 0; RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION request_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN INSERT INTO request_count (n) SELECT -count(*) FROM deleted HAVING count(*) > 0; RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION request_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN DELETE FROM request_count; RETURN NULL; END $$""",
]
PG_TRIGGERS = [
    """CREATE TRIGGER request_count_insert AFTER INSERT ON request REFERENCING NEW TABLE AS inserted
       FOR EACH STATEMENT EXECUTE FUNCTION request_count_inserted()""",
    """CREATE TRIGGER request_count_delete AFTER DELETE ON request REFERENCING OLD TABLE AS deleted
       FOR EACH STATEMENT EXECUTE FUNCTION request_count_deleted()""",
    """CREATE TRIGGER request_count_truncate AFTER TRUNCATE ON request
       FOR EACH STATEMENT EXECUTE FUNCTION request_count_truncated()""",
]
SQLITE_TRIGGERS = [
    """CREATE TRIGGER request_count_insert AFTER INSERT ON request
       BEGIN INSERT INTO request_count (n) VALUES (1); END""",
    """CREATE TRIGGER request_count_delete AFTER DELETE ON request
       BEGIN INSERT INTO request_count (n) VALUES (-1); END""",
]


def upgrade() -> None:
    op.create_table(
        'request_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_request_count')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("LOCK TABLE request IN SHARE MODE")  # no request slips between the count and the triggers
        for ddl in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(ddl)
    else:
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)
    op.execute("INSERT INTO request_count (n) SELECT count(*) FROM request")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in ('request_count_insert', 'request_count_delete', 'request_count_truncate'):
            op.execute(f"DROP TRIGGER {name} ON request")
        for name in ('request_count_inserted', 'request_count_deleted', 'request_count_truncated'):
            op.execute(f"DROP FUNCTION {name}()")
    else:
        op.execute("DROP TRIGGER request_count_insert")
        op.execute("DROP TRIGGER request_count_delete")
    op.drop_table('request_count')
