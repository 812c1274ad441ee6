"""Fixed-window rate limits kept in the database, so every app process shares them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import RateBucket
from resolvers.errors import RateLimited


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.utc)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    """The counting statement, built once per dialect: building an upsert with its CASE costs more
    Python than running it (about a fifth of an anonymous submission's CPU)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    t = RateBucket.__table__
    start = bindparam("start", type_=RateBucket.__table__.c.window_start.type)
    stmt = insert(t).values(key=bindparam("key"), window_start=start, count=1)
    return stmt.on_conflict_do_update(
        index_elements=[t.c.key],
        # A new window restarts the count; the same window adds one.
        set_={"count": case((t.c.window_start == start, t.c.count + 1), else_=1), "window_start": start},
    ).returning(t.c.count)


async def hit(session: AsyncSession, key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> int:
    """Count one use of `key`; raise RATE_LIMITED once the window's count passes `limit`."""
    now = now or utcnow()
    start = _window(now, window_seconds)
    stmt = _upsert((await session.connection()).dialect.name)
    count = (await session.execute(stmt, {"key": key, "start": start})).scalar_one()
    if count > limit:
        retry = max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds()))
        raise RateLimited(
            f"提交过于频繁,请 {retry} 秒后再试", f"Too many submissions; retry in {retry} s", retryAfterSeconds=retry
        )
    return count
