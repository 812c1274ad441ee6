"""The remembered caller (schema/actor_cache.py): a token used again costs no statement, and any
change to accounts is seen by the very next operation — committed through the app on this
process, or announced by another process over the bus — never a stale actor for the cache's
lifetime. The cache is given 600 s here, so only invalidation can explain a change being seen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import delete, insert, select, update

from db.models import Grid, User, UserScope
from tests.conftest import GQL, LiveServer
from tests.test_admin_accounts import admin_ok, me, new_user

ME = "{ me { username displayName role scopes { kind name } } }"


@contextmanager
def remembered_for(app: Any, seconds: float) -> Iterator[Any]:
    cache = app.state.actor_cache
    before, cache.seconds = cache.seconds, seconds
    try:
        yield cache
    finally:
        cache.seconds = before


def account_statements(counted: Any) -> list[str]:
    return [s for s in counted.statements if "app_user" in s]


async def signed_in(gql: GQL, tokens: dict[str, str], db: Any) -> tuple[dict, str]:
    user = await new_user(gql, tokens, db, password="Cache-user-1")
    return user, await gql.login(user["account"]["user"]["username"], "Cache-user-1")


async def test_a_token_used_again_costs_no_statement(app: Any, gql: GQL, tokens: dict[str, str], db: Any, count_statements: Any) -> None:
    _, token = await signed_in(gql, tokens, db)
    with remembered_for(app, 600):
        with count_statements() as first:
            a = await gql.ok(ME, token=token)
        with count_statements() as again:
            b = await gql.ok(ME, token=token)
    assert a == b
    assert len(account_statements(first)) == 1 and account_statements(again) == [], (first.statements, again.statements)


async def test_accounts_written_through_the_app_are_seen_by_the_next_operation(app: Any, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    user, token = await signed_in(gql, tokens, db)
    uid = int(await db_id(db, user["account"]["user"]["username"]))
    with remembered_for(app, 600):
        before = (await gql.ok(ME, token=token))["me"]
        assert before["displayName"] == "测试账号" and len(before["scopes"]) == 2

        # A Core UPDATE executed in a unit of work (do_orm_execute)...
        async with db.write() as session:
            await session.execute(update(User).where(User.id == uid).values(display_name="改名之后"))
        assert (await gql.ok(ME, token=token))["me"]["displayName"] == "改名之后"

        # ...an ORM object flushed (after_flush)...
        async with db.read() as conn:
            grid = (await conn.execute(select(Grid.id).where(Grid.id.notin_(
                select(UserScope.ref_id).where(UserScope.user_id == uid, UserScope.kind == "GRID"))).limit(1))).scalar_one()
        async with db.write() as session:
            session.add(UserScope(user_id=uid, kind="GRID", ref_id=grid))
        assert len((await gql.ok(ME, token=token))["me"]["scopes"]) == 3

        # ...a Core DELETE...
        async with db.write() as session:
            await session.execute(delete(UserScope).where(UserScope.user_id == uid, UserScope.ref_id == grid, UserScope.kind == "GRID"))
        assert len((await gql.ok(ME, token=token))["me"]["scopes"]) == 2

        # ...and a rollback changes nothing, and forgets nothing.
        with pytest.raises(RuntimeError):
            async with db.write() as session:
                await session.execute(insert(UserScope).values(user_id=uid, kind="GRID", ref_id=grid))
                raise RuntimeError("abandoned")
        cache = app.state.actor_cache
        generation = cache.generation
        assert len((await gql.ok(ME, token=token))["me"]["scopes"]) == 2 and cache.generation == generation


async def db_id(db: Any, username: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(User.id).where(User.username == username))).scalar_one()


@pytest.mark.parametrize("change", ["revokeUserTokens", "disableUser", "resetUserPassword", "changeUserRole"])
async def test_a_remembered_token_stops_at_once_when_access_changes(app: Any, gql: GQL, tokens: dict[str, str], db: Any, change: str) -> None:
    user, token = await signed_in(gql, tokens, db)
    with remembered_for(app, 600):
        assert (await me(gql, token))["data"]["me"]["role"] == "GRID_WORKER"
        input: dict = {"userId": user["account"]["user"]["id"]}
        if change == "changeUserRole":
            input |= {"role": "EVALUATOR", "scopes": []}
        await admin_ok(gql, tokens["admin"], change, input, input_type="UserRefInput" if change == "revokeUserTokens" else None)
        refused = await me(gql, token)
    assert refused["_status"] == 401 and refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_token_is_not_served_past_its_expiry() -> None:
    from schema.actor_cache import ActorCache

    cache = ActorCache(600)
    cache.put("t", "c", "actor", cache.generation, expires_at=0.0)
    assert cache.get("t", "c") is None
    cache.put("t", "c", "actor", cache.generation - 1, expires_at=2e9)  # read before an invalidation
    assert cache.get("t", "c") is None
    cache.put("t", "c", "actor", cache.generation, expires_at=2e9)
    assert cache.get("t", "c") == "actor" and cache.get("t", "other client") is None
    cache.invalidate()
    assert cache.get("t", "c") is None


@pytest_asyncio.fixture(scope="module")
async def remembering_server(app: Any, settings: Any) -> AsyncIterator[LiveServer]:
    server = LiveServer(settings, {"ACTOR_CACHE_SECONDS": "600"})
    await asyncio.to_thread(server.wait_ready)
    yield server
    server.stop()


async def test_another_process_forgets_a_token_when_told_over_the_bus(
        settings: Any, remembering_server: LiveServer, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    """The change is made on this test's process; the token is remembered on the server's, for
    600 s: only `access_changed`'s message on the bus (Redis) can make it stop there."""
    if not settings.broadcast_url.startswith("redis"):
        pytest.skip("memory:// is one process's bus: two processes on SQLite share only the file (the cache's seconds bound it)")
    user, _ = await signed_in(gql, tokens, db)
    async with httpx.AsyncClient(base_url=remembering_server.url, timeout=30) as client:
        remote = GQL(client)
        token = await remote.login(user["account"]["user"]["username"], "Cache-user-1")
        for _ in range(2):
            assert (await me(remote, token))["data"]["me"]["role"] == "GRID_WORKER"
        metrics = (await client.get("/metrics")).text
        assert 'ehuying_actor_lookups_total{outcome="remembered"}' in metrics
        await admin_ok(gql, tokens["admin"], "revokeUserTokens", {"userId": user["account"]["user"]["id"]}, input_type="UserRefInput")
        async with asyncio.timeout(15):
            while (await me(remote, token))["_status"] != 401:
                await asyncio.sleep(0.05)


