"""The response cache (schema/response_cache.py): a read query asked again is answered without
running, the same bytes — and never stale for a change the app can see: a mutation, a plain
connection's commit, another process's bell. The cache is given 600 s here unless a test says
otherwise, so only invalidation can explain a fresh answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select, update

from db.models import AuditEntry, Request
from schema.ids import from_global_id
from tests.conftest import GQL
from tests.loop_helpers import Loop, qr_token_in, sub

ONE = "query One($id: ID!) { request(id: $id) { id title state community { name street { name } } } }"
WALL = "query Wall($f: RequestFilter) { requests(first: 20, filter: $f) { edges { node { id title state } } } }"


@contextmanager
def kept_for(app: Any, seconds: float) -> Iterator[Any]:
    cache = app.state.responses
    before, cache.seconds = cache.seconds, seconds
    cache.changed()
    try:
        yield cache
    finally:
        cache.seconds = before


async def raw(gql: GQL, query: str, variables: dict, token: str) -> bytes:
    response = await gql.client.post("/graphql", json={"query": query, "variables": variables},
                                      headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200 and b'"errors"' not in response.content, response.content
    return response.content


async def learnt(app: Any, gql: GQL, query: str, variables: dict, token: str) -> bytes:
    """Ask twice: the first run teaches the compiled executor the document, the second is kept."""
    await raw(gql, query, variables, token)
    return await raw(gql, query, variables, token)


async def submitted(gql: GQL, tokens: dict[str, str], db: Any, n: int) -> str:
    return (await Loop(gql, tokens).submit(None, qrToken=await qr_token_in(db, "福泰社区", 60 + n), text=f"缓存测试{n}:楼道灯不亮"))["request"]["id"]


async def test_the_same_query_again_runs_nothing_and_answers_the_same_bytes(app: Any, gql: GQL, tokens: dict[str, str], db: Any,
                                                                           count_statements: Any) -> None:
    rid = await submitted(gql, tokens, db, 0)
    with kept_for(app, 600) as cache:
        # Background work of the session (workers, other tests' servers) may commit at any moment,
        # and a commit rightly empties the cache: try again until a window passes without one.
        for _ in range(10):
            first = await learnt(app, gql, ONE, {"id": rid}, tokens["dispatcher"])
            generation, kept = cache.generation, len(cache)
            with count_statements() as counted:
                again = await raw(gql, ONE, {"id": rid}, tokens["dispatcher"])
            if kept and cache.generation == generation:
                break
        assert again == first and counted.count == 0, counted.statements
        # Other variables, another caller: answers of their own.
        with count_statements() as other:
            await raw(gql, WALL, {"f": {"states": ["SUBMITTED"]}}, tokens["district"])
        assert other.count >= 1


async def test_a_mutation_is_seen_by_the_next_query(app: Any, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    rid = await submitted(gql, tokens, db, 1)
    with kept_for(app, 600):
        before = await learnt(app, gql, ONE, {"id": rid}, tokens["dispatcher"])
        assert b'"SUBMITTED"' in before
        await Loop(gql, tokens).ok("dispatcher", "triageRequest", {"id": rid, "scope": "MINOR", "subcategoryId": await sub(db, "环境卫生")})
        after = await raw(gql, ONE, {"id": rid}, tokens["dispatcher"])
        assert b'"SUBMITTED"' not in after and after != before


async def test_a_plain_connection_commit_is_seen_by_the_next_query(app: Any, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    rid = await submitted(gql, tokens, db, 2)
    with kept_for(app, 600):
        await learnt(app, gql, ONE, {"id": rid}, tokens["dispatcher"])
        async with db.write_engine.begin() as conn:
            await conn.execute(update(Request).where(Request.id == from_global_id(rid)[1]).values(title="改过的标题"))
        assert "改过的标题".encode() in await raw(gql, ONE, {"id": rid}, tokens["dispatcher"])


async def test_a_bell_from_another_process_empties_the_cache(app: Any, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    rid = await submitted(gql, tokens, db, 3)
    await asyncio.sleep(0.5)  # the submission's own bell has come and gone
    bus = app.state.bus
    heard: list[int] = []
    bus.on_change(lambda: heard.append(1))
    try:
        with kept_for(app, 600) as cache:
            await learnt(app, gql, ONE, {"id": rid}, tokens["dispatcher"])
            assert len(cache) == 1
            # The heartbeat, then what another process's commit sends: only the second counts.
            await bus.broadcast.publish(bus.channel, '{"heartbeat":1}')
            await bus.broadcast.publish(bus.channel, '{"seq": 0}')
            async with asyncio.timeout(15):
                while len(cache) or not heard:
                    await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            assert heard == [1]
    finally:
        bus._on_change.pop()


async def test_answers_expire_and_anonymous_ones_are_not_kept(app: Any, gql: GQL, tokens: dict[str, str], db: Any,
                                                             count_statements: Any) -> None:
    rid = await submitted(gql, tokens, db, 4)
    with kept_for(app, 0.2) as cache:
        await learnt(app, gql, ONE, {"id": rid}, tokens["dispatcher"])
        await asyncio.sleep(0.3)
        with count_statements() as counted:
            await raw(gql, ONE, {"id": rid}, tokens["dispatcher"])
        assert counted.count >= 1
    with kept_for(app, 600) as cache:
        for _ in range(2):
            response = await gql.client.post("/graphql", json={"query": "query Cats { categories { name } }"})
            assert response.status_code == 200
        assert len(cache) == 0


async def test_audited_reads_of_personal_data_are_never_kept(app: Any, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    """A whole phone is audited at every read (READ_PERSONAL): such a document never runs on the
    compiled executor, so it is never kept — each read writes its row."""
    rid = (await gql.ok("mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }",
                        {"i": {"qrToken": await qr_token_in(db, "福泰社区", 65), "text": "缓存测试:噪音", "contactName": "缓存居民",
                               "contactPhone": "13905350999"}}))["submitRequest"]["request"]["id"]
    q = "query Who($id: ID!) { request(id: $id) { reporter { view phone } } }"
    with kept_for(app, 600):
        async with db.read() as conn:
            top = (await conn.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))).scalar() or 0
        for _ in range(3):
            assert b"13905350999" in await raw(gql, q, {"id": rid}, tokens["dispatcher"])
        async with db.read() as conn:
            reads = (await conn.execute(select(AuditEntry.id).where(AuditEntry.id > top, AuditEntry.action == "READ_PERSONAL"))).all()
    assert len(reads) == 3


