"""Deadlines, overdue supervision, feedback and reopen, rate limits, lists and visibility."""

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from db.models import Building, Community, Holiday, RateBucket, Request, RequestEvent
from schema.ids import from_global_id
from schema.sweeper import sweep_once
from tests.loop_helpers import DISPATCH, REASON, STEP, Loop, dept, qr_token_in, sub


@pytest.fixture
def loop(gql: Any, tokens: dict[str, str]) -> Loop:
    return Loop(gql, tokens)


async def _resolved(loop: Loop, db: Any, community: str = "福泰社区", index: int = 4) -> dict:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, community, index), text="共享单车乱停放堵住楼道口"))["request"]
    await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "共享单车")})
    await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    await loop.ok("department", "acceptRequest", {"id": r["id"]}, STEP)
    await loop.ok("department", "resolveRequest", {"id": r["id"], "resolution": "已清理"})
    return r


async def test_unsatisfied_within_seven_days_reopens_then_basic_closes(loop: Loop, db: Any) -> None:
    r = await _resolved(loop, db)
    reopened = await loop.ok(None, "rateRequest", {"trackingCode": r["trackingCode"], "rating": "UNSATISFIED", "comment": "还是乱停"})
    assert reopened["state"] == "REOPENED" and reopened["dueKind"] == "RESOLVE"
    again = await loop.ok("department", "resolveRequest", {"id": r["id"], "resolution": "增设停放区并巡查"})
    assert again["state"] == "RESOLVED"
    closed = await loop.ok(None, "rateRequest", {"trackingCode": r["trackingCode"], "rating": "BASIC"})
    assert closed["state"] == "CLOSED"
    assert await loop.err(None, "rateRequest", {"trackingCode": r["trackingCode"], "rating": "SATISFIED"}) == "INVALID_TRANSITION"


async def test_unsatisfied_after_the_window_closes_without_reopening(loop: Loop, db: Any) -> None:
    r = await _resolved(loop, db, index=6)
    pk = from_global_id(r["id"])[1]
    async with db.write() as s:
        await s.execute(update(Request).where(Request.id == pk).values(resolved_at=datetime.now(timezone.utc) - timedelta(days=8)))
    late = await loop.ok(None, "rateRequest", {"trackingCode": r["trackingCode"], "rating": "UNSATISFIED"})
    assert late["state"] == "CLOSED"


async def test_rating_needs_a_known_code_and_a_resolved_request(loop: Loop, db: Any) -> None:
    assert await loop.err(None, "rateRequest", {"trackingCode": "ZFNOPE0000", "rating": "SATISFIED"}) == "NOT_FOUND"
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 7), text="健身器材损坏"))["request"]
    assert await loop.err(None, "rateRequest", {"trackingCode": r["trackingCode"], "rating": "SATISFIED"}) == "INVALID_TRANSITION"


async def test_center_refusing_a_resolution_reopens_it(loop: Loop, db: Any) -> None:
    r = await _resolved(loop, db, index=8)
    assert await loop.err("department", "reopenRequest", {"id": r["id"], "reason": "x"}, REASON) == "FORBIDDEN"
    re = await loop.ok("dispatcher", "reopenRequest", {"id": r["id"], "reason": "办理结果不合理,现场仍未清理"}, REASON)
    assert re["state"] == "REOPENED"


