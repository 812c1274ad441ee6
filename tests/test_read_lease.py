"""An HTTP operation's reads share one pooled connection while they do not overlap (ReadLease,
db/engine.py): one checkout for the caller's account, the page and its relations instead of one
each. Reads that overlap take their own connections, a failed read gives the connection back,
and under pool pressure a lease keeps nothing idle."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from db.engine import Database, ReadLease, make_engine
from tests.conftest import BACKEND, GQL
from tests.loop_helpers import Loop


@contextlib.contextmanager
def checkouts(engine: Any) -> Iterator[list[int]]:
    seen: list[int] = []

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        seen.append(id(dbapi_connection))

    event.listen(engine.sync_engine, "checkout", on_checkout)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)


def _engine(settings: Any, size: int) -> Any:
    extra = {"isolation_level": "AUTOCOMMIT"} if BACKEND == "postgres" else {}
    return make_engine(settings.database_url, pool_size=size, max_overflow=2, **extra)


async def _one(conn: Any) -> int:
    return int((await conn.execute(text("SELECT 1"))).scalar_one())


async def test_an_operations_sequential_reads_take_one_connection(app: Any, db: Any, http: httpx.AsyncClient,
                                                                  tokens: dict[str, str], count_statements: Any) -> None:
    loop = Loop(GQL(http), tokens)
    for i in range(3):
        await loop.submit("community", text=f"热线:楼道堆物 {i}", channel="HOTLINE", locationNote="东门")
    # A full-executor query (an alias no cache has seen): the page, then its communities.
    query = "{ leaseProbe: requests(first: 3) { edges { node { id community { name } } } } }"
    with checkouts(db.read_engine) as seen, count_statements() as counted:
        r = await http.post("/graphql", json={"query": query}, headers={"authorization": f"Bearer {tokens['dispatcher']}"})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    assert len(r.json()["data"]["leaseProbe"]["edges"]) == 3
    assert counted.count >= 2  # the page and at least one relation batch, one after the other
    assert len(seen) == 1, f"{counted.count} statements took {len(seen)} checkouts"


async def test_reads_that_overlap_take_their_own_connections(settings: Any) -> None:
    engine = _engine(settings, 5)
    try:
        lease = ReadLease(engine)
        view = Database(engine, read_engine=engine).gated(3, lease)
        with checkouts(engine) as seen:
            async with view.read() as first:
                async with view.read() as second:  # the lease is in use: a connection of its own
                    assert second is not first
                    assert await _one(second) == 1
                assert await _one(first) == 1
            async with view.read() as again:  # the lease is free again: its connection
                assert again is first
                assert await _one(again) == 1
        assert len(seen) == 2
        assert engine.sync_engine.pool.checkedout() == 1  # the lease's, until its operation ends
        await lease.close()
        assert engine.sync_engine.pool.checkedout() == 0
    finally:
        await engine.dispose()


async def test_a_failed_read_gives_the_connection_back(settings: Any) -> None:
    engine = _engine(settings, 5)
    try:
        lease = ReadLease(engine)
        view = Database(engine, read_engine=engine).gated(3, lease)
        with pytest.raises(DBAPIError):
            async with view.read() as conn:
                await conn.execute(text("SELECT no_such_column FROM no_such_table"))
        assert lease.conn is None and not lease.busy
        assert engine.sync_engine.pool.checkedout() == 0
        async with view.read() as conn:  # the next statement gets a connection that works
            assert await _one(conn) == 1
        await lease.close()
    finally:
        await engine.dispose()


async def test_a_read_after_its_operation_answered_keeps_no_connection(settings: Any) -> None:
    """A sibling field may still read after another failed the operation and it was answered:
    that read checks its own connection out and back, and nothing is left for the collector."""
    engine = _engine(settings, 5)
    try:
        lease = ReadLease(engine)
        view = Database(engine, read_engine=engine).gated(3, lease)
        async with view.read() as conn:
            assert await _one(conn) == 1
        await lease.close(final=True)  # the operation's answer went out
        async with view.read() as conn:
            assert conn is not lease.conn and await _one(conn) == 1
        assert lease.conn is None and engine.sync_engine.pool.checkedout() == 0
    finally:
        await engine.dispose()


async def test_under_pool_pressure_a_lease_keeps_no_idle_connection(settings: Any) -> None:
    engine = _engine(settings, 2)
    try:
        pool = engine.sync_engine.pool
        async with engine.connect() as other:  # one of the pool's two standing connections taken
            await _one(other)
            lease = ReadLease(engine)
            view = Database(engine, read_engine=engine).gated(3, lease)
            async with view.read() as conn:
                assert await _one(conn) == 1
                assert pool.checkedout() == 2
            # all standing connections were out: the lease gave its connection back at once
            assert lease.conn is None and pool.checkedout() == 1
        # with room in the pool, a lease keeps its connection for the operation's next read
        async with view.read() as conn:
            assert await _one(conn) == 1
        assert lease.conn is not None and pool.checkedout() == 1
        await lease.close()
    finally:
        await engine.dispose()


async def test_many_operations_at_once_never_wait_on_each_others_idle_leases(settings: Any) -> None:
    """More concurrent operations than the pool has connections, each holding a lease and
    reading twice concurrently: every one finishes (idle leases never exhaust the pool)."""
    engine = _engine(settings, 2)
    engine.sync_engine.pool._timeout = 5  # a starved checkout fails here within seconds, not 30
    try:
        async def operation() -> int:
            lease = ReadLease(engine)
            view = Database(engine, read_engine=engine).gated(3, lease)
            try:
                async with view.read() as conn:
                    await _one(conn)

                async def sibling() -> int:
                    async with view.read() as conn:
                        await asyncio.sleep(0.01)
                        return await _one(conn)

                return sum(await asyncio.gather(sibling(), sibling()))
            finally:
                await lease.close()

        results = await asyncio.wait_for(asyncio.gather(*(operation() for _ in range(12))), 60)
        assert results == [2] * 12
        assert engine.sync_engine.pool.checkedout() == 0
    finally:
        await engine.dispose()


async def test_an_operation_whose_field_failed_leaves_no_connection_out(app: Any, db: Any, http: httpx.AsyncClient,
                                                                        tokens: dict[str, str]) -> None:
    """One root field fails at once (a malformed id), its siblings read on after the answer went
    out: every connection is back in the pool once they are done."""
    pool = db.read_engine.sync_engine.pool
    before = pool.checkedout()  # the session's background workers may hold some for a moment
    query = ('{ bad: request(id: "not-an-id") { id } '

             + " ".join(f"p{i}: requests(first: 5) {{ edges {{ node {{ id community {{ name street {{ name }} }} }} }} }}" for i in range(3))
             + " }")
    r = await http.post("/graphql", json={"query": query}, headers={"authorization": f"Bearer {tokens['dispatcher']}"})
    assert r.status_code == 200 and r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", r.text
    for _ in range(200):  # the siblings finish in the background
        if pool.checkedout() <= before:
            break
        await asyncio.sleep(0.05)
    assert pool.checkedout() <= before


async def test_an_operation_answered_during_a_read_leaves_that_read_its_connection(settings: Any) -> None:
    """The answer may go out while a sibling field's statement still runs on the lease: the
    connection stays with that statement and goes back to the pool when it ends."""
    engine = _engine(settings, 5)
    try:
        lease = ReadLease(engine)
        view = Database(engine, read_engine=engine).gated(3, lease)
        async with view.read() as conn:
            await lease.close(final=True)  # the operation answered
            assert lease.conn is conn and await _one(conn) == 1  # not taken from under the statement
        assert lease.conn is None and engine.sync_engine.pool.checkedout() == 0
    finally:
        await engine.dispose()
