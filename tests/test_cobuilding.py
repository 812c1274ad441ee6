"""Co-building tasks (共建任务): the seed's 大海阳 case through the public API, the task's rules,
the partner's live feed and what a partner may see of residents (nothing personal)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import websockets
from sqlalchemy import func, select

from db.models import CoTask, CoTaskEvent, CoTaskPartner
from tests.conftest import LiveServer
from tests.loop_helpers import STEP, Loop, qr_token_in, sub
from tests.partner_helpers import (
    community_pk,
    community_worker,
    gid,
    partner_contact,
    partner_pk,
    task_err,
    task_op,
)

STEP_T, TEXT_T = "CoTaskStepInput", "CoTaskTextInput"
DUE = (datetime.now(timezone.utc) + timedelta(days=10)).isoformat()


async def _sewer_complaints(loop: Loop, db: Any, dahaiyang: str, n: int = 3) -> list[dict]:
    """Residents of 大海阳's 璜山北片区 report blocked sewers; the center gives them to the community
    (MINOR), which takes them on as tier C with a work plan."""
    out = []
    for i in range(n):
        r = (await loop.submit(None, qrToken=await qr_token_in(db, "大海阳社区", 30 + i),
                               text=f"璜山北片区{i + 1}号楼下水道堵塞,污水横流,居民电话13912345678"))["request"]
        minor = await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "下水管道")})
        loop.tokens["dahaiyang"] = dahaiyang
        c = await loop.ok("dahaiyang", "classifyMinorRequest", {"id": minor["id"], "tier": "C", "workPlan": "联系大党委共建单位疏通",
                                                                "progressIntervalDays": 7}, "ClassifyMinorInput")
        assert c["state"] == "ACCEPTED"
        out.append(r)
    return out


async def test_dahaiyang_sewer_case(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """The seed: old sewers of 璜山北片区 kept blocking; the community used its big party committee
    to bring in the drainage office and the water company, who cleared them for free."""
    loop = Loop(gql, dict(tokens))
    dahaiyang = await community_worker(db, gql, "大海阳社区")
    drainage = tokens["partner"]  # the demo partner: 烟台市排水处养管所
    water = await partner_contact(db, gql, "烟台自来水公司")
    complaints = await _sewer_complaints(loop, db, dahaiyang)

    task = await task_op(gql, dahaiyang, "createCoTask", {
        "communityId": gid("Community", await community_pk(db, "大海阳社区")), "title": "璜山北片区下水道疏通",
        "ask": "免费为璜山北片区居民疏通下水道,排查老旧管网", "dueAt": DUE,
        "partnerUnitIds": [gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所")), gid("PartnerUnit", await partner_pk(db, "烟台自来水公司"))],
        "requestIds": [c["id"] for c in complaints],
    }, "CreateCoTaskInput")
    assert task["state"] == "OPEN" and {p["state"] for p in task["parts"]} == {"INVITED"}
    # The partner sees the complaints only as summaries: no reporter, no phone.
    assert [r["subcategory"] for r in task["linkedRequests"]] == ["下水管道"] * 3
    assert all("13912345678" not in r["title"] for r in task["linkedRequests"])

    # Each partner sees the task in its own list and acts on its own part.
    for token in (drainage, water):
        listed = await gql.ok("{ coTasks(first: 20) { edges { node { id title } } } }", token=token)
        assert task["id"] in [e["node"]["id"] for e in listed["coTasks"]["edges"]]
    t = await task_op(gql, drainage, "acceptCoTask", {"id": task["id"], "version": task["version"]}, STEP_T)
    assert t["state"] == "IN_PROGRESS"
    t = await task_op(gql, water, "acceptCoTask", {"id": task["id"]}, STEP_T)
    await task_op(gql, drainage, "reportCoTaskProgress", {"id": task["id"], "text": "已疏通3处主管道"}, TEXT_T)
    await task_op(gql, drainage, "finishCoTaskPart", {"id": task["id"], "text": "主管道疏通完毕"}, TEXT_T)
    # The community cannot close it while the water company is still at work.
    assert await task_err(gql, dahaiyang, "completeCoTask", {"id": task["id"], "result": "x", "resolveRequests": True}, "CompleteCoTaskInput") == "INVALID_TRANSITION"
    await task_op(gql, water, "finishCoTaskPart", {"id": task["id"], "text": "更换破损入户管2处"}, TEXT_T)

    body = await gql.post("""mutation($i: CompleteCoTaskInput!) { completeCoTask(input: $i) {
        task { state result completedAt } resolvedRequestIds unresolved { requestId reason } } }""",
                          {"i": {"id": task["id"], "result": "璜山北片区下水道全部疏通", "resolveRequests": True}}, token=dahaiyang)
    assert "errors" not in body, body
    done = body["data"]["completeCoTask"]
    assert done["task"]["state"] == "DONE" and done["task"]["completedAt"]
    assert sorted(done["resolvedRequestIds"]) == sorted(c["id"] for c in complaints) and done["unresolved"] == []

    # The complaints are resolved, and their history shows the task.
    for c in complaints:
        r = await loop.get("dispatcher", c["id"], "state resolution history { edges { node { kind } } }")
        assert r["state"] == "RESOLVED" and "下水道全部疏通" in r["resolution"]
        assert [e["node"]["kind"] for e in r["history"]["edges"]][-2:] == ["CO_TASK_LINKED", "RESOLVED"]
    # The task's log, in order.
    log = await gql.ok("query($id: ID!) { coTask(id: $id) { events { kind partnerUnit { name } } } }", {"id": task["id"]}, token=dahaiyang)
    kinds = [e["kind"] for e in log["coTask"]["events"]]
    assert kinds == ["INVITED", "INVITED", "CREATED", "ACCEPTED", "ACCEPTED", "PROGRESS", "PARTNER_DONE", "PARTNER_DONE", "COMPLETED"]


async def test_task_rules_and_bad_input(gql: Any, tokens: dict[str, str], db: Any) -> None:
    dahaiyang = await community_worker(db, gql, "大海阳社区")
    cid = gid("Community", await community_pk(db, "大海阳社区"))
    drainage = gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所"))
    futai_partner = gid("PartnerUnit", await partner_pk(db, "福泰物业服务有限公司"))
    base = {"communityId": cid, "title": "楼道清理", "ask": "清理楼道堆物", "partnerUnitIds": [drainage]}
    async with db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(CoTask))).scalar_one()
    # Someone else's community, a partner of another community, a past due time, no partner, empty text.
    assert await task_err(gql, tokens["community"], "createCoTask", base, "CreateCoTaskInput") == "FORBIDDEN"
    assert await task_err(gql, dahaiyang, "createCoTask", {**base, "partnerUnitIds": [futai_partner]}, "CreateCoTaskInput") == "BAD_USER_INPUT"
    assert await task_err(gql, dahaiyang, "createCoTask", {**base, "dueAt": "2020-01-01T00:00:00+08:00"}, "CreateCoTaskInput") == "BAD_USER_INPUT"
    assert await task_err(gql, dahaiyang, "createCoTask", {**base, "partnerUnitIds": []}, "CreateCoTaskInput") == "BAD_USER_INPUT"
    assert await task_err(gql, dahaiyang, "createCoTask", {**base, "ask": "  "}, "CreateCoTaskInput") == "BAD_USER_INPUT"
    assert await task_err(gql, tokens["partner"], "createCoTask", base, "CreateCoTaskInput") == "FORBIDDEN"
    # A request of another community cannot be linked.
    futai_request = (await Loop(gql, tokens).submit(None, qrToken=await qr_token_in(db, "福泰社区", 7), text="路灯不亮"))["request"]
    assert await task_err(gql, dahaiyang, "createCoTask", {**base, "requestIds": [futai_request["id"]]}, "CreateCoTaskInput") == "BAD_USER_INPUT"
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(CoTask))).scalar_one() == before  # nothing half-written

    task = await task_op(gql, dahaiyang, "createCoTask", base, "CreateCoTaskInput")
    water_token = await partner_contact(db, gql, "烟台自来水公司")
    # Not invited: as if the task did not exist. Another community's worker: forbidden.
    assert await task_err(gql, water_token, "acceptCoTask", {"id": task["id"]}, STEP_T) == "NOT_FOUND"
    assert await task_err(gql, tokens["community"], "cancelCoTask", {"id": task["id"], "text": "x"}, TEXT_T) == "FORBIDDEN"
    # Progress before accepting; a stale version; declining after accepting.
    assert await task_err(gql, tokens["partner"], "reportCoTaskProgress", {"id": task["id"], "text": "x"}, TEXT_T) == "INVALID_TRANSITION"
    assert await task_err(gql, tokens["partner"], "acceptCoTask", {"id": task["id"], "version": task["version"] + 5}, STEP_T) == "CONFLICT"
    await task_op(gql, tokens["partner"], "acceptCoTask", {"id": task["id"]}, STEP_T)
    assert await task_err(gql, tokens["partner"], "declineCoTask", {"id": task["id"], "text": "忙"}, TEXT_T) == "INVALID_TRANSITION"
    assert await task_err(gql, dahaiyang, "completeCoTask", {"id": task["id"], "result": "x"}, "CompleteCoTaskInput") == "INVALID_TRANSITION"
    cancelled = await task_op(gql, dahaiyang, "cancelCoTask", {"id": task["id"], "text": "居民已自行清理"}, TEXT_T)
    assert cancelled["state"] == "CANCELLED" and cancelled["result"] == "居民已自行清理"
    assert await task_err(gql, tokens["partner"], "finishCoTaskPart", {"id": task["id"], "text": "x"}, TEXT_T) == "INVALID_TRANSITION"


async def test_two_partners_accepting_at_once_both_count(gql: Any, tokens: dict[str, str], db: Any) -> None:
    """Each partner changes only its own part; concurrent accepts may CONFLICT on the task's
    version but never lose a part's state."""
    dahaiyang = await community_worker(db, gql, "大海阳社区")
    water = await partner_contact(db, gql, "烟台自来水公司")
    task = await task_op(gql, dahaiyang, "createCoTask", {
        "communityId": gid("Community", await community_pk(db, "大海阳社区")), "title": "管网巡查", "ask": "联合巡查",
        "partnerUnitIds": [gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所")), gid("PartnerUnit", await partner_pk(db, "烟台自来水公司"))]},
        "CreateCoTaskInput")
    q = "mutation($i: CoTaskStepInput!) { acceptCoTask(input: $i) { task { id } } }"
    results = await asyncio.gather(*(gql.post(q, {"i": {"id": task["id"]}}, token=t) for t in (tokens["partner"], water)))
    ok = [r for r in results if "errors" not in r]
    assert ok, results
    for r in results:
        if "errors" in r:
            assert r["errors"][0]["extensions"]["code"] == "CONFLICT"
    async with db.read() as conn:
        states = sorted((await conn.execute(select(CoTaskPartner.state).where(CoTaskPartner.task_id == int(_pk(task["id"]))))).scalars())
        version = (await conn.execute(select(CoTask.version).where(CoTask.id == int(_pk(task["id"]))))).scalar_one()
    assert states.count("ACCEPTED") == len(ok) and version == 1 + len(ok)


def _pk(global_id: str) -> int:
    from schema.ids import from_global_id

    return from_global_id(global_id)[1]


async def test_partner_feed_is_live_resumable_and_only_its_own(live_server: LiveServer, db: Any, gql: Any, tokens: dict[str, str]) -> None:
    dahaiyang = await community_worker(db, gql, "大海阳社区")
    water = await partner_contact(db, gql, "烟台自来水公司")
    cid = gid("Community", await community_pk(db, "大海阳社区"))
    drainage_unit = gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所"))
    water_unit = gid("PartnerUnit", await partner_pk(db, "烟台自来水公司"))
    async with db.read() as conn:
        start = (await conn.execute(select(func.coalesce(func.max(CoTaskEvent.seq), 0)))).scalar_one()
    url = live_server.url.replace("http", "ws") + "/graphql"
    feed = "subscription($a: String) { coTaskUpdated(after: $a) { cursor kind task { title } partnerUnit { name } } }"

    async def open_feed(token: str, after: str | None) -> Any:
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30)
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "f", "type": "subscribe", "payload": {"query": feed, "variables": {"a": after}}}))
        return ws

    async def take(ws: Any, n: int) -> list[dict]:
        out = []
        while len(out) < n:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert msg["type"] == "next", msg
            out.append(msg["payload"]["data"]["coTaskUpdated"])
        return out

    ws = await open_feed(water, str(start))
    await asyncio.sleep(0.3)
    # A task only for the drainage office, then one for the water company.
    await task_op(gql, dahaiyang, "createCoTask", {"communityId": cid, "title": "仅排水处", "ask": "a", "partnerUnitIds": [drainage_unit]}, "CreateCoTaskInput")
    mine = await task_op(gql, dahaiyang, "createCoTask", {"communityId": cid, "title": "自来水公司的任务", "ask": "b", "partnerUnitIds": [water_unit]},
                         "CreateCoTaskInput")
    got = await take(ws, 2)
    assert [(g["kind"], g["task"]["title"]) for g in got] == [("INVITED", "自来水公司的任务"), ("CREATED", "自来水公司的任务")]
    with pytest.raises(asyncio.TimeoutError):  # nothing of the drainage office's task
        await asyncio.wait_for(ws.recv(), 1.0)
    await ws.close()

    # Changes while disconnected are replayed from the cursor, then it goes on live.
    await task_op(gql, water, "acceptCoTask", {"id": mine["id"]}, STEP_T)
    ws = await open_feed(water, got[-1]["cursor"])
    assert [g["kind"] for g in await take(ws, 1)] == ["ACCEPTED"]
    await task_op(gql, water, "reportCoTaskProgress", {"id": mine["id"], "text": "已派人"}, TEXT_T)
    assert [g["kind"] for g in await take(ws, 1)] == ["PROGRESS"]
    await ws.close()


async def test_a_rolled_back_task_change_leaves_no_event(gql: Any, db: Any) -> None:
    dahaiyang = await community_worker(db, gql, "大海阳社区")
    async with db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(CoTaskEvent))).scalar_one()
    bad = {"communityId": gid("Community", await community_pk(db, "大海阳社区")), "title": "x", "ask": "y",
           "partnerUnitIds": [gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所")), gid("PartnerUnit", 999999)]}
    assert await task_err(gql, dahaiyang, "createCoTask", bad, "CreateCoTaskInput") == "BAD_USER_INPUT"
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(CoTaskEvent))).scalar_one() == before
