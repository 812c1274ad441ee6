"""The seed's 福泰社区 case through the public GraphQL API: an illegal structure reported by QR
code → dispatched jointly to city management (lead), police and 幸福街道 → accepted → resolved →
rated, with the elapsed time on the request."""

from typing import Any

from tests.loop_helpers import DISPATCH, STEP, Loop, dept, qr_token_in, street, sub


async def test_futai_illegal_structure_case(gql: Any, tokens: dict[str, str], db: Any) -> None:
    loop = Loop(gql, tokens)
    token = await qr_token_in(db, "福泰社区", 5)
    submitted = await loop.submit(None, qrToken=token, text="小区东门某商铺私搭乱建,违建棚子占了消防通道,请尽快处理。")
    request = submitted["request"]
    assert request["state"] == "SUBMITTED" and request["trackingCode"].startswith("ZF")
    rid = request["id"]

    # The center sees the suggestion from the text, and the routing table's department.
    seen = await loop.get("dispatcher", rid, "channel suggestedSubcategory { name } suggestedDepartment { name } community { name } street { name }")
    assert seen["channel"] == "QR_CODE"
    assert seen["suggestedSubcategory"]["name"] == "私搭乱建"
    assert seen["suggestedDepartment"]["name"] == "区城市管理局"
    assert seen["community"]["name"] == "福泰社区" and seen["street"]["name"] == "幸福街道"

    triaged = await loop.ok("dispatcher", "triageRequest", {"id": rid, "scope": "MAJOR", "subcategoryId": await sub(db, "私搭乱建"), "version": 1})
    assert triaged["state"] == "TRIAGED"
    dispatched = await loop.ok("dispatcher", "dispatchRequest", {
        "id": rid, "version": triaged["version"],
        "lead": {"id": await dept(db, "区城市管理局")},
        "coHandlers": [{"id": await dept(db, "公安芝罘分局")}, {"id": await street(db, "幸福街道")}],
        "note": "联动整治",
    }, DISPATCH)
    assert dispatched["state"] == "DISPATCHED" and dispatched["dueKind"] == "RESPONSE"

    # City management (the demo `department`) accepts as lead; 幸福街道 accepts its part.
    accepted = await loop.ok("department", "acceptRequest", {"id": rid, "version": dispatched["version"]}, STEP)
    assert accepted["state"] == "ACCEPTED" and accepted["dueKind"] == "RESOLVE"
    co = await loop.ok("street", "acceptRequest", {"id": rid}, STEP)
    assert co["state"] == "ACCEPTED"
    resolved = await loop.ok("department", "resolveRequest", {"id": rid, "resolution": "城管、公安、幸福街道联合执法,违建已拆除"})
    assert resolved["state"] == "RESOLVED" and resolved["resolvedAt"]
    assert resolved["elapsedSeconds"] >= 0

    # The resident follows it by tracking code and rates it; nothing personal is shown.
    public = await gql.ok("query($c: String!) { requestByTrackingCode(code: $c) { state canRate communityName progress { kind note } } }",
                          {"c": request["trackingCode"]})
    assert public["requestByTrackingCode"]["canRate"] is True
    assert any(p["kind"] == "RESOLVED" and "违建已拆除" in p["note"] for p in public["requestByTrackingCode"]["progress"])
    rated = await loop.ok(None, "rateRequest", {"trackingCode": request["trackingCode"], "rating": "SATISFIED", "comment": "效率很高"})
    assert rated["state"] == "CLOSED"

    final = await loop.get("dispatcher", rid, "state rating elapsedSeconds assignments { unitName role status } history { edges { node { kind actorLabel } } }")
    assert final["rating"] == "SATISFIED"
    assert {(a["unitName"], a["role"], a["status"]) for a in final["assignments"]} == {
        ("区城市管理局", "LEAD", "DONE"), ("公安芝罘分局", "CO", "PENDING"), ("幸福街道", "CO", "ACCEPTED")}
    kinds = [e["node"]["kind"] for e in final["history"]["edges"]]
    assert kinds == ["SUBMITTED", "TRIAGED", "DISPATCHED", "ACCEPTED", "CO_ACCEPTED", "RESOLVED", "RATED", "CLOSED"]
    assert final["history"]["edges"][0]["node"]["actorLabel"] == "居民"