async def test_overdue_is_correct_when_read_and_the_sweep_supervises_it(loop: Loop, db: Any, app: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "塔山社区", 0), text="废旧自行车堆放楼道"))["request"]
    assert r["overdue"] is False and r["dueKind"] == "TRIAGE"
    pk = from_global_id(r["id"])[1]
    async with db.write() as s:  # time passes: the 30-minute triage deadline is an hour ago
        await s.execute(update(Request).where(Request.id == pk).values(due_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    before = await loop.get("dispatcher", r["id"], "overdue version")
    assert before["overdue"] is True  # before any sweep ran
    supervised = await loop.gql.ok("{ supervisionList(first: 100) { edges { node { id } } } }", token=loop.tokens["dispatcher"])
    assert r["id"] in [e["node"]["id"] for e in supervised["supervisionList"]["edges"]]
    await sweep_once(db, app.state.bus)
    await sweep_once(db, app.state.bus)  # idempotent: a second sweep adds nothing
    async with db.read() as conn:
        kinds = (await conn.execute(select(RequestEvent.kind).where(RequestEvent.request_id == pk))).scalars().all()
    assert kinds.count("OVERDUE") == 1
    after = await loop.get("dispatcher", r["id"], "overdue overdueSince version")
    assert after["overdueSince"] and after["version"] == before["version"] + 1
    # Triaging moves the clock on and clears the mark.
    t = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "共享单车")})
    assert t["overdue"] is False


async def test_working_day_deadlines_skip_the_holiday_table(loop: Loop, db: Any) -> None:
    today = datetime.now(timezone(timedelta(hours=8))).date()
    off = [today + timedelta(days=i) for i in range(1, 4)]
    async with db.write() as s:
        await s.execute(insert(Holiday), [{"day": d, "is_workday": False, "name": "测试假期"} for d in off])
    try:
        r = (await loop.submit(None, qrToken=await qr_token_in(db, "进德社区", 0), text="下水道堵塞"))["request"]
        await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "下水管道")})
        d = await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
        full = await loop.get("dispatcher", d["id"], "resolveDueAt dueAt")
        resolve_due = datetime.fromisoformat(full["resolveDueAt"])
        # 5 working days with 3 holidays in front (and at least one weekend): at least 8 calendar days.
        assert resolve_due - datetime.now(timezone.utc) > timedelta(days=7, hours=12)
        # The response deadline is 2 clock hours, holidays or not.
        assert datetime.fromisoformat(full["dueAt"]) - datetime.now(timezone.utc) < timedelta(hours=2, minutes=1)
    finally:
        async with db.write() as s:
            await s.execute(delete(Holiday).where(Holiday.day.in_(off)))


async def test_anonymous_qr_intake_is_rate_limited_per_code(loop: Loop, db: Any) -> None:
    # A code nothing has used yet: every test shares the database and its hourly counters (a
    # CI run once found this code with one submission already counted in the hour).
    B, C, K = Building.__table__, Community.__table__, RateBucket.__table__
    async with db.read() as conn:
        used = set((await conn.execute(select(K.c.key).where(K.c.key.like("qr-token:%")))).scalars())
        ids = (await conn.execute(select(B.c.id).join(C, C.c.id == B.c.community_id).where(C.c.name == "三里桥社区")
                                  .order_by(B.c.id.desc()))).scalars().all()
    building = next(pk for pk in ids if f"qr-token:{pk}" not in used)
    async with db.read() as conn:
        token = (await conn.execute(select(B.c.qr_token).where(B.c.id == building))).scalar_one()
    q = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }"
    codes = []
    for i in range(11):
        body = await loop.gql.post(q, {"i": {"qrToken": token, "text": f"第{i}次反映:楼道灯不亮"}})
        codes.append(body["errors"][0]["extensions"]["code"] if "errors" in body else "ok")
    assert codes[:10] == ["ok"] * 10
    assert codes[10] == "RATE_LIMITED"


async def test_reporter_is_whole_for_center_and_handler_masked_for_others_hidden_from_partner(loop: Loop, db: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 9), text="违章搭建阳光房", contactName="孙丽", contactPhone="13812345678"))["request"]
    await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "私搭乱建")})
    await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    fields = "reporter { name phone view }"
    assert (await loop.get("dispatcher", r["id"], fields))["reporter"] == {"name": "孙丽", "phone": "13812345678", "view": "WHOLE"}
    assert (await loop.get("department", r["id"], fields))["reporter"]["view"] == "WHOLE"  # current handler
    masked = (await loop.get("district", r["id"], fields))["reporter"]
    assert masked == {"name": "孙*", "phone": "138****5678", "view": "MASKED"}
    assert (await loop.get("community", r["id"], fields))["reporter"]["view"] == "MASKED"
    assert await loop.get("partner", r["id"]) is None
    public = await loop.gql.ok("query($c: String!) { requestByTrackingCode(code: $c) { title state } }", {"c": r["trackingCode"]})
    assert "孙丽" not in str(public)


