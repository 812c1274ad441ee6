"""Helpers for request-loop tests: drive the public GraphQL API as each role would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Building, Community, Department, Street, Subcategory
from schema.ids import to_global_id

REQUEST_FIELDS = "id trackingCode state version scope tier overdue dueAt dueKind createdAt resolvedAt elapsedSeconds"


async def gid_of(db: Any, model: Any, **where: Any) -> str:
    t = model.__table__
    stmt = select(t.c.id)
    for k, v in where.items():
        stmt = stmt.where(t.c[k] == v)
    async with db.read() as conn:
        pk = (await conn.execute(stmt.limit(1))).scalar_one()
    return to_global_id(model.__name__, pk)


async def qr_token_in(db: Any, community: str, index: int = 0) -> str:
    b, c = Building.__table__, Community.__table__
    async with db.read() as conn:
        return (await conn.execute(
            select(b.c.qr_token).join(c, c.c.id == b.c.community_id).where(c.c.name == community).order_by(b.c.id).offset(index).limit(1)
        )).scalar_one()


async def building_gid_in(db: Any, community: str, index: int = 0) -> str:
    b, c = Building.__table__, Community.__table__
    async with db.read() as conn:
        pk = (await conn.execute(select(b.c.id).join(c, c.c.id == b.c.community_id).where(c.c.name == community).order_by(b.c.id).offset(index).limit(1))).scalar_one()
    return to_global_id("Building", pk)


async def dept(db: Any, name: str) -> str:
    return await gid_of(db, Department, name=name)


async def street(db: Any, name: str) -> str:
    return await gid_of(db, Street, name=name)


async def sub(db: Any, name: str) -> str:
    return await gid_of(db, Subcategory, name=name)


class Loop:
    def __init__(self, gql: Any, tokens: dict[str, str]) -> None:
        self.gql, self.tokens = gql, tokens

    async def call(self, role: str | None, mutation: str, input: dict, fields: str = REQUEST_FIELDS) -> dict:
        q = f"mutation($i: {mutation[0].upper() + mutation[1:]}Input!) {{ {mutation}(input: $i) {{ request {{ {fields} }} }} }}"
        return await self.gql.post(q, {"i": input}, token=self.tokens[role] if role else None)

    async def ok(self, role: str | None, mutation: str, input: dict, input_type: str | None = None, fields: str = REQUEST_FIELDS) -> dict:
        name = input_type or mutation[0].upper() + mutation[1:] + "Input"
        q = f"mutation($i: {name}!) {{ {mutation}(input: $i) {{ request {{ {fields} }} }} }}"
        body = await self.gql.post(q, {"i": input}, token=self.tokens[role] if role else None)
        assert "errors" not in body, (mutation, body.get("errors"))
        return body["data"][mutation]["request"]

    async def err(self, role: str | None, mutation: str, input: dict, input_type: str | None = None) -> str:
        name = input_type or mutation[0].upper() + mutation[1:] + "Input"
        q = f"mutation($i: {name}!) {{ {mutation}(input: $i) {{ request {{ id }} }} }}"
        body = await self.gql.post(q, {"i": input}, token=self.tokens[role] if role else None)
        assert "errors" in body, (mutation, "expected an error", body)
        return body["errors"][0]["extensions"]["code"]

    async def submit(self, role: str | None, **input: Any) -> dict:
        q = f"mutation($i: SubmitRequestInput!) {{ submitRequest(input: $i) {{ replayed request {{ {REQUEST_FIELDS} }} }} }}"
        body = await self.gql.post(q, {"i": input}, token=self.tokens[role] if role else None)
        assert "errors" not in body, body.get("errors")
        return body["data"]["submitRequest"]

    async def get(self, role: str, rid: str, fields: str = REQUEST_FIELDS) -> dict | None:
        body = await self.gql.post(f"query($id: ID!) {{ request(id: $id) {{ {fields} }} }}", {"id": rid}, token=self.tokens[role])
        assert "errors" not in body, body.get("errors")
        return body["data"]["request"]


# Input type names for mutations that share an input type.
STEP = "RequestStepInput"
REASON = "RequestReasonInput"
DISPATCH = "DispatchRequestInput"
