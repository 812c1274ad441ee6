"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.models import Base


async def test_migrated_database_matches_models(db: Any) -> None:
    def diff(sync_conn: Any) -> list:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