async def test_each_role_sees_its_own_requests(loop: Loop, db: Any) -> None:
    mine = await loop.submit("leader", text="楼长日志:单元门禁损坏", buildingId=(await loop.gql.ok("{ me { scopes { refId } } }", token=loop.tokens["leader"]))["me"]["scopes"][0]["refId"])
    other = (await loop.submit(None, qrToken=await qr_token_in(db, "胜利路社区", 2), text="停车桩占道"))["request"]
    assert await loop.get("leader", mine["request"]["id"]) is not None
    assert await loop.get("leader", other["id"]) is None
    assert await loop.get("community", other["id"]) is None  # 胜利路 is not 福泰
    assert await loop.get("community", mine["request"]["id"]) is not None
    assert await loop.get("street", mine["request"]["id"]) is not None  # 福泰 lies in 幸福街道
    assert await loop.get("district", other["id"]) is not None


async def test_request_list_filters_and_keyset_pages_newest_first(loop: Loop, db: Any, tokens: dict[str, str]) -> None:
    token = await qr_token_in(db, "大海阳社区", 0)
    codes = [(await loop.submit(None, qrToken=token, text=f"广场舞噪音扰民第{i}次"))["request"]["trackingCode"] for i in range(5)]
    q = """query($f: RequestFilter, $after: String) { requests(filter: $f, first: 2, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { trackingCode createdAt community { name } } } } }"""
    from db.models import Community
    from tests.loop_helpers import gid_of

    f = {"communityId": await gid_of(db, Community, name="大海阳社区"), "text": "噪音", "states": ["SUBMITTED"]}
    seen, after = [], None
    while True:
        page = (await loop.gql.ok(q, {"f": f, "after": after}, token=tokens["dispatcher"]))["requests"]
        seen += [e["node"]["trackingCode"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen[: len(codes)] == list(reversed(codes))  # newest first
    assert page["totalCount"] == len(seen)
    body = await loop.gql.post("{ requests(first: 101) { totalCount } }", token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    none = (await loop.gql.ok(q, {"f": {**f, "text": "违建"}}, token=tokens["dispatcher"]))["requests"]
    assert all(c not in [e["node"]["trackingCode"] for e in none["edges"]] for c in codes)


async def test_my_queue_per_role(loop: Loop, db: Any, tokens: dict[str, str]) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 10), text="占道经营摊位"))["request"]
    q = "{ myQueue(first: 100) { edges { node { id } } } }"
    ids = lambda data: [e["node"]["id"] for e in data["myQueue"]["edges"]]  # noqa: E731
    assert r["id"] in ids(await loop.gql.ok(q, token=tokens["dispatcher"]))
    assert r["id"] not in ids(await loop.gql.ok(q, token=tokens["department"]))
    await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "占道经营")})
    await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    assert r["id"] in ids(await loop.gql.ok(q, token=tokens["department"]))


async def test_rate_limit_windows_count_per_key_and_restart(db: Any) -> None:
    from resolvers.errors import RateLimited
    from resolvers.ratelimit import hit

    now = datetime(2026, 5, 1, 10, 0, 30, tzinfo=timezone.utc)
    key = f"qr-client:test-{now.timestamp()}"
    async with db.write() as s:
        assert [await hit(s, key, 3, 60, now=now) for _ in range(3)] == [1, 2, 3]
    async with db.write() as s:
        with pytest.raises(RateLimited) as refused:
            await hit(s, key, 3, 60, now=now + timedelta(seconds=10))
    assert refused.value.code == "RATE_LIMITED" and refused.value.extra["retryAfterSeconds"] == 20
    async with db.write() as s:  # the next window starts counting again
        assert await hit(s, key, 3, 60, now=now + timedelta(seconds=40)) == 1
