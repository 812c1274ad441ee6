"""Sign-in as SPEC §9 states it: login → token, Bearer on HTTP, connection_init on WebSocket."""

from typing import Any

import pytest
from sqlalchemy import insert, select, update

from db.models import AuditEntry, User
from resolvers.passwords import hash_password

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token expiresAt user { id username role } } }"


async def _make_user(db: Any, username: str, password: str = "s3cret!", role: str = "GRID_WORKER") -> int:
    async with db.write() as session:
        result = await session.execute(
            insert(User).values(username=username, password_hash=await hash_password(password), display_name=username, role=role)
        )
        return result.inserted_primary_key[0]


async def test_login_returns_a_token_that_me_recognises(gql: Any) -> None:
    data = await gql.ok(LOGIN, {"i": {"username": "dispatcher", "password": "demo"}})
    payload = data["login"]
    assert payload["user"]["username"] == "dispatcher"
    assert payload["user"]["role"] == "CENTER_DISPATCHER"
    assert payload["expiresAt"]
    me = await gql.ok("{ me { username role roleLabel } }", token=payload["token"])
    assert me["me"] == {"username": "dispatcher", "role": "CENTER_DISPATCHER", "roleLabel": "智慧呼应中心调度员"}


async def test_me_is_null_for_anonymous(gql: Any) -> None:
    assert (await gql.ok("{ me { username } }"))["me"] is None


async def test_wrong_password_is_unauthenticated_and_audited(gql: Any, db: Any) -> None:
    body = await gql.post(LOGIN, {"i": {"username": "street", "password": "wrong"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["extensions"]["messageEn"]
    async with db.read() as conn:
        actions = (await conn.execute(select(AuditEntry.__table__.c.action).where(AuditEntry.__table__.c.target == "street"))).scalars().all()
    assert "LOGIN_FAILED" in actions


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(gql: Any) -> None:
    body = await gql.post(LOGIN, {"i": {"username": "nobody-here", "password": "x"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_five_failures_lock_the_account(gql: Any, db: Any) -> None:
    await _make_user(db, "lockme")
    for _ in range(5):
        body = await gql.post(LOGIN, {"i": {"username": "lockme", "password": "bad"}})
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Now even the right password is refused while the lock holds.
    body = await gql.post(LOGIN, {"i": {"username": "lockme", "password": "s3cret!"}})
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"


async def test_disabled_user_cannot_sign_in_and_old_tokens_stop_working(gql: Any, db: Any) -> None:
    user_id = await _make_user(db, "leaver")
    token = (await gql.ok(LOGIN, {"i": {"username": "leaver", "password": "s3cret!"}}))["login"]["token"]
    assert (await gql.ok("{ me { username } }", token=token))["me"]["username"] == "leaver"
    async with db.write() as session:
        await session.execute(update(User).where(User.id == user_id).values(is_active=False))
    body = await gql.post("{ me { username } }", token=token)
    assert body["_status"] == 401
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql.post(LOGIN, {"i": {"username": "leaver", "password": "s3cret!"}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoking_by_token_version_invalidates_issued_tokens(gql: Any, db: Any) -> None:
    user_id = await _make_user(db, "revoked")
    token = (await gql.ok(LOGIN, {"i": {"username": "revoked", "password": "s3cret!"}}))["login"]["token"]
    async with db.write() as session:
        await session.execute(update(User).where(User.id == user_id).values(token_version=User.token_version + 1))
    assert (await gql.post("{ me { username } }", token=token))["_status"] == 401


@pytest.mark.parametrize("token", ["garbage", "v1.e30.AAAA", ""])
async def test_forged_tokens_are_refused(gql: Any, token: str) -> None:
    response = await gql.client.post(
        "/graphql", json={"query": "{ me { username } }"}, headers={"authorization": f"Bearer {token}", "accept": "application/json"}
    )
    if token == "":
        assert response.json()["data"]["me"] is None  # an empty bearer is no credential, i.e. anonymous
    else:
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_token_expiry_is_enforced() -> None:
    from resolvers import tokens

    token, claims = tokens.issue("k", 1, 0, ttl_seconds=60, now=1000.0)
    assert tokens.verify("k", token, now=1059.0) == claims
    assert tokens.verify("k", token, now=1060.0) is None
    assert tokens.verify("other-key", token, now=1000.0) is None


async def test_password_hashing_runs_off_the_event_loop() -> None:
    import asyncio
    import time

    from resolvers.passwords import verify_password

    h = await hash_password("pw")
    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    assert await verify_password(h, "pw")
    stop = True
    await task
    # The loop kept turning while argon2 worked: at least a few ticks happened during the hash.
    assert ticks >= 2, (ticks, time.perf_counter() - started)
