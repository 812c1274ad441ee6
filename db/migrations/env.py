from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from db.base import UTCDateTime
from db.engine import make_engine
from db.models import Base

target_metadata = Base.metadata


def _render_item(type_: str, obj, autogen_context):
    # Migrations must not import app code: render our UTC wrapper as the plain column type.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


url = context.config.get_main_option("sqlalchemy.url")
connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(url))
