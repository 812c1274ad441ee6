"""Helpers for the big-party-committee tests: sign-ins for a community's workers and partners."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select

from db.models import Community, PartnerUnit, User, UserScope
from resolvers.passwords import hash_password
from schema.ids import to_global_id

TASK_FIELDS = """id title ask state version dueAt result community { name }
  parts { state result declineReason partnerUnit { name } }
  linkedRequests { title state category subcategory place }"""


async def user_with_scope(db: Any, gql: Any, role: str, kind: str, ref_id: int, display: str) -> str:
    """A new sign-in with one scope; returns its token."""
    username = f"t-{role.lower()}-{uuid.uuid4().hex[:8]}"
    async with db.engine.begin() as conn:
        uid = (await conn.execute(insert(User.__table__).values(
            username=username, password_hash=await hash_password("pw-" + username), display_name=display, role=role,
        ).returning(User.__table__.c.id))).scalar_one()
        await conn.execute(insert(UserScope.__table__).values(user_id=uid, kind=kind, ref_id=ref_id))
    return await gql.login(username, "pw-" + username)


async def community_pk(db: Any, name: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(Community.id).where(Community.name == name))).scalar_one()


async def partner_pk(db: Any, name: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(PartnerUnit.id).where(PartnerUnit.name == name))).scalar_one()


async def community_worker(db: Any, gql: Any, community: str) -> str:
    return await user_with_scope(db, gql, "COMMUNITY_WORKER", "COMMUNITY", await community_pk(db, community), f"{community}工作站")


async def partner_contact(db: Any, gql: Any, unit: str) -> str:
    return await user_with_scope(db, gql, "PARTNER", "PARTNER", await partner_pk(db, unit), unit)


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


async def task_op(gql: Any, token: str, mutation: str, input: dict, input_type: str, fields: str = TASK_FIELDS) -> dict:
    body = await gql.post(f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ task {{ {fields} }} }} }}", {"i": input}, token=token)
    assert "errors" not in body, (mutation, body.get("errors"))
    return body["data"][mutation]["task"]


async def task_err(gql: Any, token: str, mutation: str, input: dict, input_type: str) -> str:
    body = await gql.post(f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ task {{ id }} }} }}", {"i": input}, token=token)
    assert "errors" in body, (mutation, "expected an error", body)
    return body["errors"][0]["extensions"]["code"]
