"""Every transition of the state machine: allowed for the right role and state, refused with
FORBIDDEN / INVALID_TRANSITION otherwise — and a refusal changes nothing."""

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.loop_helpers import DISPATCH, REASON, STEP, Loop, building_gid_in, dept, qr_token_in, street, sub


@pytest.fixture
def loop(gql: Any, tokens: dict[str, str]) -> Loop:
    return Loop(gql, tokens)


async def _major(loop: Loop, db: Any, text: str = "楼道噪音扰民,夜间施工", community: str = "福泰社区") -> dict:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, community, 1), text=text))["request"]
    return await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "噪音扰民")})


async def _dispatched(loop: Loop, db: Any, lead: str = "区城市管理局") -> dict:
    r = await _major(loop, db)
    return await loop.ok("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, lead)}}, DISPATCH)


async def test_only_the_center_triages(loop: Loop, db: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区"), text="路灯坏了"))["request"]
    for role in ("community", "department", "street", "district", "partner"):
        assert await loop.err(role, "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "道路设施")}) in ("FORBIDDEN",)
    assert await loop.err(None, "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "道路设施")}) == "UNAUTHENTICATED"
    after = await loop.get("dispatcher", r["id"])
    assert after["state"] == "SUBMITTED" and after["version"] == 1


async def test_dispatch_needs_a_major_triaged_request(loop: Loop, db: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区"), text="门口垃圾没人清"))["request"]
    code = await loop.err("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    assert code == "INVALID_TRANSITION"
    minor = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "环境卫生")})
    code = await loop.err("dispatcher", "dispatchRequest", {"id": minor["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    assert code == "INVALID_TRANSITION"


async def test_dispatch_refuses_a_community_as_lead_and_duplicate_units(loop: Loop, db: Any) -> None:
    r = await _major(loop, db)
    from db.models import Community
    from tests.loop_helpers import gid_of

    community = await gid_of(db, Community, name="福泰社区")
    assert await loop.err("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": community}}, DISPATCH) == "BAD_USER_INPUT"
    d = await dept(db, "区城市管理局")
    assert await loop.err("dispatcher", "dispatchRequest", {"id": r["id"], "lead": {"id": d}, "coHandlers": [{"id": d}]}, DISPATCH) == "BAD_USER_INPUT"


async def test_another_department_cannot_accept_or_even_see_it(loop: Loop, db: Any, gql: Any) -> None:
    r = await _dispatched(loop, db, lead="区生态环境分局")
    assert await loop.err("department", "acceptRequest", {"id": r["id"]}, STEP) == "FORBIDDEN"
    assert await loop.get("department", r["id"]) is None  # 区城市管理局 was never assigned


async def test_the_whole_major_path_with_second_dispatch_escalation_and_final_decision(loop: Loop, db: Any) -> None:
    r = await _dispatched(loop, db)  # to 区城市管理局 (the demo department)
    # A co-handler or a stranger cannot dispute; the lead disputes with a reason.
    assert await loop.err("department", "disputeRequest", {"id": r["id"], "reason": " "}, REASON) == "BAD_USER_INPUT"
    d1 = await loop.ok("department", "disputeRequest", {"id": r["id"], "reason": "属于生态环境部门职责"}, REASON)
    assert d1["state"] == "DISPUTED" and d1["dueKind"] == "REDISPATCH"
    # Only the request's own street leads the second dispatch; it cannot escalate yet.
    assert await loop.err("dispatcher", "redispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区生态环境分局")}}, DISPATCH) == "FORBIDDEN"
    assert await loop.err("street", "escalateRequest", {"id": r["id"], "jointExplanation": "x"}, "EscalateRequestInput") == "INVALID_TRANSITION"
    # Second dispatch — back to 城管 on purpose, so the demo department can dispute again.
    r2 = await loop.ok("street", "redispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}, "note": "研判后仍由城管牵头"}, DISPATCH)
    assert r2["state"] == "REDISPATCHED"
    d2 = await loop.ok("department", "disputeRequest", {"id": r["id"], "reason": "仍有异议"}, REASON)
    assert d2["state"] == "DISPUTED" and d2["dueKind"] == "DECISION"
    # No third dispatch: the only way on is escalation with a joint explanation.
    assert await loop.err("street", "redispatchRequest", {"id": r["id"], "lead": {"id": await dept(db, "区生态环境分局")}}, DISPATCH) == "INVALID_TRANSITION"
    esc = await loop.ok("street", "escalateRequest", {"id": r["id"], "jointExplanation": "街道与城管联合说明:职责交叉"}, "EscalateRequestInput")
    assert esc["state"] == "ESCALATED"
    # Only the district decides; its decision is final.
    assert await loop.err("dispatcher", "decideRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH) == "FORBIDDEN"
    decided = await loop.ok("district", "decideRequest", {"id": r["id"], "lead": {"id": await dept(db, "区城市管理局")}, "note": "由城管牵头办理"}, DISPATCH)
    assert decided["state"] == "DECIDED"
    assert await loop.err("department", "disputeRequest", {"id": r["id"], "reason": "再议"}, REASON) == "INVALID_TRANSITION"
    accepted = await loop.ok("department", "acceptRequest", {"id": r["id"]}, STEP)
    assert accepted["state"] == "ACCEPTED"
    progress = await loop.ok("department", "reportProgress", {"id": r["id"], "note": "已约谈施工方"}, STEP)
    assert progress["state"] == "IN_PROGRESS"
    done = await loop.ok("department", "resolveRequest", {"id": r["id"], "resolution": "夜间施工已停止"})
    assert done["state"] == "RESOLVED"
    full = await loop.get("dispatcher", r["id"], "assignments { round role unitName status active } history { edges { node { kind fromState toState version } } }")
    rounds = sorted({a["round"] for a in full["assignments"]})
    assert rounds == [1, 2, 3]
    versions = [e["node"]["version"] for e in full["history"]["edges"]]
    assert versions == list(range(1, 1 + len(versions)))  # submitted at 1; each change bumps it by one
    chain = [(e["node"]["fromState"], e["node"]["toState"]) for e in full["history"]["edges"]]
    assert chain[-1] == ("IN_PROGRESS", "RESOLVED")


async def test_minor_tiers_require_their_data(loop: Loop, db: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 2), text="小区绿化带杂草丛生"))["request"]
    minor = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "绿化养护")})
    # Tier B without assignee details or deadline is refused.
    assert await loop.err("community", "classifyMinorRequest", {"id": minor["id"], "tier": "B"}, "ClassifyMinorInput") == "BAD_USER_INPUT"
    assert await loop.err("community", "classifyMinorRequest", {"id": minor["id"], "tier": "B", "assigneeName": "王芳", "assigneeTitle": "社区主任",
                                                                "assigneePhone": "12", "deadline": "2099-01-01T00:00:00+08:00"}, "ClassifyMinorInput") == "BAD_USER_INPUT"
    # Someone else's community cannot classify it.
    assert await loop.err("volunteer", "classifyMinorRequest", {"id": minor["id"], "tier": "A"}, "ClassifyMinorInput") == "FORBIDDEN"
    deadline = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    b = await loop.ok("community", "classifyMinorRequest", {"id": minor["id"], "tier": "B", "assigneeName": "王芳", "assigneeTitle": "社区主任",
                                                            "assigneePhone": "13800001234", "deadline": deadline}, "ClassifyMinorInput")
    assert b["state"] == "ACCEPTED" and b["tier"] == "B" and b["dueKind"] == "RESOLVE"
    public = await loop.gql.ok("query($c: String!) { requestByTrackingCode(code: $c) { assigneeName assigneeTitle assigneePhone deadline } }",
                               {"c": r["trackingCode"]})
    assert public["requestByTrackingCode"]["assigneeName"] == "王芳" and public["requestByTrackingCode"]["deadline"]


