"""Staff accounts (ADMIN): create, disable and enable, reset the password, change role and scopes,
revoke tokens — each audited; a disabled or revoked user's tokens stop at once and their open
WebSockets are closed with 4403, on the process that made the change and on another one."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select, update

from db.models import AuditEntry, Community, Department, Grid, User
from resolvers.actor import Actor
from resolvers.admin import accounts
from resolvers.errors import Conflict
from resolvers.roles import Role
from schema.ids import to_global_id
from tests.conftest import GQL

ACCOUNT = "account { active lockedUntil createdAt user { id username displayName role roleLabel scopes { kind refId name } } }"
CLOSE_WAIT = 20  # seconds a revoked socket may take to close before the test gives up (the guard needs ~1–3 s)


def mark() -> str:
    return uuid.uuid4().hex[:8]


async def admin_ok(gql: GQL, token: str, mutation: str, input: dict, fields: str = ACCOUNT, input_type: str | None = None) -> dict:
    name = input_type or mutation[0].upper() + mutation[1:] + "Input"
    body = await gql.post(f"mutation($i: {name}!) {{ {mutation}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
    assert "errors" not in body, (mutation, body.get("errors"))
    return body["data"][mutation]


async def admin_err(gql: GQL, token: str | None, mutation: str, input: dict, fields: str = "account { active }",
                    input_type: str | None = None) -> dict:
    name = input_type or mutation[0].upper() + mutation[1:] + "Input"
    body = await gql.post(f"mutation($i: {name}!) {{ {mutation}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
    assert "errors" in body, (mutation, "expected an error", body)
    return body["errors"][0]


async def grids_of(db: Any, community: str, n: int) -> list[str]:
    g, c = Grid.__table__, Community.__table__
    async with db.read() as conn:
        ids = (await conn.execute(select(g.c.id).join(c, c.c.id == g.c.community_id).where(c.c.name == community)
                                  .order_by(g.c.id).limit(n))).scalars().all()
    return [to_global_id("Grid", i) for i in ids]


async def community_gid(db: Any, name: str) -> str:
    async with db.read() as conn:
        return to_global_id("Community", (await conn.execute(select(Community.id).where(Community.name == name))).scalar_one())


async def new_user(gql: GQL, tokens: dict[str, str], db: Any, role: str = "GRID_WORKER", password: str | None = None) -> dict:
    """A new login through the API; returns the payload plus the password to sign in with."""
    scopes = [{"kind": "GRID", "refId": g} for g in await grids_of(db, "福泰社区", 2)] if role == "GRID_WORKER" else []
    if role == "COMMUNITY_WORKER":
        scopes = [{"kind": "COMMUNITY", "refId": await community_gid(db, "福泰社区")}]
    data = await admin_ok(gql, tokens["admin"], "createUser", {
        "username": f"t-adm-{mark()}", "displayName": "测试账号", "role": role, "scopes": scopes, **({"password": password} if password else {}),
    }, ACCOUNT + " temporaryPassword")
    data["password"] = password or data["temporaryPassword"]
    return data


async def audit_rows(db: Any, action: str, target: str) -> list[Any]:
    t = AuditEntry.__table__
    async with db.read() as conn:
        return (await conn.execute(select(t).where(t.c.action == action, t.c.target == target).order_by(t.c.id))).all()


def pk(gid: str) -> int:
    from schema.ids import from_global_id

    return from_global_id(gid)[1]


async def me(gql: GQL, token: str) -> dict:
    return await gql.post("{ me { username role scopes { kind name } } }", token=token)


# ------------------------------------------------------------------------------------ creating


async def test_a_new_login_with_a_temporary_password_signs_in_and_is_audited(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db)
    account, temporary = created["account"], created["temporaryPassword"]
    assert len(temporary) == 12 and account["active"] is True and account["lockedUntil"] is None
    user = account["user"]
    assert user["role"] == "GRID_WORKER" and user["roleLabel"] == "网格员"
    assert [s["kind"] for s in user["scopes"]] == ["GRID", "GRID"]

    token = await gql.login(user["username"], temporary)
    who = (await me(gql, token))["data"]["me"]
    assert who["username"] == user["username"] and who["role"] == "GRID_WORKER"

    [entry] = await audit_rows(db, "USER_CREATED", f"User:{pk(user['id'])}")
    assert entry.actor_user_id == 1  # the demo admin
    assert "role=GRID_WORKER" in entry.detail and "password=temporary" in entry.detail and temporary not in entry.detail
    async with db.read() as conn:
        stored = (await conn.execute(select(User.password_hash).where(User.id == pk(user["id"])))).scalar_one()
    assert temporary not in stored and stored.startswith("$argon2")


async def test_an_admin_chosen_password_is_not_echoed(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db, role="CENTER_DISPATCHER", password="Hujiao-2026")
    assert created["temporaryPassword"] is None
    assert await gql.login(created["account"]["user"]["username"], "Hujiao-2026")


@pytest.mark.parametrize("change, code, field", [
    ({"username": "ab"}, "BAD_USER_INPUT", "username"),
    ({"username": "9lives"}, "BAD_USER_INPUT", "username"),
    ({"username": "网格员小王"}, "BAD_USER_INPUT", "username"),
    ({"username": "admin"}, "CONFLICT", "username"),
    ({"displayName": "  "}, "BAD_USER_INPUT", "displayName"),
    ({"password": "short1"}, "BAD_USER_INPUT", "password"),
    ({"password": "onlyletters"}, "BAD_USER_INPUT", "password"),
    ({"role": "COMMUNITY_WORKER"}, "BAD_USER_INPUT", "scopes"),  # grids are not a community worker's scope
    ({"scopes": []}, "BAD_USER_INPUT", "scopes"),  # a grid worker needs a grid
    ({"role": "CENTER_DISPATCHER"}, "BAD_USER_INPUT", "scopes"),  # district-wide: no scopes
    ({"scopes": "three grids"}, "BAD_USER_INPUT", "scopes"),  # one or two grids, not three
    ({"scopes": "missing grid"}, "NOT_FOUND", "scopes"),
])
async def test_bad_new_logins_are_refused_and_nothing_is_created(gql: GQL, tokens: dict[str, str], db: Any, change: dict,
                                                                 code: str, field: str) -> None:
    username = f"t-bad-{mark()}"
    grids = await grids_of(db, "福泰社区", 3)
    base = {"username": username, "displayName": "测试", "role": "GRID_WORKER", "scopes": [{"kind": "GRID", "refId": g} for g in grids[:2]]}
    if change.get("scopes") == "three grids":
        change = {"scopes": [{"kind": "GRID", "refId": g} for g in grids]}
    elif change.get("scopes") == "missing grid":
        change = {"scopes": [{"kind": "GRID", "refId": to_global_id("Grid", 99_999_999)}]}
    error = await admin_err(gql, tokens["admin"], "createUser", {**base, **change})
    assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field), error
    async with db.read() as conn:
        assert (await conn.execute(select(User.id).where(User.username == username))).first() is None
        created = (await conn.execute(select(AuditEntry.id).where(AuditEntry.action == "USER_CREATED",
                                                                   AuditEntry.detail.like(f"%{username}%")))).first()
    assert created is None


# ------------------------------------------------------------------------------------ disabling


async def test_disabling_stops_tokens_at_once_and_enabling_needs_a_new_sign_in(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db)
    user, password = created["account"]["user"], created["password"]
    token = await gql.login(user["username"], password)
    assert (await me(gql, token))["data"]["me"]["username"] == user["username"]

    disabled = await admin_ok(gql, tokens["admin"], "disableUser", {"userId": user["id"], "reason": "调离岗位"})
    assert disabled["account"]["active"] is False
    refused = await me(gql, token)
    assert refused["_status"] == 401 and refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql.post("mutation($i: LoginInput!) { login(input: $i) { token } }", {"i": {"username": user["username"], "password": password}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    [entry] = await audit_rows(db, "USER_DISABLED", f"User:{pk(user['id'])}")
    assert "调离岗位" in entry.detail

    enabled = await admin_ok(gql, tokens["admin"], "enableUser", {"userId": user["id"]}, input_type="UserRefInput")
    assert enabled["account"]["active"] is True
    assert (await me(gql, token))["_status"] == 401  # the old token stays dead
    fresh = await gql.login(user["username"], password)
    assert (await me(gql, fresh))["data"]["me"]["username"] == user["username"]
    assert await audit_rows(db, "USER_ENABLED", f"User:{pk(user['id'])}")


# ------------------------------------------------------------------------------------ passwords


async def test_a_password_reset_ends_sessions_lifts_a_lockout_and_is_audited(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db, password="Old-pass-2026")
    user = created["account"]["user"]
    token = await gql.login(user["username"], "Old-pass-2026")
    login = "mutation($i: LoginInput!) { login(input: $i) { token } }"
    for _ in range(5):
        await gql.post(login, {"i": {"username": user["username"], "password": "wrong-password-1"}})
    locked = await gql.post(login, {"i": {"username": user["username"], "password": "Old-pass-2026"}})
    assert locked["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"

    reset = await admin_ok(gql, tokens["admin"], "resetUserPassword", {"userId": user["id"], "newPassword": "New-pass-2026"},
                           ACCOUNT + " temporaryPassword")
    assert reset["temporaryPassword"] is None and reset["account"]["lockedUntil"] is None
    assert (await me(gql, token))["_status"] == 401
    old = await gql.post(login, {"i": {"username": user["username"], "password": "Old-pass-2026"}})
    assert old["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await gql.login(user["username"], "New-pass-2026")

    temp = await admin_ok(gql, tokens["admin"], "resetUserPassword", {"userId": user["id"]}, ACCOUNT + " temporaryPassword")
    assert len(temp["temporaryPassword"]) == 12
    assert await gql.login(user["username"], temp["temporaryPassword"])
    entries = await audit_rows(db, "PASSWORD_RESET", f"User:{pk(user['id'])}")
    assert [e.detail.split()[-1] for e in entries] == ["password=set", "password=temporary"]
    assert all("New-pass-2026" not in e.detail and temp["temporaryPassword"] not in e.detail for e in entries)

    weak = await admin_err(gql, tokens["admin"], "resetUserPassword", {"userId": user["id"], "newPassword": user["username"]},
                           input_type="ResetUserPasswordInput")
    assert weak["extensions"]["code"] == "BAD_USER_INPUT"


# ------------------------------------------------------------------------------------ revoking, roles


async def test_revoking_tokens_signs_out_everywhere_but_keeps_the_password(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db, password="Revoke-me-1")
    user = created["account"]["user"]
    phone, laptop = await gql.login(user["username"], "Revoke-me-1"), await gql.login(user["username"], "Revoke-me-1")
    await admin_ok(gql, tokens["admin"], "revokeUserTokens", {"userId": user["id"]}, input_type="UserRefInput")
    assert (await me(gql, phone))["_status"] == 401 and (await me(gql, laptop))["_status"] == 401
    assert await gql.login(user["username"], "Revoke-me-1")
    [entry] = await audit_rows(db, "TOKENS_REVOKED", f"User:{pk(user['id'])}")
    assert entry.actor_user_id == 1


async def test_a_new_role_and_scopes_replace_the_old_and_need_a_new_sign_in(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db, password="Role-change-1")
    user = created["account"]["user"]
    token = await gql.login(user["username"], "Role-change-1")
    changed = await admin_ok(gql, tokens["admin"], "changeUserRole", {
        "userId": user["id"], "role": "COMMUNITY_WORKER", "scopes": [{"kind": "COMMUNITY", "refId": await community_gid(db, "进德社区")}]})
    assert changed["account"]["user"]["role"] == "COMMUNITY_WORKER"
    assert [(s["kind"], s["name"]) for s in changed["account"]["user"]["scopes"]] == [("COMMUNITY", "进德社区")]
    assert (await me(gql, token))["_status"] == 401
    who = (await me(gql, await gql.login(user["username"], "Role-change-1")))["data"]["me"]
    assert who["role"] == "COMMUNITY_WORKER" and [s["name"] for s in who["scopes"]] == ["进德社区"]
    [entry] = await audit_rows(db, "ROLE_CHANGED", f"User:{pk(user['id'])}")
    assert entry.detail.startswith("role=GRID_WORKER scopes=[GRID:") and "→ role=COMMUNITY_WORKER scopes=[COMMUNITY:" in entry.detail

    # A scope the new role may not hold is refused and changes nothing.
    async with db.read() as conn:
        dept = (await conn.execute(select(Department.id).where(Department.name == "区城市管理局"))).scalar_one()
    error = await admin_err(gql, tokens["admin"], "changeUserRole", {
        "userId": user["id"], "role": "COMMUNITY_WORKER", "scopes": [{"kind": "DEPARTMENT", "refId": to_global_id("Department", dept)}]},
        input_type="ChangeUserRoleInput")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert len(await audit_rows(db, "ROLE_CHANGED", f"User:{pk(user['id'])}")) == 1


async def test_an_admin_may_step_down_while_another_admin_remains(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    second = await new_user(gql, tokens, db, role="ADMIN", password="Second-admin-1")
    user = second["account"]["user"]
    token = await gql.login(user["username"], "Second-admin-1")
    stepped = await admin_ok(gql, token, "changeUserRole", {"userId": user["id"], "role": "DISTRICT_LEADER", "scopes": []})
    assert stepped["account"]["user"]["role"] == "DISTRICT_LEADER"
    assert (await me(gql, token))["_status"] == 401


async def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(db: Any) -> None:
    """Other tests keep the demo admin's session, so the "only one admin left" state is made
    inside a transaction that is rolled back: the real rule on the real database."""
    async with db.sessions() as session:
        await session.begin()
        try:
            admin_id = (await session.execute(select(User.id).where(User.username == "admin"))).scalar_one()
            await session.execute(update(User).where(User.role == "ADMIN", User.id != admin_id).values(is_active=False))
            actor = Actor(user_id=admin_id, username="admin", display_name="平台管理员", role=Role.ADMIN)
            with pytest.raises(Conflict) as refused:
                await accounts.set_active(session, actor, admin_id, active=False)
            assert refused.value.extra["field"] == "userId" and "最后一个" in refused.value.zh
            with pytest.raises(Conflict):
                await accounts.change_role(session, actor, admin_id, role=Role.CENTER_DISPATCHER, scopes=[])
            assert (await session.execute(select(User.is_active, User.role).where(User.id == admin_id))).one() == (True, "ADMIN")
        finally:
            await session.rollback()


# ------------------------------------------------------------------------------------ listing, audit log


async def test_staff_accounts_filter_and_page(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    created = await new_user(gql, tokens, db)
    user = created["account"]["user"]
    q = """query($f: StaffAccountFilter, $first: Int) { staffAccounts(filter: $f, first: $first) { totalCount
        edges { node { active user { username role } } } } }"""
    found = (await gql.ok(q, {"f": {"search": user["username"][-8:]}}, token=tokens["admin"]))["staffAccounts"]
    assert [e["node"]["user"]["username"] for e in found["edges"]] == [user["username"]]
    admins = (await gql.ok(q, {"f": {"role": "ADMIN"}, "first": 100}, token=tokens["admin"]))["staffAccounts"]
    assert "admin" in {e["node"]["user"]["username"] for e in admins["edges"]}
    assert {e["node"]["user"]["role"] for e in admins["edges"]} == {"ADMIN"}
    grid = (await grids_of(db, "福泰社区", 1))[0]
    holders = (await gql.ok(q, {"f": {"scope": {"kind": "GRID", "refId": grid}}, "first": 100}, token=tokens["admin"]))["staffAccounts"]
    assert {"grid", user["username"]} <= {e["node"]["user"]["username"] for e in holders["edges"]}
    await admin_ok(gql, tokens["admin"], "disableUser", {"userId": user["id"]})
    disabled = (await gql.ok(q, {"f": {"active": False, "search": user["username"]}}, token=tokens["admin"]))["staffAccounts"]
    assert disabled["totalCount"] == 1 and disabled["edges"][0]["node"]["active"] is False
    too_many = await gql.post(q, {"first": 101}, token=tokens["admin"])
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_audit_log_lists_changes_newest_first_by_action_and_actor(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    first = await new_user(gql, tokens, db)
    second = await new_user(gql, tokens, db)
    q = """query($a: String, $who: ID, $after: String) { auditLog(action: $a, actorId: $who, first: 2, after: $after) {
        pageInfo { hasNextPage endCursor } edges { node { action target detail actor { username } at } } } }"""
    admin_gid = to_global_id("User", 1)
    page = (await gql.ok(q, {"a": "USER_CREATED", "who": admin_gid}, token=tokens["admin"]))["auditLog"]
    targets = [e["node"]["target"] for e in page["edges"]]
    assert targets == [f"User:{pk(second['account']['user']['id'])}", f"User:{pk(first['account']['user']['id'])}"]
    assert {e["node"]["actor"]["username"] for e in page["edges"]} == {"admin"}
    assert page["pageInfo"]["hasNextPage"] in (True, False)
    if page["pageInfo"]["hasNextPage"]:
        more = (await gql.ok(q, {"a": "USER_CREATED", "who": admin_gid, "after": page["pageInfo"]["endCursor"]}, token=tokens["admin"]))["auditLog"]
        assert not set(targets) & {e["node"]["target"] for e in more["edges"]}
    logins = (await gql.ok(q, {"a": "login"}, token=tokens["admin"]))["auditLog"]  # the action is matched in upper case
    assert {e["node"]["action"] for e in logins["edges"]} == {"LOGIN"}
    nobody = (await gql.ok(q, {"who": to_global_id("User", 99_999_999)}, token=tokens["admin"]))["auditLog"]
    assert nobody["edges"] == []


# ------------------------------------------------------------------------------------ open sockets


async def _socket(server: Any, token: str, subscribe: bool = True) -> Any:
    ws = await websockets.connect(server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    if subscribe:
        query = "subscription { requestCreated { cursor request { trackingCode } } }"
        await ws.send(json.dumps({"id": "wall", "type": "subscribe", "payload": {"query": query}}))
    return ws


async def _closed_code(ws: Any) -> int:
    """Wait for the server to close the socket; its close code."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        async with asyncio.timeout(CLOSE_WAIT):
            while True:
                message = json.loads(await ws.recv())
                assert message["type"] in ("next", "pong"), message
    return closed.value.rcvd.code


