"""Pooled PostgreSQL connections are pinged only after sitting idle (db/engine.py): a
connection the server dropped while it was idle is replaced without an error, and one used
moments ago is trusted — no round trip per checkout (issue #10: 14 % of the wall's time)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db.engine import make_engine
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the ping is PostgreSQL's pool's")

IDLE = 0.3


async def _pid(engine: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(admin: Any, pid: int) -> None:
    async with admin.connect() as conn:
        assert (await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar_one() is True
        # The backend is gone once it leaves pg_stat_activity.
        for _ in range(100):
            if not (await conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid})).scalar_one():
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"backend {pid} still running")


async def test_a_connection_dropped_while_idle_is_replaced_without_an_error(settings: Any) -> None:
    engine = make_engine(settings.database_url, ping_after_idle=IDLE, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    admin = make_engine(settings.database_url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        before = await _pid(engine)
        assert await _pid(engine) == before  # pooled: the same backend
        await _terminate(admin, before)
        await asyncio.sleep(IDLE * 2)  # idle long enough to be pinged at the next checkout
        after = await _pid(engine)  # no error: the failed ping made the pool connect anew
        assert after != before
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_connection_used_moments_ago_is_not_pinged(settings: Any) -> None:
    engine = make_engine(settings.database_url, ping_after_idle=60.0, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    admin = make_engine(settings.database_url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        before = await _pid(engine)
        await _terminate(admin, before)
        # Trusted without a round trip, so the dead connection is only found by the statement...
        with pytest.raises(DBAPIError) as raised:
            await _pid(engine)
        assert raised.value.connection_invalidated
        # ...after which the pool has been refreshed.
        assert await _pid(engine) != before
    finally:
        await engine.dispose()
        await admin.dispose()
