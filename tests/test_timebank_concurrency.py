"""Concurrent time-bank writes over HTTP against the app under uvicorn on PostgreSQL: parallel
redemptions cannot overdraw an account or the stock, a key sent many times at once counts once,
and a service confirmed by many clicks at once is credited once. PostgreSQL only: SQLite write
transactions are exclusive from their first statement, so there is no race to test there."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from db.models import TimeBankEntry
from tests.conftest import BACKEND
from tests.test_timebank import (
    ACCOUNT,
    REDEMPTION,
    SERVICE,
    YESTERDAY,
    assert_books,
    community_pk,
    credit,
    op,
    register,
    worker,
)
from schema.ids import to_global_id

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="row-lock races need PostgreSQL; SQLite serialises writers")

PARALLEL = 10


async def _fire(url: str, token: str, query: str, inputs: list[dict]) -> list[dict]:
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=httpx.Limits(max_connections=PARALLEL)) as client:
        async def one(i: dict) -> dict:
            r = await client.post("/graphql", json={"query": query, "variables": {"i": i}},
                                  headers={"authorization": f"Bearer {token}", "accept": "application/graphql-response+json"})
            return r.json()

        return await asyncio.gather(*(one(i) for i in inputs))


REDEEM = f"mutation($i: RedeemInput!) {{ redeem(input: $i) {{ {REDEMPTION} }} }}"


async def _entries(db: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(TimeBankEntry.__table__))).scalar_one()


async def test_parallel_redemptions_cannot_overdraw(live_server: Any, gql: Any, db: Any) -> None:
    w = await worker(db, gql, "胜利路社区")
    c = to_global_id("Community", await community_pk(db, "胜利路社区"))
    v = await register(gql, w, c, "钱志明")
    await credit(gql, w, c, [v["id"]], 180)  # 3 points
    # A different item for each request, so nothing but the account itself serialises them.
    items = [(await op(gql, w, "addCatalogueItem", "AddCatalogueItemInput",
                       {"communityId": c, "name": f"并发兑换{k}-{uuid.uuid4().hex[:6]}", "kind": "SERVICE", "price": 10}, "item { id }"))["item"]
             for k in range(PARALLEL)]
    before = await _entries(db)
    results = await _fire(live_server.url, w, REDEEM, [
        {"accountId": v["account"]["id"], "itemId": item["id"], "idempotencyKey": uuid.uuid4().hex} for item in items])
    ok = [r for r in results if "errors" not in r]
    refused = [r["errors"][0]["extensions"]["code"] for r in results if "errors" in r]
    assert len(ok) == 3, results
    assert refused == ["INSUFFICIENT_POINTS"] * (PARALLEL - 3), results
    assert sorted(r["data"]["redeem"]["account"]["balance"] for r in ok) == [0, 10, 20]
    final = (await gql.ok(f"query($id: ID!) {{ timeBankAccount(id: $id) {{ {ACCOUNT} }} }}", {"id": v["account"]["id"]}, token=w))
    assert final["timeBankAccount"]["balance"] == 0
    assert await _entries(db) == before + 3
    await assert_books(db)


async def test_parallel_redemptions_cannot_oversell_stock(live_server: Any, gql: Any, db: Any) -> None:
    w = await worker(db, gql, "胜利路社区")
    c = to_global_id("Community", await community_pk(db, "胜利路社区"))
    people = [await register(gql, w, c, f"志愿者{k}") for k in range(5)]
    await credit(gql, w, c, [p["id"] for p in people], 120)  # 2 points each, one entry
    item = (await op(gql, w, "addCatalogueItem", "AddCatalogueItemInput",
                     {"communityId": c, "name": f"限量食用油{uuid.uuid4().hex[:6]}", "kind": "ITEM", "price": 5, "stock": 2}, "item { id }"))["item"]
    results = await _fire(live_server.url, w, REDEEM, [
        {"accountId": p["account"]["id"], "itemId": item["id"], "idempotencyKey": uuid.uuid4().hex} for p in people])
    ok = [r for r in results if "errors" not in r]
    assert len(ok) == 2, results
    assert sorted(r["errors"][0]["extensions"]["code"] for r in results if "errors" in r) == ["OUT_OF_STOCK"] * 3
    stock = (await gql.ok("query($c: ID!) { catalogue(communityId: $c) { id stock } }", {"c": c}, token=w))["catalogue"]
    assert next(i["stock"] for i in stock if i["id"] == item["id"]) == 0
    await assert_books(db)


async def test_same_key_at_once_counts_once(live_server: Any, gql: Any, db: Any) -> None:
    w = await worker(db, gql, "胜利路社区")
    c = to_global_id("Community", await community_pk(db, "胜利路社区"))
    v = await register(gql, w, c, "吴淑珍")
    await credit(gql, w, c, [v["id"]], 300)  # 5 points
    item = (await op(gql, w, "addCatalogueItem", "AddCatalogueItemInput",
                     {"communityId": c, "name": f"家电维修{uuid.uuid4().hex[:6]}", "kind": "SERVICE", "price": 10}, "item { id }"))["item"]
    before = await _entries(db)
    key = uuid.uuid4().hex
    results = await _fire(live_server.url, w, REDEEM, [
        {"accountId": v["account"]["id"], "itemId": item["id"], "idempotencyKey": key} for _ in range(PARALLEL)])
    assert all("errors" not in r for r in results), results
    assert len({r["data"]["redeem"]["redemption"]["id"] for r in results}) == 1
    assert {r["data"]["redeem"]["account"]["balance"] for r in results} == {40}
    assert await _entries(db) == before + 1
    await assert_books(db)


async def test_parallel_confirms_credit_once(live_server: Any, gql: Any, db: Any) -> None:
    w = await worker(db, gql, "胜利路社区")
    c = to_global_id("Community", await community_pk(db, "胜利路社区"))
    v = await register(gql, w, c, "郑国强")
    rec = (await op(gql, w, "recordService", "RecordServiceInput", {
        "communityId": c, "description": "清理楼道杂物", "servedOn": YESTERDAY, "minutes": 60, "volunteerIds": [v["id"]]},
        "service { id version }"))["service"]
    before = await _entries(db)
    results = await _fire(live_server.url, w, f"mutation($i: ServiceStepInput!) {{ confirmService(input: $i) {{ service {{ {SERVICE} }} }} }}",
                          [{"id": rec["id"], "version": rec["version"]} for _ in range(PARALLEL)])
    assert all("errors" not in r for r in results), results
    assert len({r["data"]["confirmService"]["service"]["entry"]["id"] for r in results}) == 1
    assert await _entries(db) == before + 1
    final = await gql.ok("query($id: ID!) { timeBankAccount(id: $id) { balance } }", {"id": v["account"]["id"]}, token=w)
    assert final["timeBankAccount"]["balance"] == 10
    await assert_books(db)
