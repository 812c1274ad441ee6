"""Sunshine-17 deliberation (阳光17议) through the public GraphQL API: who may run and read
meetings, the default 17th, the agenda proposal, exact statistics, bad inputs (coded errors,
nothing written) and the settling of requests through the state machine."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, insert, select

from db.models import AuditEntry, Building, Community, MeetingTopic, MeetingTopicRequest, Request, User, UserScope
from resolvers.meetings.agenda import DEFAULT_DAYS, OPEN_STATES, concentrated
from resolvers.meetings.meetings import next_sunshine17_date, sunshine17_date
from resolvers.meetings.stats import Tally, tally
from resolvers.passwords import hash_password
from schema.ids import from_global_id, to_global_id
from tests.loop_helpers import Loop, gid_of, qr_token_in, street, sub

MEETING_FIELDS = "id kind state version title scheduledAt heldAt minutes community { name } street { name }"


async def community_worker(gql: Any, db: Any, community: str) -> str:
    """A COMMUNITY_WORKER login of `community`, created for this test; returns its token."""
    username = f"cw-{uuid.uuid4().hex[:10]}"
    async with db.read() as conn:
        cid = (await conn.execute(select(Community.__table__.c.id).where(Community.__table__.c.name == community))).scalar_one()
    async with db.write() as session:
        uid = (await session.execute(insert(User).values(
            username=username, password_hash=await hash_password("pw-meet"), display_name=f"{community}工作站", role="COMMUNITY_WORKER",
        ))).inserted_primary_key[0]
        await session.execute(insert(UserScope).values(user_id=uid, kind="COMMUNITY", ref_id=cid))
    return await gql.login(username, "pw-meet")


async def community_gid(db: Any, name: str) -> str:
    return await gid_of(db, Community, name=name)


async def quiet_community(db: Any, preferred: str, *, buildings: int) -> str:
    """`preferred`, or else the first community, with no open request of the agenda window
    (other tests of the session add requests anywhere: the generator's runs land in any
    community) and at least `buildings` buildings to report from."""
    c, r, b = Community.__table__, Request.__table__, Building.__table__
    since = datetime.now(timezone.utc) - timedelta(days=DEFAULT_DAYS + 1)
    busy = select(r.c.id).where(r.c.community_id == c.c.id, r.c.created_at >= since, r.c.state.in_(OPEN_STATES)).exists()
    enough = select(func.count()).where(b.c.community_id == c.c.id).scalar_subquery() >= buildings
    async with db.read() as conn:
        name = (await conn.execute(
            select(c.c.name).where(~busy, enough).order_by((c.c.name != preferred), c.c.id).limit(1)
        )).scalar_one_or_none()
    assert name, "no community without open requests left in the session's database"
    return name


class Meetings:
    """Mutations and queries of the meetings API, as one role would send them."""

    def __init__(self, gql: Any) -> None:
        self.gql = gql

    async def mutate(self, token: str | None, name: str, input: dict, fields: str) -> dict:
        type_name = name[0].upper() + name[1:] + "Input"
        body = await self.gql.post(f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)
        return body

    async def ok(self, token: str | None, name: str, input: dict, fields: str = f"meeting {{ {MEETING_FIELDS} }}") -> dict:
        body = await self.mutate(token, name, input, fields)
        assert "errors" not in body, (name, body.get("errors"))
        return body["data"][name]

    async def err(self, token: str | None, name: str, input: dict, fields: str = "__typename") -> str:
        body = await self.mutate(token, name, input, fields)
        assert "errors" in body, (name, "expected an error", body)
        return body["errors"][0]["extensions"]["code"]

    async def query(self, token: str | None, q: str, variables: dict | None = None) -> dict:
        body = await self.gql.post(q, variables or {}, token=token)
        assert "errors" not in body, body.get("errors")
        return body["data"]

    async def schedule(self, token: str, community_gid: str, **extra: Any) -> dict:
        return (await self.ok(token, "scheduleMeeting", {"communityId": community_gid, "kind": "SUNSHINE_17", **extra}))["meeting"]

    async def topic(self, token: str, meeting_id: str, title: str, request_ids: list[str] | None = None) -> dict:
        return (await self.ok(token, "addMeetingTopic", {"meetingId": meeting_id, "title": title, "requestIds": request_ids or []},
                              "topic { id outcome } meeting { version }"))["topic"]

    async def decide(self, token: str, topic_id: str, outcome: str, resolution: str | None = None) -> dict:
        return await self.ok(token, "decideTopic", {"topicId": topic_id, "outcome": outcome, "resolution": resolution},
                             "topic { outcome } settledRequests { id state } unsettledRequests { request { id state } reason reasonEn }")


async def minor_request_in(loop: Loop, db: Any, community: str, index: int, text: str, subcategory: str, *, worker: str | None) -> str:
    """A QR report in `community`, triaged MINOR to `subcategory` by the center and, when a
    worker token is given, taken up by the community as tier A (the community is handling it)."""
    submitted = await loop.submit(None, qrToken=await qr_token_in(db, community, index), text=text)
    rid = submitted["request"]["id"]
    await loop.ok("dispatcher", "triageRequest", {"id": rid, "scope": "MINOR", "subcategoryId": await sub(db, subcategory)})
    if worker is not None:
        q = "mutation($i: ClassifyMinorInput!) { classifyMinorRequest(input: $i) { request { state } } }"
        body = await loop.gql.post(q, {"i": {"id": rid, "tier": "A"}}, token=worker)
        assert "errors" not in body, body.get("errors")
        assert body["data"]["classifyMinorRequest"]["request"]["state"] == "ACCEPTED"
    return rid


# ---------------------------------------------------------------- the 17th


def test_default_date_is_the_17th_even_at_weekends() -> None:
    assert sunshine17_date(2026, 1) == date(2026, 1, 17) and date(2026, 1, 17).weekday() == 5  # a Saturday: kept
    assert sunshine17_date(2027, 1) == date(2027, 1, 17) and date(2027, 1, 17).weekday() == 6  # a Sunday: kept
    assert next_sunshine17_date(date(2026, 11, 3)) == date(2026, 11, 17)
    assert next_sunshine17_date(date(2026, 11, 17)) == date(2026, 11, 17)
    assert next_sunshine17_date(date(2026, 11, 18)) == date(2026, 12, 17)
    assert next_sunshine17_date(date(2026, 12, 26)) == date(2027, 1, 17)


async def test_schedule_defaults_to_the_17th_at_nine_local_time(gql: Any, tokens: dict[str, str], db: Any) -> None:
    api = Meetings(gql)
    futai = await community_gid(db, "福泰社区")
    m = await api.schedule(tokens["community"], futai, month="2027-01")
    # 2027-01-17 is a Sunday: still the 17th, 09:00 Asia/Shanghai = 01:00 UTC.
    assert datetime.fromisoformat(m["scheduledAt"]) == datetime(2027, 1, 17, 1, 0, tzinfo=timezone.utc)
    assert m["title"] == "福泰社区2027年1月阳光17议" and m["state"] == "PLANNED" and m["kind"] == "SUNSHINE_17"
    nxt = await api.schedule(tokens["community"], futai)
    local = datetime.fromisoformat(nxt["scheduledAt"]).astimezone(timezone(timedelta(hours=8)))
    assert local.day == 17 and local.hour == 9 and local.date() >= datetime.now(timezone(timedelta(hours=8))).date()
    # Any other date may be chosen explicitly.
    other = await api.schedule(tokens["community"], futai, scheduledAt="2027-02-16T19:30:00+08:00", place="福泰社区议事厅")
    assert datetime.fromisoformat(other["scheduledAt"]) == datetime(2027, 2, 16, 11, 30, tzinfo=timezone.utc)
    round_table = (await api.ok(tokens["community"], "scheduleMeeting", {
        "communityId": futai, "kind": "ROUND_TABLE", "title": "加装电梯圆桌议事会", "scheduledAt": "2027-02-03T14:00:00+08:00"}))["meeting"]
    assert round_table["kind"] == "ROUND_TABLE" and round_table["title"] == "加装电梯圆桌议事会"


# ---------------------------------------------------------------- permissions


async def test_who_may_run_and_read_meetings(gql: Any, tokens: dict[str, str], db: Any) -> None:
    api = Meetings(gql)
    futai, shengli = await community_gid(db, "福泰社区"), await community_gid(db, "胜利路社区")
    mine = await api.schedule(tokens["community"], futai, month="2027-03")
    # The center and admins run any community's meetings; a community worker only her own.
    theirs = await api.schedule(tokens["dispatcher"], shengli, month="2027-03")
    await api.schedule(tokens["admin"], shengli, month="2027-04")
    assert await api.err(tokens["community"], "scheduleMeeting", {"communityId": shengli, "kind": "SUNSHINE_17"}) == "FORBIDDEN"
    assert await api.err(tokens["community"], "holdMeeting", {"meetingId": theirs["id"]}) == "FORBIDDEN"
    for role in ("street", "district", "grid", "partner", "volunteer", "department", "evaluator", "leader"):
        assert await api.err(tokens[role], "scheduleMeeting", {"communityId": futai, "kind": "SUNSHINE_17"}) == "FORBIDDEN", role
        assert await api.err(tokens[role], "cancelMeeting", {"meetingId": mine["id"], "reason": "x"}) == "FORBIDDEN", role
    assert await api.err(None, "scheduleMeeting", {"communityId": futai, "kind": "SUNSHINE_17"}) == "UNAUTHENTICATED"

    one = "query($id: ID!) { meeting(id: $id) { id title } node(id: $id) { id } }"
    # Readers: the community, its street (幸福街道 for 福泰), the center, admin, district leader.
    for role in ("community", "street", "dispatcher", "admin", "district"):
        data = await api.query(tokens[role], one, {"id": mine["id"]})
        assert data["meeting"]["id"] == mine["id"] and data["node"]["id"] == mine["id"], role
    # Not of their community / street: null. Partners (even enterprises) and other roles: nothing.
    for role in ("community", "street"):
        assert (await api.query(tokens[role], one, {"id": theirs["id"]}))["meeting"] is None, role
    for role in ("partner", "grid", "volunteer", "evaluator", "department"):
        data = await api.query(tokens[role], one, {"id": mine["id"]})
        assert data["meeting"] is None and data["node"] is None, role
        body = await gql.post("{ meetings(first: 5) { totalCount } }", token=tokens[role])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role

    lst = "query($f: MeetingFilter) { meetings(filter: $f, first: 100) { totalCount edges { node { id community { name } street { name } } } } }"
    community_list = (await api.query(tokens["community"], lst))["meetings"]
    assert community_list["edges"] and {e["node"]["community"]["name"] for e in community_list["edges"]} == {"福泰社区"}
    street_list = (await api.query(tokens["street"], lst))["meetings"]
    assert {e["node"]["street"]["name"] for e in street_list["edges"]} == {"幸福街道"}
    all_list = await api.query(tokens["district"], lst, {"f": {"communityId": shengli, "state": "PLANNED"}})
    assert theirs["id"] in {e["node"]["id"] for e in all_list["meetings"]["edges"]}
    body = await gql.post("{ meetings(first: 101) { totalCount } }", token=tokens["district"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_participant_phone_whole_only_for_the_communitys_workers(gql: Any, tokens: dict[str, str], db: Any) -> None:
    api = Meetings(gql)
    m = await api.schedule(tokens["community"], await community_gid(db, "福泰社区"), month="2027-05")
    await api.ok(tokens["community"], "setParticipants", {"meetingId": m["id"], "participants": [
        {"kind": "RESIDENT_REPRESENTATIVE", "name": "王秀英", "phone": "13905351234"},
        {"kind": "ENTERPRISE", "name": "李建国", "organisation": "福泰物业服务有限公司"},
    ]})
    q = "query($id: ID!) { meeting(id: $id) { participants { kind kindLabel name organisation phone attended } } }"
    async with db.read() as conn:
        audits_before = (await conn.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.target == "MeetingParticipant"))).scalar_one()
    whole = (await api.query(tokens["community"], q, {"id": m["id"]}))["meeting"]["participants"]
    assert whole[0] == {"kind": "RESIDENT_REPRESENTATIVE", "kindLabel": "群众代表", "name": "王秀英", "organisation": "",
                        "phone": "13905351234", "attended": False}
    assert whole[1]["phone"] is None and whole[1]["organisation"] == "福泰物业服务有限公司"
    for role in ("street", "district", "dispatcher", "admin"):
        masked = (await api.query(tokens[role], q, {"id": m["id"]}))["meeting"]["participants"]
        assert masked[0]["phone"] == "139****1234", role
    async with db.read() as conn:
        audits_after = (await conn.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.target == "MeetingParticipant"))).scalar_one()
    assert audits_after == audits_before + 1  # the one whole read


# ---------------------------------------------------------------- agenda proposal


def test_concentrated_groups_open_recent_requests_by_subcategory() -> None:
    from types import SimpleNamespace as Row

    now = datetime(2026, 11, 26, tzinfo=timezone.utc)
    since = now - timedelta(days=60)
    rows = [Row(id=i, subcategory_id=7, created_at=now - timedelta(days=i), state="ACCEPTED") for i in range(1, 4)]
    rows += [Row(id=10 + i, subcategory_id=8, created_at=now - timedelta(hours=i), state="TRIAGED") for i in range(3)]
    rows += [Row(id=20, subcategory_id=9, created_at=now, state="TRIAGED"), Row(id=21, subcategory_id=9, created_at=now, state="TRIAGED"),
             Row(id=22, subcategory_id=9, created_at=now, state="CLOSED"),  # not open
             Row(id=23, subcategory_id=9, created_at=now - timedelta(days=61), state="TRIAGED"),  # too old
             Row(id=24, subcategory_id=None, created_at=now, state="SUBMITTED")]
    rows.append(Row(id=30, subcategory_id=7, created_at=now - timedelta(days=5), state="RESOLVED"))  # not open
    got = concentrated(rows, since=since)
    # Equal counts (3 and 3): the group with the most recent request first.
    assert [(c.subcategory_id, c.request_ids) for c in got] == [(8, (10, 11, 12)), (7, (1, 2, 3))]
    assert [c.subcategory_id for c in concentrated(rows, since=since, threshold=2)] == [8, 7, 9]
    assert concentrated(rows, since=since, threshold=4) == []


async def test_propose_agenda_picks_the_concentrated_subcategory(gql: Any, tokens: dict[str, str], db: Any) -> None:
    loop, api = Loop(gql, tokens), Meetings(gql)
    community = await quiet_community(db, "葡萄山社区", buildings=13)
    worker = await community_worker(gql, db, community)
    parking = [await minor_request_in(loop, db, community, i, f"{i}号楼下有人私设停车桩,占用消防通道", "停车管理", worker=worker if i % 2 else None)
               for i in range(4)]
    scattered = [await minor_request_in(loop, db, community, 10, "楼道里堆满杂物", "环境卫生", worker=None),
                 await minor_request_in(loop, db, community, 11, "夜里广场舞噪音太大", "噪音扰民", worker=None),
                 await minor_request_in(loop, db, community, 12, "垃圾桶满了没人清", "绿化养护", worker=None)]
    q = """query($c: ID!, $t: Int) { proposeAgenda(communityId: $c, threshold: $t) {
             subcategory { name } requestCount latestAt suggestedTitle onAgendaCount requests { id state } } }"""
    cid = await community_gid(db, community)
    got = (await api.query(worker, q, {"c": cid}))["proposeAgenda"]
    assert [c["subcategory"]["name"] for c in got] == ["停车管理"]
    assert got[0]["requestCount"] == 4 and got[0]["suggestedTitle"] == "停车管理(4件集中诉求)"
    assert [r["id"] for r in got[0]["requests"]] == list(reversed(parking))  # newest first
    # With a threshold of 1... refused; of 2, still only the concentrated one (scattered are 1 each).
    body = await gql.post(q, {"c": cid, "t": 1}, token=worker)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert [c["subcategory"]["name"] for c in (await api.query(worker, q, {"c": cid, "t": 2}))["proposeAgenda"]] == ["停车管理"]
    assert not set(scattered) & {r["id"] for c in got for r in c["requests"]}
    # Once on a planned meeting's agenda, the proposal says so.
    assert got[0]["onAgendaCount"] == 0
    m = await api.schedule(worker, cid, month="2027-12")
    await api.topic(worker, m["id"], "私设停车桩", parking[:2])
    assert (await api.query(worker, q, {"c": cid}))["proposeAgenda"][0]["onAgendaCount"] == 2
    # Only those who run the community's meetings ask for proposals.
    assert (await api.query(tokens["dispatcher"], q, {"c": cid}))["proposeAgenda"][0]["requestCount"] == 4
    for role in ("community", "street", "district", "partner"):
        body = await gql.post(q, {"c": cid}, token=tokens[role])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role


# ---------------------------------------------------------------- statistics


def test_tally_counts_held_meetings_in_the_period_only() -> None:
    from types import SimpleNamespace as Row

    lo, hi = datetime(2021, 1, 1, tzinfo=timezone.utc), datetime(2022, 1, 1, tzinfo=timezone.utc)
    meetings = [Row(id=1, community_id=5, held_at=datetime(2021, 3, 17, tzinfo=timezone.utc), state="CLOSED"),
                Row(id=2, community_id=5, held_at=datetime(2022, 3, 17, tzinfo=timezone.utc), state="CLOSED"),
                Row(id=3, community_id=6, held_at=None, state="PLANNED")]
    topics = [Row(meeting_id=1, outcome="AGREED"), Row(meeting_id=1, outcome="PENDING"), Row(meeting_id=2, outcome="AGREED"),
              Row(meeting_id=3, outcome="PENDING")]
    s = tally(meetings, topics, {5: 1, 6: 1}, lo, hi)
    assert s.communities == {5: Tally(meetings_held=1, topics=2, agreed=1, not_agreed=0)}
    assert s.total.success_rate == 1.0 and s.total.decided == 1 and Tally().success_rate is None


async def test_statistics_are_exact_on_a_constructed_set(gql: Any, tokens: dict[str, str], db: Any) -> None:
    api = Meetings(gql)
    suocheng, binhai = await community_gid(db, "所城社区"), await community_gid(db, "滨海社区")
    dongshan = await street(db, "东山街道")
    d = tokens["dispatcher"]

    async def held(community: str, held_at: str, outcomes: list[str]) -> str:
        m = await api.schedule(d, community, scheduledAt=held_at)
        topics = [await api.topic(d, m["id"], f"议题{i}") for i in range(len(outcomes))]
        await api.ok(d, "holdMeeting", {"meetingId": m["id"], "heldAt": held_at})
        for t, outcome in zip(topics, outcomes):
            if outcome != "PENDING":
                await api.decide(d, t["id"], outcome, "议定" if outcome == "AGREED" else None)
        return m["id"]

    await held(suocheng, "2021-03-17T09:00:00+08:00", ["AGREED", "AGREED", "NOT_AGREED"])
    await held(suocheng, "2021-12-31T20:00:00+08:00", ["AGREED", "PENDING"])  # last evening of the year, local time
    await held(suocheng, "2022-01-01T00:30:00+08:00", ["AGREED"])  # 2021-12-31 16:30 UTC, but 2022 in Asia/Shanghai
    await held(binhai, "2021-06-17T09:00:00+08:00", ["NOT_AGREED"])
    planned = await api.schedule(d, suocheng, scheduledAt="2021-07-17T09:00:00+08:00")  # never held: not counted
    await api.topic(d, planned["id"], "未召开的议题")
    cancelled = await api.schedule(d, suocheng, scheduledAt="2021-08-17T09:00:00+08:00")
    await api.ok(d, "cancelMeeting", {"meetingId": cancelled["id"], "reason": "台风"})

    q = """query($from: Date!, $to: Date!, $s: ID, $c: ID) { deliberationStats(from: $from, to: $to, streetId: $s, communityId: $c) {
             from to
             communities { level community { name } meetingsHeld topics topicsDecided agreed notAgreed successRate agreedPerMeeting }
             streets { level street { name } meetingsHeld topics topicsDecided agreed notAgreed successRate }
             total { level meetingsHeld topics topicsDecided agreed notAgreed successRate agreedPerMeeting } } }"""
    year = {"from": "2021-01-01", "to": "2021-12-31"}
    s = (await api.query(tokens["district"], q, {**year, "s": dongshan}))["deliberationStats"]
    assert s["communities"] == [
        {"level": "COMMUNITY", "community": {"name": "所城社区"}, "meetingsHeld": 2, "topics": 5, "topicsDecided": 4, "agreed": 3,
         "notAgreed": 1, "successRate": 0.75, "agreedPerMeeting": 1.5},
        {"level": "COMMUNITY", "community": {"name": "滨海社区"}, "meetingsHeld": 1, "topics": 1, "topicsDecided": 1, "agreed": 0,
         "notAgreed": 1, "successRate": 0.0, "agreedPerMeeting": 0.0},
    ]
    assert s["streets"] == [{"level": "STREET", "street": {"name": "东山街道"}, "meetingsHeld": 3, "topics": 6, "topicsDecided": 5,
                             "agreed": 3, "notAgreed": 1 + 1, "successRate": 0.6}]
    assert s["total"] == {"level": "DISTRICT", "meetingsHeld": 3, "topics": 6, "topicsDecided": 5, "agreed": 3, "notAgreed": 2,
                          "successRate": 0.6, "agreedPerMeeting": 1.0}
    # The whole district for 2021 is exactly this set (the demo data starts in December 2025).
    whole = (await api.query(tokens["dispatcher"], q, year))["deliberationStats"]
    assert whole["total"]["meetingsHeld"] == 3 and whole["total"]["successRate"] == 0.6
    # 2022: the meeting held at half past midnight on New Year's Day, local time.
    s22 = (await api.query(tokens["admin"], q, {"from": "2022-01-01", "to": "2022-01-01", "c": suocheng}))["deliberationStats"]
    assert s22["communities"][0]["meetingsHeld"] == 1 and s22["communities"][0]["successRate"] == 1.0
    # Nothing decided: the rate is null, not 0 or 1.
    empty = (await api.query(tokens["district"], q, {"from": "2020-01-01", "to": "2020-12-31", "c": suocheng}))["deliberationStats"]
    assert empty["communities"][0]["meetingsHeld"] == 0 and empty["communities"][0]["successRate"] is None
    assert empty["total"]["successRate"] is None and empty["total"]["agreedPerMeeting"] is None
    # A street officer sees his street only; a community worker her community; others nothing.
    body = await gql.post(q, {**year, "s": dongshan}, token=tokens["street"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = (await api.query(tokens["street"], q, year))["deliberationStats"]
    assert {r["street"]["name"] for r in own["streets"]} <= {"幸福街道"}
    for role in ("partner", "grid", "volunteer", "department"):
        body = await gql.post(q, year, token=tokens[role])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    body = await gql.post(q, {"from": "2021-12-31", "to": "2021-01-01"}, token=tokens["district"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_demo_data_shows_a_year_of_meetings(gql: Any, tokens: dict[str, str], db: Any) -> None:
    q = """query($c: ID) { deliberationStats(from: "2025-12-01", to: "2026-11-30", communityId: $c) {
             total { meetingsHeld topicsDecided agreed successRate } } }"""
    total = (await Meetings(gql).query(tokens["district"], q, {"c": await community_gid(db, "大海阳社区")}))["deliberationStats"]["total"]
    assert total["meetingsHeld"] >= 12 and total["topicsDecided"] >= 24 and 0.8 < total["successRate"] < 1.0


# ---------------------------------------------------------------- bad inputs, nothing written


async def test_bad_inputs_are_coded_errors_and_write_nothing(gql: Any, tokens: dict[str, str], db: Any) -> None:
    loop, api = Loop(gql, tokens), Meetings(gql)
    community = "建德社区"
    worker = await community_worker(gql, db, community)
    cid = await community_gid(db, community)
    mine = await minor_request_in(loop, db, community, 0, "路灯不亮,晚上出行不便", "道路设施", worker=worker)
    other = await minor_request_in(loop, db, "崇德社区", 0, "路灯不亮,晚上出行不便", "道路设施", worker=None)

    assert await api.err(worker, "scheduleMeeting", {"communityId": cid, "kind": "ROUND_TABLE"}) == "BAD_USER_INPUT"
    assert await api.err(worker, "scheduleMeeting", {"communityId": cid, "kind": "SUNSHINE_17", "month": "2026-13"}) == "BAD_USER_INPUT"
    assert await api.err(worker, "scheduleMeeting", {"communityId": to_global_id("Street", 1), "kind": "SUNSHINE_17"}) == "BAD_USER_INPUT"
    m = await api.schedule(worker, cid, month="2027-06")
    # A request of another community: refused, no topic added.
    assert await api.err(worker, "addMeetingTopic", {"meetingId": m["id"], "title": "路灯", "requestIds": [mine, other]}) == "BAD_USER_INPUT"
    assert await api.err(worker, "addMeetingTopic", {"meetingId": m["id"], "title": "  "}) == "BAD_USER_INPUT"
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(MeetingTopic).where(
            MeetingTopic.meeting_id == from_global_id(m["id"])[1]))).scalar_one() == 0
    t = await api.topic(worker, m["id"], "路灯维修", [mine])
    # Decisions need a held meeting; minutes and attendance too.
    assert await api.err(worker, "decideTopic", {"topicId": t["id"], "outcome": "AGREED", "resolution": "修"}) == "INVALID_TRANSITION"
    assert await api.err(worker, "recordMinutes", {"meetingId": m["id"], "minutes": "纪要"}) == "INVALID_TRANSITION"
    assert await api.err(worker, "setParticipants", {"meetingId": m["id"], "participants": [
        {"kind": "VOLUNTEER", "name": "赵红梅", "attended": True}]}) == "BAD_USER_INPUT"
    assert await api.err(worker, "setParticipants", {"meetingId": m["id"], "participants": [
        {"kind": "VOLUNTEER", "name": "赵红梅", "phone": "call me"}]}) == "BAD_USER_INPUT"
    held = (await api.ok(worker, "holdMeeting", {"meetingId": m["id"]}))["meeting"]
    assert held["state"] == "HELD" and held["heldAt"]
    # A stale version is a CONFLICT.
    assert await api.err(worker, "recordMinutes", {"meetingId": m["id"], "minutes": "纪要", "version": held["version"] - 1}) == "CONFLICT"
    # AGREED without resolution text: refused, topic still pending, the request untouched.
    assert await api.err(worker, "decideTopic", {"topicId": t["id"], "outcome": "AGREED"}) == "BAD_USER_INPUT"
    assert await api.err(worker, "decideTopic", {"topicId": t["id"], "outcome": "AGREED", "resolution": "   "}) == "BAD_USER_INPUT"
    assert await api.err(worker, "decideTopic", {"topicId": t["id"], "outcome": "PENDING"}) == "BAD_USER_INPUT"
    topic_now = (await api.query(worker, "query($id: ID!) { node(id: $id) { ... on MeetingTopic { outcome resolution } } }", {"id": t["id"]}))["node"]
    assert topic_now == {"outcome": "PENDING", "resolution": None}
    assert (await loop.get("dispatcher", mine, "state"))["state"] == "ACCEPTED"
    assert (await api.query(worker, "query($id: ID!) { meeting(id: $id) { version } }", {"id": m["id"]}))["meeting"]["version"] == held["version"]
    # NOT_AGREED: no follow-up, the request stays with the community.
    out = await api.decide(worker, t["id"], "NOT_AGREED")
    assert out["topic"]["outcome"] == "NOT_AGREED" and out["settledRequests"] == [] and out["unsettledRequests"] == []
    assert (await loop.get("dispatcher", mine, "state"))["state"] == "ACCEPTED"
    assert await api.err(worker, "decideTopic", {"topicId": t["id"], "outcome": "AGREED", "resolution": "再议"}) == "INVALID_TRANSITION"
    assert await api.err(worker, "addFollowUp", {"topicId": t["id"], "action": "修路灯", "owner": "物业"}) == "INVALID_TRANSITION"
    # Closing needs the minutes; a held meeting cannot be cancelled.
    assert await api.err(worker, "closeMeeting", {"meetingId": m["id"]}) == "INVALID_TRANSITION"
    assert await api.err(worker, "cancelMeeting", {"meetingId": m["id"], "reason": "改期"}) == "INVALID_TRANSITION"

    # Deciding on a cancelled meeting.
    c = await api.schedule(worker, cid, month="2027-07")
    ct = await api.topic(worker, c["id"], "议题")
    assert await api.err(worker, "cancelMeeting", {"meetingId": c["id"], "reason": " "}) == "BAD_USER_INPUT"
    cancelled = (await api.ok(worker, "cancelMeeting", {"meetingId": c["id"], "reason": "台风预警,改期"}))["meeting"]
    assert cancelled["state"] == "CANCELLED"
    assert await api.err(worker, "decideTopic", {"topicId": ct["id"], "outcome": "AGREED", "resolution": "同意"}) == "INVALID_TRANSITION"
    assert await api.err(worker, "holdMeeting", {"meetingId": c["id"]}) == "INVALID_TRANSITION"
    assert await api.err(worker, "addMeetingTopic", {"meetingId": c["id"], "title": "新议题"}) == "INVALID_TRANSITION"
    # Attendance of someone not on this meeting's list; malformed IDs.
    other_meeting = await api.schedule(worker, cid, month="2027-08")
    await api.ok(worker, "setParticipants", {"meetingId": other_meeting["id"], "participants": [{"kind": "DEPUTY", "name": "孙立新"}]})
    pid = (await api.query(worker, "query($id: ID!) { meeting(id: $id) { participants { id } } }", {"id": other_meeting["id"]}))["meeting"]["participants"][0]["id"]
    assert await api.err(worker, "recordAttendance", {"meetingId": m["id"], "attendance": [{"participantId": pid, "attended": True}]}) == "BAD_USER_INPUT"
    assert await api.err(worker, "holdMeeting", {"meetingId": "not-an-id"}) == "BAD_USER_INPUT"
    assert await api.err(worker, "holdMeeting", {"meetingId": mine}) == "BAD_USER_INPUT"  # a Request ID


async def test_agreed_outcome_settles_only_what_the_community_handles(gql: Any, tokens: dict[str, str], db: Any) -> None:
    loop, api = Loop(gql, tokens), Meetings(gql)
    community = "崇德社区"
    worker = await community_worker(gql, db, community)
    handled = await minor_request_in(loop, db, community, 1, "小区门口井盖松动", "下水管道", worker=worker)
    waiting = await minor_request_in(loop, db, community, 2, "小区门口井盖松动有响声", "下水管道", worker=None)  # triaged, not taken up
    m = await api.schedule(worker, await community_gid(db, community), month="2027-09")
    t = await api.topic(worker, m["id"], "井盖安全", [handled, waiting])
    await api.ok(worker, "holdMeeting", {"meetingId": m["id"]})
    out = await api.decide(worker, t["id"], "AGREED", "社区联系养管所三日内更换井盖")
    assert [r["id"] for r in out["settledRequests"]] == [handled] and out["settledRequests"][0]["state"] == "RESOLVED"
    assert [u["request"]["id"] for u in out["unsettledRequests"]] == [waiting]
    assert out["unsettledRequests"][0]["request"]["state"] == "TRIAGED" and out["unsettledRequests"][0]["reasonEn"]
    got = await loop.get("dispatcher", handled, "state resolution history { edges { node { kind note } } }")
    assert got["state"] == "RESOLVED" and "社区联系养管所三日内更换井盖" in got["resolution"]
    assert got["history"]["edges"][-1]["node"]["kind"] == "RESOLVED"
    assert (await loop.get("dispatcher", waiting, "state"))["state"] == "TRIAGED"
    links = (await api.query(worker, "query($id: ID!) { node(id: $id) { ... on MeetingTopic { links { settled note request { id } } } } }",
                             {"id": t["id"]}))["node"]["links"]
    assert [(x["request"]["id"], x["settled"]) for x in links] == [(handled, True), (waiting, False)] and links[1]["note"]
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(MeetingTopicRequest).where(
            MeetingTopicRequest.topic_id == from_global_id(t["id"])[1], MeetingTopicRequest.settled.is_(True)))).scalar_one() == 1


# ---------------------------------------------------------------- concurrency, street scope, N+1


async def test_concurrent_decisions_record_one_outcome_and_resolve_once(gql: Any, tokens: dict[str, str], db: Any) -> None:
    import asyncio

    loop, api = Loop(gql, tokens), Meetings(gql)
    community = "东炮台社区"
    worker = await community_worker(gql, db, community)
    rid = await minor_request_in(loop, db, community, 0, "广场健身器材损坏", "道路设施", worker=worker)
    m = await api.schedule(worker, await community_gid(db, community), month="2027-10")
    t = await api.topic(worker, m["id"], "健身器材维修", [rid])
    await api.ok(worker, "holdMeeting", {"meetingId": m["id"]})
    fields = "topic { outcome } settledRequests { id }"
    bodies = await asyncio.gather(*[
        api.mutate(worker, "decideTopic", {"topicId": t["id"], "outcome": "AGREED", "resolution": f"第{i}种方案:更换器材"}, fields)
        for i in range(4)])
    winners = [b for b in bodies if "errors" not in b]
    losers = [b["errors"][0]["extensions"]["code"] for b in bodies if "errors" in b]
    assert len(winners) == 1 and winners[0]["data"]["decideTopic"]["settledRequests"] == [{"id": rid}]
    assert set(losers) <= {"CONFLICT", "INVALID_TRANSITION"} and len(losers) == 3
    history = await loop.get("dispatcher", rid, "state history { edges { node { kind } } }")
    assert history["state"] == "RESOLVED"
    assert [e["node"]["kind"] for e in history["history"]["edges"]].count("RESOLVED") == 1


async def test_street_officer_reads_his_streets_meetings_only(gql: Any, tokens: dict[str, str], db: Any) -> None:
    api = Meetings(gql)
    username = f"so-{uuid.uuid4().hex[:10]}"
    async with db.read() as conn:
        xiangyang = (await conn.execute(select(func.min(Community.__table__.c.street_id)).where(Community.__table__.c.name == "胜利路社区"))).scalar_one()
    async with db.write() as session:
        uid = (await session.execute(insert(User).values(username=username, password_hash=await hash_password("pw-meet"),
                                                         display_name="向阳街道分中心", role="STREET_OFFICER"))).inserted_primary_key[0]
        await session.execute(insert(UserScope).values(user_id=uid, kind="STREET", ref_id=xiangyang))
    officer = await gql.login(username, "pw-meet")
    shengli = await api.schedule(tokens["dispatcher"], await community_gid(db, "胜利路社区"), month="2027-11")
    futai = await api.schedule(tokens["community"], await community_gid(db, "福泰社区"), month="2027-11")
    one = "query($id: ID!) { meeting(id: $id) { id street { name } } }"
    assert (await api.query(officer, one, {"id": shengli["id"]}))["meeting"]["street"]["name"] == "向阳街道"
    assert (await api.query(officer, one, {"id": futai["id"]}))["meeting"] is None
    assert await api.err(officer, "holdMeeting", {"meetingId": shengli["id"]}) == "FORBIDDEN"


async def test_meeting_list_costs_no_statement_per_meeting(gql: Any, tokens: dict[str, str], count_statements: Any) -> None:
    q = """query($n: Int!) { meetings(first: $n, filter: {state: CLOSED}) { edges { node { title community { name } street { name }
             participants { kind phone } attendedCount topics { outcome links { settled } followUps { state } } } } } }"""
    gql.token = tokens["district"]
    await gql.ok(q, {"n": 1})
    with count_statements() as five:
        small = await gql.ok(q, {"n": 5})
    with count_statements() as many:
        big = await gql.ok(q, {"n": 15})
    assert len(small["meetings"]["edges"]) == 5 and len(big["meetings"]["edges"]) == 15
    # No per-row queries: 10 more meetings would add ≥ 10 statements. A DataLoader batch can split
    # in two when its loads land in different event-loop ticks (the per-operation read gate
    # staggers them under load), hence the allowance of one.
    assert many.count <= five.count + 1, many.statements
