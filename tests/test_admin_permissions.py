"""The permission matrix of administration: every admin query and mutation, tried by every
non-admin demo login and anonymously, is refused — FORBIDDEN or UNAUTHENTICATED — and changes
nothing. The inputs are well-formed and point at real rows, so what refuses is the permission."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from db.models import (
    AuditEntry,
    Category,
    Community,
    Department,
    Grid,
    Holiday,
    HolidayYear,
    PartnerUnit,
    Street,
    StreetSection,
    Subcategory,
    User,
    UserScope,
)
from resolvers.admin.common import ADMIN_ACTIONS
from schema.api.admin import AdminMutation, AdminQuery
from schema.ids import to_global_id
from tests.conftest import GQL

NON_ADMINS = ["dispatcher", "street", "community", "grid", "leader", "fieldhead", "department", "district", "partner",
              "volunteer", "evaluator"]
POLICY = {"triageMinutes": 30, "majorResponseHours": 2, "majorResolveWorkingDays": 5, "minorAHours": 24,
          "minorCProgressDays": 7, "privateResponseHours": 48}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


async def first_id(db: Any, model: Any, type_name: str) -> str:
    async with db.read() as conn:
        return to_global_id(type_name, (await conn.execute(select(model.__table__.c.id).order_by(model.__table__.c.id).limit(1))).scalar_one())


async def operations(db: Any, gql: GQL, tokens: dict[str, str]) -> dict[str, tuple[str, dict]]:
    """One valid call of every admin field, by GraphQL name."""
    victim = (await gql.ok("""mutation($i: CreateUserInput!) { createUser(input: $i) { account { user { id } } } }""", {"i": {
        "username": f"t-perm-{uuid.uuid4().hex[:8]}", "displayName": "权限测试", "role": "CENTER_DISPATCHER", "password": "Perm-test-1"}},
        token=tokens["admin"]))["createUser"]["account"]["user"]["id"]
    user = {"userId": victim}
    street, community, grid = await first_id(db, Street, "Street"), await first_id(db, Community, "Community"), await first_id(db, Grid, "Grid")
    category, subcategory = await first_id(db, Category, "Category"), await first_id(db, Subcategory, "Subcategory")
    department, section = await first_id(db, Department, "Department"), await first_id(db, StreetSection, "StreetSection")
    partner = await first_id(db, PartnerUnit, "PartnerUnit")

    def m(name: str, input: dict, fields: str, input_type: str | None = None) -> tuple[str, dict]:
        type_name = input_type or name[0].upper() + name[1:] + "Input"
        return f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ {fields} }} }}", {"i": input}

    account = "account { active }"
    return {
        "staffAccounts": ("{ staffAccounts(first: 1) { totalCount } }", {}),
        "staffAccount": ("query($id: ID!) { staffAccount(id: $id) { active } }", {"id": victim}),
        "auditLog": ("{ auditLog(first: 1) { totalCount } }", {}),
        "holidayYear": ("{ holidayYear(year: 2026) { year } }", {}),
        "adminUnits": ("{ adminUnits(kind: DEPARTMENT, first: 1) { totalCount } }", {}),
        "createUser": m("createUser", {"username": f"t-no-{uuid.uuid4().hex[:8]}", "displayName": "不应创建", "role": "GRID_WORKER",
                                       "scopes": [{"kind": "GRID", "refId": grid}]}, account + " temporaryPassword"),
        "renameUser": m("renameUser", {**user, "displayName": "改名"}, account),
        "disableUser": m("disableUser", {**user, "reason": "试"}, account),
        "enableUser": m("enableUser", user, account, "UserRefInput"),
        "resetUserPassword": m("resetUserPassword", user, account + " temporaryPassword"),
        "revokeUserTokens": m("revokeUserTokens", user, account, "UserRefInput"),
        "changeUserRole": m("changeUserRole", {**user, "role": "COMMUNITY_WORKER", "scopes": [{"kind": "COMMUNITY", "refId": community}]}, account),
        "createCategory": m("createCategory", {"code": "NOPE", "name": "不应创建", "nameEn": "Nope"}, "category { id }"),
        "updateCategory": m("updateCategory", {"id": category, "name": "改名"}, "category { id }"),
        "createSubcategory": m("createSubcategory", {"categoryId": category, "code": "NOPE_SUB", "name": "不应创建", "nameEn": "Nope"},
                               "subcategory { id }"),
        "updateSubcategory": m("updateSubcategory", {"id": subcategory, "keywords": ["改"]}, "subcategory { id }"),
        "setSubcategoryRouting": m("setSubcategoryRouting", {"subcategoryId": subcategory, "departmentId": department}, "subcategory { id }",
                                   "SetRoutingInput"),
        "setSubcategoryDeadlines": m("setSubcategoryDeadlines", {"subcategoryId": subcategory, "deadlines": {**POLICY, "triageMinutes": 60}},
                                     "subcategory { id }", "SetDeadlinesInput"),
        "setHoliday": m("setHoliday", {"date": "2094-03-02", "isWorkday": False, "name": "不应写入"}, "holidayYear { year }", "HolidayDayInput"),
        "removeHoliday": m("removeHoliday", {"date": "2026-10-01"}, "holidayYear { year }"),
        "markHolidayYear": m("markHolidayYear", {"year": 2094, "entered": True}, "holidayYear { year }"),
        "enterHolidayYear": m("enterHolidayYear", {"year": 2094, "days": [{"date": "2094-01-01", "isWorkday": False, "name": "元旦"}]},
                              "holidayYear { year }"),
        "createUnit": m("createUnit", {"kind": "SECTION", "streetId": street, "name": "不应创建", "nameEn": "Nope"}, "unit { id }"),
        "renameUnit": m("renameUnit", {"id": section, "name": "改名"}, "unit { id }"),
        "setUnitActive": m("setUnitActive", {"id": partner, "active": False}, "unit { id }"),
    }


async def snapshot(db: Any) -> dict[str, Any]:
    """Everything administration could change."""
    out: dict[str, Any] = {}
    async with db.read() as conn:
        for model in (User, UserScope, Category, Subcategory, Holiday, HolidayYear, Department, StreetSection, PartnerUnit):
            t = model.__table__
            out[t.name] = (await conn.execute(select(t).order_by(*t.primary_key.columns))).all()
        out["audit"] = (await conn.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.in_(ADMIN_ACTIONS)))).scalar_one()
    return out


async def test_every_admin_field_is_refused_to_everyone_else_and_changes_nothing(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    ops = await operations(db, gql, tokens)
    fields = {camel(f.python_name) for t in (AdminQuery, AdminMutation) for f in t.__strawberry_definition__.fields}
    assert set(ops) == fields, "every admin query and mutation is in the matrix"

    before = await snapshot(db)
    refusals = 0
    for field, (query, variables) in ops.items():
        for who in [None, *NON_ADMINS]:
            body = await gql.post(query, variables, token=tokens[who] if who else None)
            errors = body.get("errors") or []
            assert errors, (field, who, body)
            expected = "UNAUTHENTICATED" if who is None else "FORBIDDEN"
            assert errors[0]["extensions"]["code"] == expected, (field, who, errors)
            assert (body.get("data") or {}).get(field) is None, (field, who)
            refusals += 1
    assert await snapshot(db) == before
    assert refusals == len(ops) * (1 + len(NON_ADMINS))
    # The same queries are fine for an admin: the refusals above were the permission, not the input.
    for field in ("staffAccounts", "staffAccount", "auditLog", "holidayYear", "adminUnits"):
        query, variables = ops[field]
        assert (await gql.ok(query, variables, token=tokens["admin"]))[field] is not None