async def test_tier_c_needs_a_work_plan_and_progress_restarts_its_clock(loop: Loop, db: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 3), text="老旧小区楼道照明需要定期维护"))["request"]
    minor = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "老旧小区改造")})
    assert await loop.err("grid", "classifyMinorRequest", {"id": minor["id"], "tier": "C"}, "ClassifyMinorInput") in ("BAD_USER_INPUT", "FORBIDDEN")
    c = await loop.ok("community", "classifyMinorRequest", {"id": minor["id"], "tier": "C", "workPlan": "每周巡检一次楼道照明", "progressIntervalDays": 7}, "ClassifyMinorInput")
    assert c["dueKind"] == "PROGRESS"
    first_due = datetime.fromisoformat(c["dueAt"])
    await asyncio.sleep(0.01)
    p = await loop.ok("community", "reportProgress", {"id": r["id"], "note": "本周已更换3盏灯"}, STEP)
    assert p["state"] == "IN_PROGRESS" and datetime.fromisoformat(p["dueAt"]) > first_due


async def test_private_mediation_goes_to_grid_worker_or_peacemaker(loop: Loop, db: Any) -> None:
    token = await qr_token_in(db, "福泰社区", 0)  # grid 1 of 福泰: the demo grid worker's
    r = (await loop.submit(None, qrToken=token, text="楼上楼下因漏水起了邻里纠纷"))["request"]
    p = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "PRIVATE", "subcategoryId": await sub(db, "邻里纠纷")})
    # RESOURCE kinds cannot take a mediation.
    assert await loop.err("community", "assignPrivateRequest", {"id": p["id"], "kind": "MEDIATION", "unitKind": "VOLUNTEER_TEAM", "assigneeLabel": "关爱夕阳红"},
                          "AssignPrivateInput") == "BAD_USER_INPUT"
    a = await loop.ok("community", "assignPrivateRequest", {"id": p["id"], "kind": "MEDIATION", "unitKind": "GRID"}, "AssignPrivateInput")
    assert a["state"] == "DISPATCHED" and a["dueKind"] == "RESPONSE"
    acc = await loop.ok("grid", "acceptRequest", {"id": p["id"]}, STEP)
    assert acc["state"] == "ACCEPTED"
    done = await loop.ok("grid", "resolveRequest", {"id": p["id"], "resolution": "上门调解,双方达成一致"})
    assert done["state"] == "RESOLVED"


