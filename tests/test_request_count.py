"""The kept number of requests (db/models RequestCount, resolvers/requests/totals.py): always the
number of rows in `request`, whatever inserts or deletes them, and what the dispatch wall's
"all requests" reads instead of counting millions of rows (issue #10, scale)."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from db.base import utcnow
from db.models import Request, RequestCount
from resolvers.requests import totals
from tests.conftest import BACKEND

R, C = Request.__table__, RequestCount.__table__


def _rows(n: int) -> list[dict[str, Any]]:
    now, mark = utcnow(), uuid.uuid4().hex[:8].upper()
    return [dict(tracking_code=f"RC{mark}{i:04d}"[:16], channel="HOTLINE", title="计数测试", text="计数测试", search_terms="",
                 occurred_at=now, created_at=now, updated_at=now, state="SUBMITTED", version=1, due_estimated=False,
                 overdue=False, location_note="") for i in range(n)]


@asynccontextmanager
async def _snapshot(db: Any):
    """A transaction that sees no other's commits meanwhile (rolled back at the end): on
    PostgreSQL REPEATABLE READ, on SQLite the write lock."""
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            tx = await conn.begin()
            try:
                yield conn
            finally:
                await tx.rollback()
    else:
        async with db.write_turn(), db.write_engine.connect() as conn:
            tx = await conn.begin()  # BEGIN IMMEDIATE
            try:
                yield conn
            finally:
                await tx.rollback()


async def _count(conn: Any) -> int:
    return int((await conn.execute(select(func.count()).select_from(R))).scalar_one())


async def test_the_kept_total_is_the_number_of_requests_through_inserts_deletes_and_folds(db: Any) -> None:
    async with _snapshot(db) as conn:
        before = await totals.all_requests(conn)
        assert before == await _count(conn)
        ids = list((await conn.execute(insert(R).returning(R.c.id), _rows(1))).scalars())  # one row
        await conn.execute(insert(R), _rows(5))  # several rows in one statement (executemany)
        await conn.execute(insert(R).values(_rows(4)))  # a multi-row VALUES statement
        assert await totals.all_requests(conn) == await _count(conn) == before + 10
        await conn.execute(R.delete().where(R.c.id == ids[0]))
        assert await totals.all_requests(conn) == await _count(conn) == before + 9
        rows_before = int((await conn.execute(select(func.count()).select_from(C))).scalar_one())
        await totals.fold(conn)
        assert int((await conn.execute(select(func.count()).select_from(C))).scalar_one()) == 1 < rows_before
        assert await totals.all_requests(conn) == await _count(conn) == before + 9


@pytest.mark.skipif(BACKEND != "postgres", reason="concurrent writers need PostgreSQL; SQLite has one writer")
async def test_concurrent_submissions_do_not_wait_on_the_count(db: Any) -> None:
    async with db.engine.connect() as first, db.engine.connect() as second:
        one = await first.begin()
        await first.execute(insert(R), _rows(1))  # its counting row written, not committed
        two = await second.begin()
        # A shared counter row would make this wait for `first` to end; per-statement rows do not.
        await asyncio.wait_for(second.execute(insert(R), _rows(1)), timeout=10)
        await asyncio.wait_for(totals.fold(second), timeout=10)  # folding skips what it cannot see yet
        await two.rollback()
        await one.rollback()


async def test_the_walls_total_is_the_kept_one(db: Any, gql: Any, tokens: dict[str, str], count_statements: Any) -> None:
    alias = "q" + uuid.uuid4().hex  # no answer kept from another test's identical query
    with count_statements() as counted:
        data = await gql.ok("{ %s: requests(first: 0) { totalCount } }" % alias, token=tokens["dispatcher"])
    assert data[alias]["totalCount"] >= 0
    assert any("request_count" in s for s in counted.statements), counted.statements
    assert not any("count(*)" in s.lower() and "FROM request" in s for s in counted.statements), counted.statements
    # Filtered, or for someone who sees part: counted from the list itself.
    with count_statements() as counted:
        data = await gql.ok("{ %s: requests(first: 0, filter: {open: true}) { totalCount } }" % alias, token=tokens["dispatcher"])
    assert not any("request_count" in s for s in counted.statements), counted.statements
