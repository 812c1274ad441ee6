"""The audit trail (issue #9, part 5): every sign-in, refusal, whole read and change of personal
data leaves a row with its actor and time; rows are kept AUDIT_RETENTION_DAYS and no longer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from config import ConfigError, load_settings
from db.base import utcnow
from db.models import AuditEntry, Community, User
from resolvers.audit_refusals import SUMMARY, RefusalSink
from resolvers.audit_retention import purge_audit
from resolvers.passwords import hash_password
from schema.ids import from_global_id, to_global_id
from tests.conftest import GQL
from tests.loop_helpers import qr_token_in

T = AuditEntry.__table__
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"


async def rows_after(db: Any, before: int, **where: Any) -> list[Any]:
    stmt = select(T).where(T.c.id > before).order_by(T.c.id)
    for k, v in where.items():
        stmt = stmt.where(T.c[k] == v)
    async with db.read() as conn:
        return (await conn.execute(stmt)).all()


async def top(db: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(T.c.id).order_by(T.c.id.desc()).limit(1))).scalar() or 0


async def user_id(db: Any, username: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(User.id).where(User.username == username))).scalar_one()


async def staff_user(db: Any, password: str) -> str:
    name = "audit-" + uuid.uuid4().hex[:8]
    async with db.write() as session:
        session.add(User(username=name, display_name="审计测试", role="DISTRICT_LEADER", password_hash=await hash_password(password)))
    return name


# ------------------------------------------------------------------------------ sign-ins


async def test_sign_in_success_failure_and_lockout_each_leave_their_row(gql: GQL, db: Any, app: Any) -> None:
    password = "Aa-" + uuid.uuid4().hex
    name = await staff_user(db, password)
    uid = await user_id(db, name)
    before = await top(db)
    await gql.login(name, password)
    for _ in range(5):  # MAX_FAILED_LOGINS: the fifth locks the account
        body = await gql.post(LOGIN, {"i": {"username": name, "password": "wrong"}})
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    body = await gql.post(LOGIN, {"i": {"username": name, "password": password}})
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"
    await app.state.audit_sink.flush()
    rows = await rows_after(db, before, target=name)
    assert [r.action for r in rows] == ["LOGIN"] + ["LOGIN_FAILED"] * 5 + ["LOGIN_LOCKED"]
    assert all(r.actor_user_id == uid and r.at is not None and r.client == "127.0.0.1" for r in rows)
    # A failed sign-in is audited once, as LOGIN_FAILED — not a second time as a refusal.
    assert not [r for r in await rows_after(db, before, action="ACCESS_REFUSED") if "login" in r.detail]


# ------------------------------------------------------------------------------ refusals


async def test_a_refused_operation_leaves_one_row_with_actor_request_id_and_fields(http: httpx.AsyncClient, tokens: dict[str, str],
                                                                                   db: Any, app: Any) -> None:
    op = "Probe" + uuid.uuid4().hex[:8]
    before = await top(db)
    rid = "test-" + uuid.uuid4().hex
    r = await http.post("/graphql", json={"query": f"query {op} {{ auditLog(first: 1) {{ totalCount }} again: auditLog(first: 2) {{ totalCount }} }}"},
                        headers={"authorization": f"Bearer {tokens['district']}", "x-request-id": rid})
    errors = r.json()["errors"]
    assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}
    await app.state.audit_sink.flush()
    rows = [row for row in await rows_after(db, before, action="ACCESS_REFUSED") if op in row.detail]
    assert len(rows) == 1  # one per refused operation, however many fields were refused
    row = rows[0]
    assert row.actor_user_id == await user_id(db, "district") and row.at is not None
    assert f"request_id={rid}" in row.detail and "code=FORBIDDEN" in row.detail
    assert row.detail.endswith("fields=" + " ".join(".".join(map(str, e["path"])) for e in errors))
    assert row.target == f"query:{errors[0]['path'][0]}"


async def test_anonymous_refusals_are_recorded_with_the_client_address(app: Any, db: Any) -> None:
    op = "Anon" + uuid.uuid4().hex[:8]
    address = f"192.0.2.{uuid.uuid4().int % 250 + 1}"  # its own: the suite's 127.0.0.1 may be over the anonymous limit
    before = await top(db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 4001)), base_url="http://testserver") as client:
        body = (await client.post("/graphql", json={"query": f"query {op} {{ auditLog(first: 1) {{ totalCount }} }}"})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await app.state.audit_sink.flush()
    rows = [row for row in await rows_after(db, before, action="ACCESS_REFUSED") if op in row.detail]
    assert len(rows) == 1 and rows[0].actor_user_id is None and rows[0].client == address


async def test_refusals_at_the_http_edge_are_audited(app: Any, db: Any) -> None:
    before = await top(db)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.23", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        bad_token = await client.post("/graphql", json={"query": "{ me { username } }"}, headers={"authorization": "Bearer forged"})
        metrics = await client.get("/metrics")
    assert bad_token.status_code == 401 and metrics.status_code == 403
    await app.state.audit_sink.flush()
    rows = await rows_after(db, before, action="ACCESS_REFUSED", client="198.51.100.23")
    assert {(r.target, r.detail.split(" request_id=")[0]) for r in rows} == {("HTTP /graphql", "HTTP 401"), ("HTTP /metrics", "HTTP 403")}
    assert all(f"request_id={h}" in r.detail for r, h in zip(rows, (bad_token.headers["x-request-id"], metrics.headers["x-request-id"])))


async def test_anonymous_refusals_are_limited_per_address_and_summarised(db: Any) -> None:
    """A flood from one address costs the limit plus one summary row per window, not a row each."""
    sink = RefusalSink(db, anon_per_window=3, window_seconds=60)
    flood, other = "203.0.113." + str(uuid.uuid4().int % 200), "192.0.2.77"
    kept = [sink.record(actor_user_id=None, client=flood, target="query:x", detail="probe", now=1000.0 + i) for i in range(10)]
    assert kept == [True] * 3 + [False] * 7
    assert sink.record(actor_user_id=None, client=other, target="query:x", detail="probe", now=1005.0)  # another address
    signed_in = await user_id(db, "district")
    assert all(sink.record(actor_user_id=signed_in, client=flood, target="query:x", detail="probe", now=1006.0) for _ in range(5))
    before = await top(db)
    assert await sink.flush(now=1030.0) == 3 + 1 + 5  # the window is not over: no summary yet
    assert await sink.flush(now=1061.0) == 1
    rows = await rows_after(db, before, client=flood)
    assert sum(r.action == "ACCESS_REFUSED" and r.actor_user_id is None for r in rows) == 3
    assert sum(r.actor_user_id == signed_in for r in rows) == 5  # signed-in callers are never sampled
    summary = [r for r in rows if r.action == SUMMARY]
    assert len(summary) == 1 and summary[0].detail.startswith("7 more anonymous refusals")
    assert sink.suppressed == 7 and sink.pending == 0


# ------------------------------------------------------------------------------ reads of personal data


async def test_whole_reads_are_audited_in_one_transaction_per_operation(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    before = await top(db)
    res = (await gql.ok("{ residents(first: 3) { edges { node { id view } } } }", token=tokens["dispatcher"]))["residents"]
    seen = {from_global_id(e["node"]["id"])[1] for e in res["edges"] if e["node"]["view"] == "WHOLE"}
    rows = await rows_after(db, before, action="READ_PERSONAL", target="Resident")
    assert seen and {int(i) for r in rows for i in r.detail.split(",")} == seen
    dispatcher = await user_id(db, "dispatcher")
    assert all(r.actor_user_id == dispatcher for r in rows)

    # Eight requests, each showing its reporter whole in one operation: the reads share rows
    # (one transaction), none is missed.
    submit = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }"
    ids = [(await gql.ok(submit, {"i": {"qrToken": await qr_token_in(db, "福泰社区", 40 + i), "text": f"审计测试诉求{i}",
                                        "contactName": "审计居民", "contactPhone": f"1390535{i:04d}"}}))["submitRequest"]["request"]["id"]
           for i in range(8)]
    before = await top(db)
    query = "{ " + " ".join(f'r{i}: request(id: "{gid}") {{ reporter {{ view }} }}' for i, gid in enumerate(ids)) + " }"
    data = await gql.ok(query, token=tokens["dispatcher"])
    assert [data[f"r{i}"]["reporter"]["view"] for i in range(8)] == ["WHOLE"] * 8
    rows = await rows_after(db, before, action="READ_PERSONAL", target="RequestReporter")
    assert sorted(int(i) for r in rows for i in r.detail.split(",")) == sorted(from_global_id(g)[1] for g in ids)
    assert len(rows) < 8 and all(r.actor_user_id == dispatcher for r in rows)


async def test_whole_phones_of_dual_reports_are_audited_masked_ones_not(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    q = "{ dualReports(first: 20) { edges { node { id phone } } } }"
    before = await top(db)
    whole = (await gql.ok(q, token=tokens["dispatcher"]))["dualReports"]["edges"]
    shown = {from_global_id(e["node"]["id"])[1] for e in whole if e["node"]["phone"] and "*" not in e["node"]["phone"]}
    assert shown, "the demo district has dual reports with phones"
    rows = await rows_after(db, before, action="READ_PERSONAL", target="DualReport")
    assert {int(i) for r in rows for i in r.detail.split(",")} == shown
    # A reader who sees them masked leaves no such row.
    before = await top(db)
    masked = (await gql.ok(q, token=tokens["district"]))["dualReports"]["edges"]
    assert masked and all("*" in e["node"]["phone"] for e in masked if e["node"]["phone"])
    assert await rows_after(db, before, action="READ_PERSONAL", target="DualReport") == []


# ------------------------------------------------------------------------------ changes of personal data


async def test_changes_of_personal_data_are_audited_with_the_change_itself(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    async with db.read() as conn:
        futai = (await conn.execute(select(Community.id).where(Community.name == "福泰社区"))).scalar_one()
    worker = await user_id(db, "community")
    before = await top(db)
    reg = "mutation($i: RegisterVolunteerInput!) { registerVolunteer(input: $i) { volunteer { id version } } }"
    v = (await gql.ok(reg, {"i": {"communityId": to_global_id("Community", futai), "name": "审计志愿者", "phone": "13905350001"}},
                      token=tokens["community"]))["registerVolunteer"]["volunteer"]
    upd = "mutation($i: UpdateVolunteerInput!) { updateVolunteer(input: $i) { volunteer { version } } }"
    await gql.ok(upd, {"i": {"id": v["id"], "version": v["version"], "phone": "13905350002", "skills": "理发"}}, token=tokens["community"])
    # A change that is refused (stale version) rolls back, and its audit row with it.
    stale = await gql.post(upd, {"i": {"id": v["id"], "version": v["version"], "phone": "13905350003"}}, token=tokens["community"])
    assert stale["errors"][0]["extensions"]["code"] == "CONFLICT"
    target = f"Volunteer:{from_global_id(v['id'])[1]}"
    rows = await rows_after(db, before, action="CHANGE_PERSONAL", target=target)
    assert [r.detail.split(" request_id=")[0] for r in rows] == ["created name,phone", "changed phone"]
    assert all(r.actor_user_id == worker and r.at is not None and "request_id=" in r.detail for r in rows)
    assert "1390535" not in "".join(r.detail for r in rows)  # which fields, never their values


async def test_staff_account_changes_are_audited(gql: GQL, tokens: dict[str, str], db: Any) -> None:
    name = await staff_user(db, "Aa-" + uuid.uuid4().hex)
    uid = await user_id(db, name)
    before = await top(db)
    q = "mutation($i: RenameUserInput!) { renameUser(input: $i) { account { user { displayName } } } }"
    await gql.ok(q, {"i": {"userId": to_global_id("User", uid), "displayName": "改名后的账号"}}, token=tokens["admin"])
    rows = await rows_after(db, before, target=f"User:{uid}")
    assert [r.action for r in rows] == ["USER_RENAMED"] and rows[0].actor_user_id == await user_id(db, "admin")


# ------------------------------------------------------------------------------ retention


async def test_the_purge_keeps_rows_younger_than_the_retention_and_deletes_older(db: Any) -> None:
    mark = "retention-" + uuid.uuid4().hex[:8]
    now = utcnow()
    ages = {"500d": 500, "401d": 401, "399d": 399, "10d": 10, "now": 0}
    async with db.write() as session:
        await session.execute(insert(T), [{"at": now - timedelta(days=d), "action": "TEST", "target": f"{mark}:{k}", "detail": "",
                                           "client": ""} for k, d in ages.items()])
    await purge_audit(db, 400, now=now, batch=1)  # a batch of one: several rounds
    async with db.read() as conn:
        left = set((await conn.execute(select(T.c.target).where(T.c.target.like(f"{mark}:%")))).scalars())
    assert left == {f"{mark}:399d", f"{mark}:10d", f"{mark}:now"}


def test_a_retention_under_six_months_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 8 + uuid.uuid4().hex)
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "182")
    with pytest.raises(ConfigError, match="below the minimum of 183 days"):
        load_settings()
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "half a year")
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS"):
        load_settings()
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "183")
    assert load_settings().audit_retention_days == 183
    monkeypatch.delenv("AUDIT_RETENTION_DAYS")
    assert load_settings().audit_retention_days == 400