async def test_reject_needs_a_reason_and_ends_the_request(loop: Loop, db: Any) -> None:
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区"), text="测试测试"))["request"]
    assert await loop.err("dispatcher", "rejectRequest", {"id": r["id"], "reason": ""}, REASON) == "BAD_USER_INPUT"
    rej = await loop.ok("dispatcher", "rejectRequest", {"id": r["id"], "reason": "无效信息"}, REASON)
    assert rej["state"] == "REJECTED" and rej["dueAt"] is None
    assert await loop.err("dispatcher", "triageRequest", {"id": r["id"], "scope": "MAJOR", "subcategoryId": await sub(db, "道路设施")}) == "INVALID_TRANSITION"


async def test_merge_moves_reporters_to_the_survivor(loop: Loop, db: Any) -> None:
    token = await qr_token_in(db, "福泰社区", 0)
    a = (await loop.submit(None, qrToken=token, text="小区门口下水道堵塞返味", contactName="李明", contactPhone="13912345678"))["request"]
    b = (await loop.submit("leader", text="下水道又堵了,污水外溢", buildingId=(await loop.gql.ok("{ me { scopes { refId } } }", token=loop.tokens["leader"]))["me"]["scopes"][0]["refId"]))["request"]
    # A department cannot merge; the grid worker can within their grid.
    assert await loop.err("department", "mergeRequest", {"id": b["id"], "intoId": a["id"]}, "MergeRequestInput") == "FORBIDDEN"
    merged = await loop.ok("grid", "mergeRequest", {"id": b["id"], "intoId": a["id"], "note": "早晚碰头合并"}, "MergeRequestInput")
    assert merged["state"] == "MERGED"
    survivor = await loop.get("dispatcher", a["id"], "reporterCount history { edges { node { kind } } }")
    assert survivor["reporterCount"] == 2
    assert [e["node"]["kind"] for e in survivor["history"]["edges"]][-1] == "MERGED_IN"
    assert await loop.err("dispatcher", "mergeRequest", {"id": a["id"], "intoId": a["id"]}, "MergeRequestInput") == "BAD_USER_INPUT"


