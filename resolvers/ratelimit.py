"""Fixed-window rate limits kept in the database, so every app process shares them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import RateBucket
from resolvers.errors import RateLimited


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.utc)


async def hit(session: AsyncSession, key: str, limit: int, window_seconds: int, *, now: datetime | None = None) -> int:
    """Count one use of `key`; raise RATE_LIMITED once the window's count passes `limit`."""
    now = now or utcnow()
    start = _window(now, window_seconds)
    dialect = (await session.connection()).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    t = RateBucket.__table__
    stmt = insert(t).values(key=key, window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.key],
        set_={
            # A new window restarts the count; the same window adds one.
            "count": _case_same_window(t, stmt, start),
            "window_start": start,
        },
    ).returning(t.c.count)
    count = (await session.execute(stmt)).scalar_one()
    if count > limit:
        retry = max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds()))
        raise RateLimited(
            f"提交过于频繁,请 {retry} 秒后再试", f"Too many submissions; retry in {retry} s", retryAfterSeconds=retry
        )
    return count


def _case_same_window(t, stmt, start):  # noqa: ANN001, ANN202
    from sqlalchemy import case

    return case((t.c.window_start == start, t.c.count + 1), else_=1)