async def _still_open(ws: Any) -> None:
    await ws.send(json.dumps({"type": "ping"}))
    async with asyncio.timeout(CLOSE_WAIT):
        while json.loads(await ws.recv())["type"] != "pong":
            pass


async def _server_admin(server: Any) -> tuple[httpx.AsyncClient, GQL, str]:
    client = httpx.AsyncClient(base_url=server.url, timeout=30)
    remote = GQL(client)
    return client, remote, await remote.login("admin")


@pytest.mark.parametrize("where", ["same process", "other process"])
@pytest.mark.parametrize("change", ["revokeUserTokens", "disableUser", "resetUserPassword", "changeUserRole"])
async def test_open_sockets_of_a_user_whose_access_changed_are_closed_with_4403(
        live_server: Any, gql: GQL, tokens: dict[str, str], db: Any, where: str, change: str) -> None:
    """The socket is on the live server (its own process). "same process": the admin acts through
    that server; "other process": through this test process's app, sharing only the database
    (and, on PostgreSQL, Redis)."""
    client, remote, remote_admin = await _server_admin(live_server)
    try:
        target = await new_user(gql, tokens, db, password="Socket-user-1")
        bystander = await new_user(gql, tokens, db, password="Socket-user-2")
        token = await remote.login(target["account"]["user"]["username"], "Socket-user-1")
        other = await remote.login(bystander["account"]["user"]["username"], "Socket-user-2")
        watching, idle, unaffected = await _socket(live_server, token), await _socket(live_server, token, subscribe=False), \
            await _socket(live_server, other)
        await _still_open(watching)

        actor_gql, admin_token = (remote, remote_admin) if where == "same process" else (gql, tokens["admin"])
        input: dict = {"userId": target["account"]["user"]["id"]}
        if change == "changeUserRole":
            input |= {"role": "COMMUNITY_WORKER", "scopes": [{"kind": "COMMUNITY", "refId": await community_gid(db, "福泰社区")}]}
        await admin_ok(actor_gql, admin_token, change, input, input_type="UserRefInput" if change == "revokeUserTokens" else None)

        assert await _closed_code(watching) == 4403
        assert await _closed_code(idle) == 4403
        await _still_open(unaffected)
        await unaffected.close()
        refused = await me(remote, token)
        assert refused["_status"] == 401
    finally:
        await client.aclose()