async def test_a_stale_version_is_a_conflict_and_changes_nothing(loop: Loop, db: Any) -> None:
    r = await _major(loop, db)
    stale = r["version"] - 1
    code = await loop.err("dispatcher", "dispatchRequest", {"id": r["id"], "version": stale, "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    assert code == "CONFLICT"
    assert (await loop.get("dispatcher", r["id"]))["state"] == "TRIAGED"


async def test_two_concurrent_actions_one_wins_one_conflicts(loop: Loop, db: Any) -> None:
    r = await _dispatched(loop, db)
    v = r["version"]
    accept = loop.call("department", "acceptRequest", {"id": r["id"], "version": v}) if False else None
    q_accept = "mutation($i: RequestStepInput!) { acceptRequest(input: $i) { request { state version } } }"
    q_dispute = "mutation($i: RequestReasonInput!) { disputeRequest(input: $i) { request { state version } } }"
    t = loop.tokens["department"]
    results = await asyncio.gather(
        loop.gql.post(q_accept, {"i": {"id": r["id"], "version": v}}, token=t),
        loop.gql.post(q_dispute, {"i": {"id": r["id"], "version": v, "reason": "不属本部门"}}, token=t),
    )
    codes = sorted("ok" if "errors" not in b else b["errors"][0]["extensions"]["code"] for b in results)
    assert codes == ["CONFLICT", "ok"], results
    after = await loop.get("dispatcher", r["id"], "version history { edges { node { kind } } }")
    assert after["version"] == v + 1
    assert accept is None


async def test_idempotent_submission_returns_the_first_result(loop: Loop, db: Any) -> None:
    token = await qr_token_in(db, "胜利路社区", 0)
    first = await loop.submit(None, qrToken=token, text="私设停车桩占用公共车位", idempotencyKey="phone-42-attempt")
    again = await loop.submit(None, qrToken=token, text="私设停车桩占用公共车位", idempotencyKey="phone-42-attempt")
    assert first["replayed"] is False and again["replayed"] is True
    assert again["request"]["id"] == first["request"]["id"]
    # Concurrent retries with a new key still produce exactly one request.
    outcomes = await asyncio.gather(*[loop.submit(None, qrToken=token, text="并发重试", idempotencyKey="burst-1") for _ in range(4)])
    assert len({o["request"]["id"] for o in outcomes}) == 1


async def test_staff_submission_needs_a_building_in_scope(loop: Loop, db: Any) -> None:
    far = await building_gid_in(db, "胜利路社区", 0)
    q = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }"
    body = await loop.gql.post(q, {"i": {"text": "楼道堆物", "channel": "GRID_WORKER", "buildingId": far}}, token=loop.tokens["grid"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await loop.gql.post(q, {"i": {"text": "楼道堆物", "channel": "HOTLINE", "buildingId": far}}, token=loop.tokens["partner"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await loop.gql.post(q, {"i": {"text": "楼道堆物", "channel": "QR_CODE"}}, token=loop.tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await loop.gql.post(q, {"i": {"text": "", "qrToken": await qr_token_in(db, "福泰社区")}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    hotline = await loop.submit("community", text="热线:居民反映小区路灯不亮", channel="HOTLINE", locationNote="福泰小区北门", contactName="赵敏", contactPhone="13700001111")
    assert hotline["request"]["state"] == "SUBMITTED"


async def test_a_resource_request_goes_to_a_registered_volunteer_team_or_social_organisation(loop: Loop, db: Any) -> None:
    from sqlalchemy import select

    from db.models import Community, SocialOrganisation, VolunteerTeam
    from schema.ids import to_global_id

    async with db.read() as conn:
        sanli = (await conn.execute(select(Community.id).where(Community.name == "三里桥社区"))).scalar_one()
        other_team = (await conn.execute(select(VolunteerTeam.id).where(VolunteerTeam.community_id == sanli))).scalars().first()
        org = (await conn.execute(select(SocialOrganisation.id, SocialOrganisation.name).where(SocialOrganisation.active.is_(True)))).first()
    assert other_team is not None and org is not None  # demo data: teams and organisations exist
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 12), text="独居老人需要上门助餐服务"))["request"]
    p = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "PRIVATE", "subcategoryId": await sub(db, "助餐助浴")})
    # Another community's team is refused; a request ID is not a team.
    assert await loop.err("community", "assignPrivateRequest", {"id": p["id"], "kind": "RESOURCE", "unitKind": "VOLUNTEER_TEAM",
                                                                 "unitId": to_global_id("VolunteerTeam", other_team)}, "AssignPrivateInput") == "BAD_USER_INPUT"
    assert await loop.err("community", "assignPrivateRequest", {"id": p["id"], "kind": "RESOURCE", "unitKind": "SOCIAL_ORG",
                                                                 "unitId": r["id"]}, "AssignPrivateInput") == "BAD_USER_INPUT"
    a = await loop.ok("community", "assignPrivateRequest", {"id": p["id"], "kind": "RESOURCE", "unitKind": "SOCIAL_ORG",
                                                            "unitId": to_global_id("SocialOrganisation", org.id)}, "AssignPrivateInput")
    assert a["state"] == "DISPATCHED"
    got = await loop.get("dispatcher", r["id"], "assignments { unitName unitId role status }")
    assert got["assignments"] == [{"unitName": org.name, "unitId": to_global_id("SocialOrganisation", org.id), "role": "LEAD", "status": "PENDING"}]
