"""Changing one's own password, and "must change password" for logins whose password someone else
chose: an admin's temporary one (create or reset) and an import's initial one. Until the user has
chosen their own, every operation but `me` and `changeMyPassword` is refused with
PASSWORD_CHANGE_REQUIRED — over HTTP and over WebSocket; the change ends every other session,
hands this one a fresh token, is audited and counts wrong current passwords towards the lockout."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from typing import Any

import pytest
import websockets
from sqlalchemy import select

from db.models import AuditEntry, User
from schema.ids import from_global_id
from tests.conftest import GQL

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token mustChangePassword user { username role } } }"
CHANGE = """mutation($i: ChangeMyPasswordInput!) {
  changeMyPassword(input: $i) { token expiresAt mustChangePassword user { username role } } }"""
ADMIN_QUERY = "{ staffAccounts(first: 1) { totalCount } }"
RENAME = "mutation($i: RenameUserInput!) { renameUser(input: $i) { account { user { displayName } } } }"
CREATE = """mutation($i: CreateUserInput!) { createUser(input: $i) { temporaryPassword account { user { id username } } } }"""
RESET = """mutation($i: ResetUserPasswordInput!) { resetUserPassword(input: $i) { temporaryPassword } }"""
NEW_PASSWORD = "Harbour-lights-7"


def mark() -> str:
    return uuid.uuid4().hex[:8]


async def create_user(gql: GQL, admin: str, role: str = "ADMIN", password: str | None = None) -> dict:
    """A new district-wide login made by the demo admin; with a temporary password unless `password`."""
    data = await gql.ok(CREATE, {"i": {"username": f"t-pwd-{mark()}", "displayName": "改密测试", "role": role, "scopes": [],
                                       **({"password": password} if password else {})}}, token=admin)
    user = data["createUser"]["account"]["user"]
    return {"id": user["id"], "username": user["username"], "password": password or data["createUser"]["temporaryPassword"]}


async def sign_in(gql: GQL, username: str, password: str) -> dict:
    body = await gql.post(LOGIN, {"i": {"username": username, "password": password}})
    assert "errors" not in body, body["errors"]
    return body["data"]["login"]


async def change(gql: GQL, token: str | None, current: str, new: str) -> dict:
    return await gql.post(CHANGE, {"i": {"currentPassword": current, "newPassword": new}}, token=token)


def code(body: dict) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


async def flag(db: Any, username: str) -> bool:
    async with db.read() as conn:
        return (await conn.execute(select(User.must_change_password).where(User.username == username))).scalar_one()


async def audit(db: Any, action: str, user_gid: str) -> list[Any]:
    t = AuditEntry.__table__
    async with db.read() as conn:
        return (await conn.execute(select(t).where(t.c.action == action, t.c.target == f"User:{from_global_id(user_gid)[1]}")
                                   .order_by(t.c.id))).all()


# ------------------------------------------------------------------------------ the whole story


async def test_a_temporary_password_must_be_changed_before_anything_else(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    user = await create_user(gql, tokens["admin"])  # an ADMIN: everything below would be allowed but for the flag
    assert await flag(db, user["username"]) is True
    login = await sign_in(gql, user["username"], user["password"])
    assert login["mustChangePassword"] is True
    token = login["token"]

    me = await gql.ok("{ me { username role } }", token=token)
    assert me["me"] == {"username": user["username"], "role": "ADMIN"}
    query = await gql.post(ADMIN_QUERY, token=token)
    assert code(query) == "PASSWORD_CHANGE_REQUIRED" and query.get("data") is None
    assert query["errors"][0]["extensions"]["messageEn"]
    mutation = await gql.post(RENAME, {"i": {"userId": user["id"], "displayName": "不该改成"}}, token=token)
    assert code(mutation) == "PASSWORD_CHANGE_REQUIRED"
    # `me` does not carry another field through, nor does a fragment or an alias.
    assert code(await gql.post("{ me { username } staffAccounts(first: 1) { totalCount } }", token=token)) == "PASSWORD_CHANGE_REQUIRED"
    assert code(await gql.post("{ ...F } fragment F on Query { who: staffAccounts(first: 1) { totalCount } }", token=token)) \
        == "PASSWORD_CHANGE_REQUIRED"
    async with db.read() as conn:
        name = (await conn.execute(select(User.display_name).where(User.username == user["username"]))).scalar_one()
    assert name == "改密测试"  # the refused mutation changed nothing

    body = await change(gql, token, user["password"], NEW_PASSWORD)
    assert "errors" not in body, body["errors"]
    changed = body["data"]["changeMyPassword"]
    assert changed["mustChangePassword"] is False and changed["user"]["username"] == user["username"] and changed["token"] != token
    assert await flag(db, user["username"]) is False

    old = await gql.post("{ me { username } }", token=token)
    assert old["_status"] == 401 and code(old) == "UNAUTHENTICATED"
    assert (await gql.ok(ADMIN_QUERY, token=changed["token"]))["staffAccounts"]["totalCount"] >= 1
    renamed = await gql.ok(RENAME, {"i": {"userId": user["id"], "displayName": "改好了"}}, token=changed["token"])
    assert renamed["renameUser"]["account"]["user"]["displayName"] == "改好了"

    assert code(await gql.post(LOGIN, {"i": {"username": user["username"], "password": user["password"]}})) == "UNAUTHENTICATED"
    again = await sign_in(gql, user["username"], NEW_PASSWORD)
    assert again["mustChangePassword"] is False

    [entry] = await audit(db, "PASSWORD_CHANGED", user["id"])
    assert entry.actor_user_id == from_global_id(user["id"])[1]
    assert NEW_PASSWORD not in entry.detail and user["password"] not in entry.detail


async def test_demo_logins_are_not_flagged(gql: GQL) -> None:
    for name in ("admin", "grid", "dispatcher"):
        assert (await sign_in(gql, name, "demo"))["mustChangePassword"] is False


async def test_who_sets_the_password_decides_the_flag(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    """An admin's temporary password raises it, a password the admin sets does not; a reset to a
    temporary one raises it again (and a reset to a chosen one clears it)."""
    chosen = await create_user(gql, tokens["admin"], role="CENTER_DISPATCHER", password="Chosen-by-hand-1")
    assert await flag(db, chosen["username"]) is False
    assert (await sign_in(gql, chosen["username"], "Chosen-by-hand-1"))["mustChangePassword"] is False

    temporary = (await gql.ok(RESET, {"i": {"userId": chosen["id"]}}, token=tokens["admin"]))["resetUserPassword"]["temporaryPassword"]
    assert await flag(db, chosen["username"]) is True
    login = await sign_in(gql, chosen["username"], temporary)
    assert login["mustChangePassword"] is True
    assert code(await gql.post("{ streets(first: 1) { totalCount } }", token=login["token"])) == "PASSWORD_CHANGE_REQUIRED"

    await gql.ok(RESET, {"i": {"userId": chosen["id"], "newPassword": "Chosen-again-2"}}, token=tokens["admin"])
    assert await flag(db, chosen["username"]) is False
    ok = await sign_in(gql, chosen["username"], "Chosen-again-2")
    assert (await gql.ok("{ streets(first: 1) { totalCount } }", token=ok["token"]))["streets"]["totalCount"] == 12


async def test_anyone_signed_in_may_change_their_password_and_anonymous_may_not(gql: GQL, tokens: dict[str, str]) -> None:
    user = await create_user(gql, tokens["admin"], role="DISTRICT_LEADER", password="Leader-pass-1")
    login = await sign_in(gql, user["username"], "Leader-pass-1")
    other = await sign_in(gql, user["username"], "Leader-pass-1")  # another device
    body = await change(gql, login["token"], "Leader-pass-1", NEW_PASSWORD)
    assert "errors" not in body, body["errors"]
    assert (await gql.post("{ me { username } }", token=other["token"]))["_status"] == 401
    assert (await gql.ok("{ me { username } }", token=body["data"]["changeMyPassword"]["token"]))["me"]["username"] == user["username"]

    assert code(await change(gql, None, "whatever", NEW_PASSWORD)) == "UNAUTHENTICATED"


# ------------------------------------------------------------------------------ the policy


@pytest.mark.parametrize("new, rule", [
    ("Sh0rt-pw", "LENGTH"),                # 8 characters
    ("onlylettersinhere", "CLASSES"),      # one class
    ("12345678901234", "CLASSES"),
    ("{user}-2026-x", "USERNAME"),         # contains the username
    ("Password123", "COMMON"),             # common, whatever the case
    ("woaini5201314", "COMMON"),
    ("{current}", "SAME"),                 # the current one
])
async def test_the_password_policy_refuses_each_weak_password_on_its_field(gql: GQL, tokens: dict[str, str], new: str, rule: str) -> None:
    current = "Policy-start-1"
    user = await create_user(gql, tokens["admin"], role="EVALUATOR", password=current)
    login = await sign_in(gql, user["username"], current)
    body = await change(gql, login["token"], current, new.format(user=user["username"].upper(), current=current))
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == "newPassword" and error["extensions"]["rule"] == rule
    assert error["message"] and error["extensions"]["messageEn"]
    # Nothing changed: the session and the password both still work.
    assert (await gql.ok("{ me { username } }", token=login["token"]))["me"]["username"] == user["username"]
    assert await sign_in(gql, user["username"], current)


# ------------------------------------------------------------------------------ lockout


async def test_wrong_current_passwords_count_towards_the_sign_in_lockout(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    user = await create_user(gql, tokens["admin"], role="EVALUATOR", password="Lockout-pass-1")
    token = (await sign_in(gql, user["username"], "Lockout-pass-1"))["token"]
    # Two failed sign-ins and three wrong current passwords share one counter: five lock the account.
    for _ in range(2):
        assert code(await gql.post(LOGIN, {"i": {"username": user["username"], "password": "Not-the-one-9"}})) == "UNAUTHENTICATED"
    for _ in range(3):
        wrong = await change(gql, token, "Not-the-one-9", NEW_PASSWORD)
        assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert wrong["errors"][0]["extensions"]["field"] == "currentPassword"
    assert code(await change(gql, token, "Lockout-pass-1", NEW_PASSWORD)) == "TOO_MANY_ATTEMPTS"  # even the right one now
    assert code(await gql.post(LOGIN, {"i": {"username": user["username"], "password": "Lockout-pass-1"}})) == "TOO_MANY_ATTEMPTS"
    assert len(await audit(db, "PASSWORD_CHANGE_FAILED", user["id"])) == 3
    assert await audit(db, "PASSWORD_CHANGED", user["id"]) == []

    # An admin's reset lifts the lockout (and, being temporary, asks for a new password again).
    temporary = (await gql.ok(RESET, {"i": {"userId": user["id"]}}, token=tokens["admin"]))["resetUserPassword"]["temporaryPassword"]
    fresh = await sign_in(gql, user["username"], temporary)
    assert fresh["mustChangePassword"] is True
    assert "errors" not in await change(gql, fresh["token"], temporary, NEW_PASSWORD)


# ------------------------------------------------------------------------------ imported staff


async def test_imported_staff_start_flagged(http: Any, gql: GQL, tokens: dict[str, str], db: Any) -> None:
    username = f"imppwd{mark()}"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([["用户名", "姓名", "角色", "管辖范围"], [username, "导入调度员", "调度员", ""]])
    query = "mutation($i: ImportRegisterInput!) { importRegister(input: $i) { job { finished credentialCount credentialsUrl } } }"
    operations = {"query": query, "variables": {"i": {"register": "STAFF", "file": None, "dryRun": False, "wait": True}}}
    response = await http.post("/graphql", headers={"accept": "application/graphql-response+json", "graphql-preflight": "1",
                                                     "authorization": f"Bearer {tokens['admin']}"},
                               files={"0": ("staff.csv", out.getvalue().encode("utf-8"), "text/csv")},
                               data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.i.file"]})})
    body = response.json()
    assert "errors" not in body, body
    job = body["data"]["importRegister"]["job"]
    assert job["finished"] and job["credentialCount"] == 1
    rows = list(csv.reader(io.StringIO((await http.get(job["credentialsUrl"])).content.decode("utf-8-sig"))))
    password = {row[0]: row[3] for row in rows[1:]}[username]

    assert await flag(db, username) is True
    login = await sign_in(gql, username, password)
    assert login["mustChangePassword"] is True and login["user"]["role"] == "CENTER_DISPATCHER"
    assert code(await gql.post("{ streets(first: 1) { totalCount } }", token=login["token"])) == "PASSWORD_CHANGE_REQUIRED"
    changed = await change(gql, login["token"], password, NEW_PASSWORD)
    assert "errors" not in changed, changed["errors"]
    assert await flag(db, username) is False
    assert (await gql.ok("{ streets(first: 1) { totalCount } }", token=changed["data"]["changeMyPassword"]["token"]))


# ------------------------------------------------------------------------------ WebSocket


async def _socket(server: Any, token: str) -> Any:
    ws = await websockets.connect(server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    return ws


async def _answer(ws: Any, op_id: str) -> dict:
    """The first `next` or `error` message of operation `op_id`."""
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await ws.recv())
            if message.get("id") == op_id and message["type"] in ("next", "error"):
                return message


async def test_subscriptions_and_socket_operations_are_refused_until_the_password_is_changed(
        live_server: Any, gql: GQL, tokens: dict[str, str]) -> None:
    user = await create_user(gql, tokens["admin"], role="CENTER_DISPATCHER")
    token = (await sign_in(gql, user["username"], user["password"]))["token"]
    ws = await _socket(live_server, token)
    try:
        await ws.send(json.dumps({"id": "wall", "type": "subscribe",
                                  "payload": {"query": "subscription { requestCreated { cursor request { trackingCode } } }"}}))
        refused = await _answer(ws, "wall")
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["PASSWORD_CHANGE_REQUIRED"]
        if refused["type"] == "next":
            assert refused["payload"].get("data") is None

        await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ streets(first: 1) { totalCount } }"}}))
        query = await _answer(ws, "q")
        errors = query["payload"] if query["type"] == "error" else query["payload"]["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["PASSWORD_CHANGE_REQUIRED"]

        await ws.send(json.dumps({"id": "me", "type": "subscribe", "payload": {"query": "{ me { username } }"}}))
        me = await _answer(ws, "me")
        assert me["type"] == "next" and me["payload"]["data"]["me"]["username"] == user["username"]

        # The change ends every other session, this socket's included (4403: sign in again).
        changed = await change(gql, token, user["password"], NEW_PASSWORD)
        assert "errors" not in changed, changed["errors"]
        with pytest.raises(websockets.ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                while True:
                    await ws.recv()
        assert closed.value.rcvd.code == 4403
    finally:
        await ws.close()

    fresh = await _socket(live_server, changed["data"]["changeMyPassword"]["token"])
    try:
        await fresh.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": "{ streets(first: 1) { totalCount } }"}}))
        answer = await _answer(fresh, "q")
        assert answer["type"] == "next" and answer["payload"]["data"]["streets"]["totalCount"] == 12
    finally:
        await fresh.close()
