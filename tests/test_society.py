"""Four-society linkage (四社联动) through the public API: the register of organisations and
agencies, community partnerships, funds and funded service projects — who may do what, budgets
never overspent (also by concurrent awards), totals derived from events, the project's states,
masking of organisations' contacts and coded errors with nothing half-written."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from db.models import AuditEntry, Community, Fund, ServiceProject, ServiceProjectEvent, SocialOrganisation, Street, User, UserScope
from resolvers.actor import Actor
from resolvers.errors import BadUserInput
from resolvers.passwords import hash_password
from resolvers.roles import Role
from resolvers.society import projects
from resolvers.society.vocab import ContestKind, local_today
from schema.ids import from_global_id, to_global_id


def _today() -> date:
    # Read at each use, not at import: a run that crosses midnight in Shanghai (the suite takes
    # a quarter of an hour; midnight there is 16:00 UTC) would otherwise call today "tomorrow".
    return local_today()


def _contest_day() -> str:
    return (_today() - timedelta(days=30)).isoformat()


PROJECT = """id title state stateLabel version requested awarded contestKind contestName contestOn eventCount peopleServed
  summary rejectReason organisation { name } fund { id remaining } community { name } street { name }
  events { heldOn title peopleServed }"""
ORG = "id kind name registrationNo contactName contactPhone contactView active version partnerships { space current community { name } }"


# -- helpers --------------------------------------------------------------------------------------

async def _pk(db: Any, model: Any, name: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(model.id).where(model.name == name))).scalar_one()


async def _user(db: Any, gql: Any, role: str, scopes: list[tuple[str, int]]) -> str:
    username = f"soc-{role.lower()}-{uuid.uuid4().hex[:8]}"
    async with db.engine.begin() as conn:
        uid = (await conn.execute(insert(User.__table__).values(
            username=username, password_hash=await hash_password("pw-" + username), display_name=username, role=role,
        ).returning(User.__table__.c.id))).scalar_one()
        for kind, ref in scopes:
            await conn.execute(insert(UserScope.__table__).values(user_id=uid, kind=kind, ref_id=ref))
    return await gql.login(username, "pw-" + username)


async def _worker(db: Any, gql: Any, community: str) -> str:
    return await _user(db, gql, "COMMUNITY_WORKER", [("COMMUNITY", await _pk(db, Community, community))])


async def _call(gql: Any, token: str | None, mutation: str, input_type: str, input: dict, fields: str) -> dict:
    return await gql.post(f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ {fields} }} }}", {"i": input}, token=token)


async def _ok(gql: Any, token: str, mutation: str, input_type: str, input: dict, fields: str) -> dict:
    body = await _call(gql, token, mutation, input_type, input, fields)
    assert "errors" not in body, (mutation, body.get("errors"))
    return body["data"][mutation]


async def _err(gql: Any, token: str | None, mutation: str, input_type: str, input: dict, fields: str = "__typename") -> dict:
    body = await _call(gql, token, mutation, input_type, input, fields)
    assert "errors" in body, (mutation, "expected an error", body)
    return body["errors"][0]


def _code(error: dict) -> str:
    return error["extensions"]["code"]


async def _fund(gql: Any, tokens: dict, kind: str, year: int, budget: str | None = None) -> dict:
    inp: dict[str, Any] = {"kind": kind, "year": year}
    if budget is not None:
        inp["budget"] = budget
    return (await _ok(gql, tokens["admin"], "setFundBudget", "SetFundBudgetInput", inp, "fund { id year budget awarded remaining version }"))["fund"]


async def _org(gql: Any, token: str, kind: str = "SOCIAL_WORK_AGENCY", **extra: Any) -> dict:
    n = uuid.uuid4().hex[:10].upper()
    inp = {"kind": kind, "name": f"测试社工机构{n}", "registrationNo": f"TEST{n}", **extra}
    return (await _ok(gql, token, "createSocialOrganisation", "CreateSocialOrganisationInput", inp, f"organisation {{ {ORG} }}"))["organisation"]


async def _propose(gql: Any, token: str, org: dict, fund: dict, requested: str, **where: str) -> dict:
    inp = {"title": "测试项目" + uuid.uuid4().hex[:6], "organisationId": org["id"], "fundId": fund["id"], "requested": requested, **where}
    return (await _ok(gql, token, "proposeProject", "ProposeProjectInput", inp, f"project {{ {PROJECT} }}"))["project"]


def _award_input(project: dict, amount: str, **extra: Any) -> dict:
    return {"id": project["id"], "contestKind": "VENTURE_CONTEST", "contestName": "公益创投大赛(测试)", "contestOn": _contest_day(),
            "amount": amount, **extra}


async def _award(gql: Any, token: str, project: dict, amount: str) -> dict:
    return (await _ok(gql, token, "awardProject", "AwardProjectInput", _award_input(project, amount), f"project {{ {PROJECT} }}"))["project"]


async def _step(gql: Any, token: str, mutation: str, input: dict, input_type: str = "ProjectStepInput") -> dict:
    return (await _ok(gql, token, mutation, input_type, input, f"project {{ {PROJECT} }}"))["project"]


async def _event(gql: Any, token: str, project: dict, people: int, held_on: str | None = None, title: str = "活动") -> dict:
    inp = {"id": project["id"], "heldOn": held_on or _today().isoformat(), "title": title, "peopleServed": people}
    return await _ok(gql, token, "recordProjectEvent", "RecordProjectEventInput", inp, f"project {{ {PROJECT} }} event {{ heldOn title peopleServed }}")


async def _fund_row(db: Any, gid: str) -> Any:
    async with db.read() as conn:
        return (await conn.execute(select(Fund.__table__).where(Fund.id == from_global_id(gid, "Fund")[1]))).one()


async def _project_row(db: Any, gid: str) -> Any:
    async with db.read() as conn:
        return (await conn.execute(select(ServiceProject.__table__).where(ServiceProject.id == from_global_id(gid, "ServiceProject")[1]))).one()


# -- demo data ------------------------------------------------------------------------------------

async def test_demo_funds_projects_and_agencies(gql: Any, tokens: dict) -> None:
    data = await gql.ok("{ funds(year: 2026) { kind name budget awarded remaining awardedProjects } }", token=tokens["dispatcher"])
    funds = {f["kind"]: f for f in data["funds"]}
    assert Decimal(funds["ANNUAL_ALLOCATION"]["budget"]) == Decimal("3000000")
    assert Decimal(funds["SPECIAL_FUND"]["budget"]) == Decimal("4200000")
    for f in funds.values():
        assert Decimal(f["budget"]) - Decimal(f["awarded"]) == Decimal(f["remaining"])
    data = await gql.ok("""{ serviceProjects(first: 100, filter: {year: 2026}) { totalCount edges { node {
        title state eventCount peopleServed events { peopleServed } organisation { kind name } } } } }""", token=tokens["dispatcher"])
    by_title = {e["node"]["title"]: e["node"] for e in data["serviceProjects"]["edges"]}
    brain = by_title["激活大脑·关爱失智群众"]
    assert brain["state"] == "RUNNING" and brain["organisation"]["kind"] == "SOCIAL_WORK_AGENCY"
    assert brain["eventCount"] == len(brain["events"]) > 0
    assert brain["peopleServed"] == sum(e["peopleServed"] for e in brain["events"])
    assert by_title["乐享夕阳红·关爱老年人"]["state"] == "COMPLETED"
    agencies = await gql.ok('{ socialOrganisations(first: 1, filter: {kind: SOCIAL_WORK_AGENCY}) { totalCount } }', token=tokens["admin"])
    assert agencies["socialOrganisations"]["totalCount"] >= 40


# -- the project's life, totals derived from events -------------------------------------------------

async def test_project_lifecycle_totals_and_transitions(gql: Any, tokens: dict, db: Any) -> None:
    worker = await _worker(db, gql, "大海阳社区")
    fund = await _fund(gql, tokens, "SPECIAL_FUND", 2041)
    org = await _org(gql, tokens["dispatcher"])
    project = await _propose(gql, worker, org, fund, "50000.50", communityId=to_global_id("Community", await _pk(db, Community, "大海阳社区")))
    assert project["state"] == "PROPOSED" and project["requested"] == "50000.50" and project["awarded"] is None
    assert project["community"]["name"] == "大海阳社区" and project["street"]["name"]  # the community's street

    # Not yet awarded: cannot start, record or complete.
    for mutation, input_type, extra in (("startProject", "ProjectStepInput", {}), ("completeProject", "CompleteProjectInput", {"summary": "x"}),
                                        ("recordProjectEvent", "RecordProjectEventInput", {"heldOn": _today().isoformat(), "title": "x", "peopleServed": 1})):
        assert _code(await _err(gql, worker, mutation, input_type, {"id": project["id"], **extra})) == "INVALID_TRANSITION"

    # A stale version is a CONFLICT and changes nothing.
    assert _code(await _err(gql, tokens["dispatcher"], "awardProject", "AwardProjectInput",
                            _award_input(project, "50000", version=project["version"] + 5))) == "CONFLICT"
    awarded = await _award(gql, tokens["dispatcher"], project, "45000")
    assert awarded["state"] == "AWARDED" and awarded["awarded"] == "45000.00" and awarded["contestKind"] == "VENTURE_CONTEST"
    assert awarded["fund"]["remaining"] == "4155000.00"
    # Awarding twice would spend the fund twice: refused.
    assert _code(await _err(gql, tokens["dispatcher"], "awardProject", "AwardProjectInput", _award_input(project, "1"))) == "INVALID_TRANSITION"
    assert _code(await _err(gql, tokens["dispatcher"], "rejectProject", "RejectProjectInput", {"id": project["id"], "reason": "x"})) == "INVALID_TRANSITION"

    running = await _step(gql, worker, "startProject", {"id": project["id"], "version": awarded["version"]})
    assert running["state"] == "RUNNING"
    # A project with no events cannot be completed.
    assert _code(await _err(gql, worker, "completeProject", "CompleteProjectInput", {"id": project["id"], "summary": "完成"})) == "INVALID_TRANSITION"

    first = await _event(gql, worker, project, 18, (_today() - timedelta(days=3)).isoformat(), "激活大脑·第1期")
    assert first["event"]["peopleServed"] == 18 and first["project"]["eventCount"] == 1 and first["project"]["peopleServed"] == 18
    second = await _event(gql, tokens["dispatcher"], project, 25, _today().isoformat(), "激活大脑·第2期")
    assert second["project"]["eventCount"] == 2 and second["project"]["peopleServed"] == 43
    assert [e["title"] for e in second["project"]["events"]] == ["激活大脑·第1期", "激活大脑·第2期"]

    done = await _step(gql, worker, "completeProject", {"id": project["id"], "summary": "两期小组完成"}, "CompleteProjectInput")
    assert done["state"] == "COMPLETED" and done["summary"] == "两期小组完成"
    assert done["eventCount"] == 2 and done["peopleServed"] == 43
    # Totals come from the event rows: the database has exactly those two events.
    async with db.read() as conn:
        pk = from_global_id(project["id"], "ServiceProject")[1]
        count, people = (await conn.execute(select(func.count(), func.sum(ServiceProjectEvent.people_served)).where(
            ServiceProjectEvent.project_id == pk))).one()
    assert (count, people) == (2, 43)
    for mutation, input_type, extra in (("startProject", "ProjectStepInput", {}), ("completeProject", "CompleteProjectInput", {"summary": "x"}),
                                        ("recordProjectEvent", "RecordProjectEventInput", {"heldOn": _today().isoformat(), "title": "x", "peopleServed": 1})):
        assert _code(await _err(gql, worker, mutation, input_type, {"id": project["id"], **extra})) == "INVALID_TRANSITION"

    # PROPOSED → REJECTED, and a rejected project goes nowhere.
    other = await _propose(gql, tokens["dispatcher"], org, fund, "1000", streetId=to_global_id("Street", await _pk(db, Street, "幸福街道")))
    assert other["community"] is None and other["street"]["name"] == "幸福街道"
    rejected = await _step(gql, tokens["admin"], "rejectProject", {"id": other["id"], "reason": "不符合申报条件"}, "RejectProjectInput")
    assert rejected["state"] == "REJECTED" and rejected["rejectReason"] == "不符合申报条件"
    assert _code(await _err(gql, tokens["admin"], "awardProject", "AwardProjectInput", _award_input(other, "1000"))) == "INVALID_TRANSITION"
    assert (await _fund_row(db, fund["id"])).awarded_fen == 4_500_000


# -- budget ---------------------------------------------------------------------------------------

async def test_fund_never_awards_more_than_its_remaining_budget(gql: Any, tokens: dict, db: Any) -> None:
    fund = await _fund(gql, tokens, "ANNUAL_ALLOCATION", 2042, "100000")
    assert fund["budget"] == "100000.00" and fund["remaining"] == "100000.00"
    org = await _org(gql, tokens["admin"])
    futai = to_global_id("Community", await _pk(db, Community, "福泰社区"))
    a = await _propose(gql, tokens["community"], org, fund, "70000", communityId=futai)
    b = await _propose(gql, tokens["community"], org, fund, "70000", communityId=futai)
    # More than the amount asked: refused.
    assert _code(await _err(gql, tokens["dispatcher"], "awardProject", "AwardProjectInput", _award_input(a, "70000.01"))) == "BAD_USER_INPUT"
    await _award(gql, tokens["dispatcher"], a, "70000")
    error = await _err(gql, tokens["dispatcher"], "awardProject", "AwardProjectInput", _award_input(b, "70000"))
    assert _code(error) == "BAD_USER_INPUT" and error["extensions"]["reason"] == "BUDGET_EXCEEDED"
    assert error["extensions"]["remainingYuan"] == "30000.00"
    # Nothing half-written: b is still PROPOSED with no award, the fund spent 70,000 only.
    row = await _project_row(db, b["id"])
    assert row.state == "PROPOSED" and row.awarded_fen is None and row.contest_name is None
    assert (await _fund_row(db, fund["id"])).awarded_fen == 7_000_000
    # Exactly what is left can be awarded; then nothing more.
    b2 = await _award(gql, tokens["dispatcher"], b, "30000")
    assert b2["fund"]["remaining"] == "0.00"
    # The budget cannot be lowered below what was awarded; raising it is fine.
    assert _code(await _err(gql, tokens["admin"], "setFundBudget", "SetFundBudgetInput",
                            {"kind": "ANNUAL_ALLOCATION", "year": 2042, "budget": "99999.99"})) == "BAD_USER_INPUT"
    raised = await _fund(gql, tokens, "ANNUAL_ALLOCATION", 2042, "120000")
    assert raised["remaining"] == "20000.00" and raised["awarded"] == "100000.00"


async def test_concurrent_awards_over_http_never_overspend(gql: Any, tokens: dict, db: Any) -> None:
    fund = await _fund(gql, tokens, "SPECIAL_FUND", 2043, "100000")
    org = await _org(gql, tokens["admin"])
    futai = to_global_id("Community", await _pk(db, Community, "福泰社区"))
    projects_ = [await _propose(gql, tokens["dispatcher"], org, fund, "40000", communityId=futai) for _ in range(6)]
    bodies = await asyncio.gather(*[
        _call(gql, tokens["dispatcher"], "awardProject", "AwardProjectInput", _award_input(p, "40000"), "project { id state }")
        for p in projects_])
    won = [b for b in bodies if "errors" not in b]
    lost = [b for b in bodies if "errors" in b]
    assert len(won) == 2 and len(lost) == 4
    assert all(b["errors"][0]["extensions"].get("reason") == "BUDGET_EXCEEDED" for b in lost)
    row = await _fund_row(db, fund["id"])
    async with db.read() as conn:
        spent = (await conn.execute(select(func.sum(ServiceProject.awarded_fen)).where(ServiceProject.fund_id == row.id))).scalar_one()
    assert row.awarded_fen == spent == 8_000_000 <= row.budget_fen


async def test_concurrent_award_sessions_wait_and_recheck(gql: Any, tokens: dict, db: Any) -> None:
    """Two write sessions: the first awards and holds its transaction open while the second tries;
    the second must wait and then find the money gone (PostgreSQL re-checks under the row lock,
    SQLite makes the second writer wait for the first)."""
    fund = await _fund(gql, tokens, "SPECIAL_FUND", 2044, "50000")
    org = await _org(gql, tokens["admin"])
    futai = to_global_id("Community", await _pk(db, Community, "福泰社区"))
    p1 = await _propose(gql, tokens["dispatcher"], org, fund, "30000", communityId=futai)
    p2 = await _propose(gql, tokens["dispatcher"], org, fund, "30000", communityId=futai)
    center = Actor(user_id=2, username="dispatcher", display_name="呼应中心调度员", role=Role.CENTER_DISPATCHER)
    award = projects.AwardInput(contest_kind=ContestKind.ROADSHOW, contest_name="路演答辩(并发测试)", contest_on=_today(), amount_fen=3_000_000)

    async def second() -> str:
        async with db.sessions() as s2:
            try:
                await projects.award_project(s2, center, from_global_id(p2["id"], "ServiceProject")[1], award)
                await s2.commit()
                return "awarded"
            except BadUserInput as e:
                await s2.rollback()
                return e.extra.get("reason", "")

    async with db.sessions() as s1:
        await projects.award_project(s1, center, from_global_id(p1["id"], "ServiceProject")[1], award)
        if db.dialect == "postgresql":
            # SQLite's second writer would wait for the file lock inside its thread; on PostgreSQL it
            # queues on the fund row while the first transaction is still open.
            task = asyncio.create_task(second())
            await asyncio.sleep(0.3)
            await s1.commit()
            outcome = await task
        else:
            await s1.commit()
            outcome = await second()
    assert outcome == "BUDGET_EXCEEDED"
    assert (await _fund_row(db, fund["id"])).awarded_fen == 3_000_000
    assert (await _project_row(db, p2["id"])).state == "PROPOSED"


# -- permissions ----------------------------------------------------------------------------------

async def test_roles_without_business_get_nothing(gql: Any, tokens: dict, db: Any) -> None:
    fund = await _fund(gql, tokens, "SPECIAL_FUND", 2045)
    org = await _org(gql, tokens["admin"], contactPhone="13800001111")
    futai = to_global_id("Community", await _pk(db, Community, "福泰社区"))
    project = await _propose(gql, tokens["community"], org, fund, "1000", communityId=futai)
    for role in ("partner", "volunteer", "grid", "leader", "fieldhead", "department", "evaluator"):
        token = tokens[role]
        data = await gql.ok("""query($p: ID!, $o: ID!, $f: ID!) { socialOrganisations(first: 5) { totalCount edges { node { id } } }
            serviceProjects(first: 5) { totalCount } funds(year: 2045) { id }
            p: node(id: $p) { id } o: node(id: $o) { id } f: node(id: $f) { id } }""",
                            {"p": project["id"], "o": org["id"], "f": fund["id"]}, token=token)
        assert data["socialOrganisations"]["totalCount"] == 0 and data["serviceProjects"]["totalCount"] == 0, role
        assert data["funds"] == [] and data["p"] is None and data["o"] is None and data["f"] is None, role
        for mutation, input_type, inp in (
            ("createSocialOrganisation", "CreateSocialOrganisationInput", {"kind": "SOCIAL_ORGANISATION", "name": "x", "registrationNo": "XYZ12345"}),
            ("updateSocialOrganisation", "UpdateSocialOrganisationInput", {"id": org["id"], "active": False}),
            ("setCommunityPartnership", "SetCommunityPartnershipInput", {"organisationId": org["id"], "communityId": futai, "space": "x",
                                                                         "services": "x", "startsOn": _today().isoformat()}),
            ("setFundBudget", "SetFundBudgetInput", {"kind": "SPECIAL_FUND", "year": 2045, "budget": "1"}),
            ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "1", "communityId": futai}),
            ("awardProject", "AwardProjectInput", _award_input(project, "1")),
            ("rejectProject", "RejectProjectInput", {"id": project["id"], "reason": "x"}),
            ("startProject", "ProjectStepInput", {"id": project["id"]}),
            ("recordProjectEvent", "RecordProjectEventInput", {"id": project["id"], "heldOn": _today().isoformat(), "title": "x", "peopleServed": 1}),
            ("completeProject", "CompleteProjectInput", {"id": project["id"], "summary": "x"}),
        ):
            assert _code(await _err(gql, token, mutation, input_type, inp)) == "FORBIDDEN", (role, mutation)
    assert (await _project_row(db, project["id"])).state == "PROPOSED"
    # Not signed in: UNAUTHENTICATED.
    body = await gql.post("{ serviceProjects(first: 1) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert _code(await _err(gql, None, "awardProject", "AwardProjectInput", _award_input(project, "1"))) == "UNAUTHENTICATED"


async def test_scoped_readers_and_community_workers(gql: Any, tokens: dict, db: Any) -> None:
    fund = await _fund(gql, tokens, "ANNUAL_ALLOCATION", 2046)
    org = await _org(gql, tokens["admin"])
    futai_pk = await _pk(db, Community, "福泰社区")
    futai, dahaiyang = to_global_id("Community", futai_pk), to_global_id("Community", await _pk(db, Community, "大海阳社区"))
    mine = await _propose(gql, tokens["community"], org, fund, "1000", communityId=futai)
    theirs = await _propose(gql, tokens["dispatcher"], org, fund, "1000", communityId=dahaiyang)
    # A community worker proposes only for its own community and never awards.
    assert _code(await _err(gql, tokens["community"], "proposeProject", "ProposeProjectInput",
                            {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "1", "communityId": dahaiyang})) == "FORBIDDEN"
    assert _code(await _err(gql, tokens["community"], "awardProject", "AwardProjectInput", _award_input(mine, "1000"))) == "FORBIDDEN"
    assert _code(await _err(gql, tokens["community"], "createSocialOrganisation", "CreateSocialOrganisationInput",
                            {"kind": "SOCIAL_ORGANISATION", "name": "x", "registrationNo": "NOPE12345"})) == "FORBIDDEN"
    for p in (mine, theirs):
        await _award(gql, tokens["dispatcher"], p, "1000")
    await _step(gql, tokens["community"], "startProject", {"id": mine["id"]})
    assert _code(await _err(gql, tokens["community"], "startProject", "ProjectStepInput", {"id": theirs["id"]})) == "FORBIDDEN"
    await _step(gql, tokens["dispatcher"], "startProject", {"id": theirs["id"]})
    assert _code(await _err(gql, tokens["community"], "recordProjectEvent", "RecordProjectEventInput",
                            {"id": theirs["id"], "heldOn": _today().isoformat(), "title": "x", "peopleServed": 3})) == "FORBIDDEN"
    await _event(gql, tokens["community"], mine, 3)

    async def visible(token: str) -> set[str]:
        data = await gql.ok("query($f: ID!) { serviceProjects(first: 100, filter: {fundId: $f}) { edges { node { id } } } }",
                            {"f": fund["id"]}, token=token)
        return {e["node"]["id"] for e in data["serviceProjects"]["edges"]}

    assert await visible(tokens["community"]) == {mine["id"]}
    assert await visible(tokens["street"]) == {mine["id"]}  # 幸福街道: 福泰 is one of its communities, 大海阳 is not
    assert await visible(tokens["district"]) == await visible(tokens["dispatcher"]) == {mine["id"], theirs["id"]}
    node = await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": theirs["id"]}, token=tokens["community"])
    assert node["node"] is None
    # The district leader and the street read, but do not manage.
    for role in ("district", "street"):
        assert _code(await _err(gql, tokens[role], "awardProject", "AwardProjectInput", _award_input(theirs, "1"))) == "FORBIDDEN"
        assert _code(await _err(gql, tokens[role], "setFundBudget", "SetFundBudgetInput", {"kind": "SPECIAL_FUND", "year": 2046})) == "FORBIDDEN"
    # Partnerships: a community manages its own only.
    assert _code(await _err(gql, tokens["community"], "setCommunityPartnership", "SetCommunityPartnershipInput",
                            {"organisationId": org["id"], "communityId": dahaiyang, "space": "活动室", "services": "x",
                             "startsOn": _today().isoformat()})) == "FORBIDDEN"
    filtered = await gql.ok('query($s: ID!) { serviceProjects(first: 100, filter: {streetId: $s, state: RUNNING, year: 2046}) { totalCount } }',
                            {"s": to_global_id("Street", await _pk(db, Street, "幸福街道"))}, token=tokens["dispatcher"])
    assert filtered["serviceProjects"]["totalCount"] == 1


# -- personal data: contacts ----------------------------------------------------------------------

async def test_contact_masked_except_center_admin_and_partner_communities(gql: Any, tokens: dict, db: Any) -> None:
    org = await _org(gql, tokens["admin"], contactName="张晓梅", contactPhone="13912345678")
    assert org["contactPhone"] == "13912345678" and org["contactView"] == "WHOLE"
    dahaiyang = await _worker(db, gql, "大海阳社区")
    query = "query($id: ID!) { node(id: $id) { ... on SocialOrganisation { contactName contactPhone contactView } } }"

    async def seen(token: str) -> dict:
        return (await gql.ok(query, {"id": org["id"]}, token=token))["node"]

    assert await seen(tokens["dispatcher"]) == {"contactName": "张晓梅", "contactPhone": "13912345678", "contactView": "WHOLE"}
    for token in (tokens["district"], tokens["street"], tokens["community"], dahaiyang):
        assert await seen(token) == {"contactName": "张**", "contactPhone": "139****5678", "contactView": "MASKED"}

    async def audits() -> int:
        async with db.read() as conn:
            return (await conn.execute(select(func.count()).where(AuditEntry.action == "READ_PERSONAL", AuditEntry.target == "SocialOrganisation",
                                                                  AuditEntry.detail.contains(str(from_global_id(org["id"])[1]))))).scalar_one()

    before = await audits()
    # 大海阳 takes the agency on as a community partner: its workers now see the contact whole (and it is audited).
    partnership = await _ok(gql, dahaiyang, "setCommunityPartnership", "SetCommunityPartnershipInput", {
        "organisationId": org["id"], "communityId": to_global_id("Community", await _pk(db, Community, "大海阳社区")),
        "space": "活动室 60㎡", "services": "每月两场认知症筛查", "startsOn": (_today() - timedelta(days=1)).isoformat(),
        "endsOn": (_today() + timedelta(days=365)).isoformat()}, "partnership { space current version community { name } organisation { name } }")
    p = partnership["partnership"]
    assert p["current"] is True and p["community"]["name"] == "大海阳社区" and p["version"] == 1
    assert (await seen(dahaiyang))["contactPhone"] == "13912345678"
    assert await audits() == before + 1
    assert (await seen(tokens["community"]))["contactView"] == "MASKED"  # 福泰 is not a partner
    listed = await gql.ok('query($c: ID!) { socialOrganisations(first: 10, filter: {communityId: $c, search: "测试社工机构"}) { edges { node { id contactPhone } } } }',
                          {"c": to_global_id("Community", await _pk(db, Community, "大海阳社区"))}, token=dahaiyang)
    assert {"id": org["id"], "contactPhone": "13912345678"} in [e["node"] for e in listed["socialOrganisations"]["edges"]]
    # Suspending the partnership masks it again; a stale version is a CONFLICT.
    inp = {"organisationId": org["id"], "communityId": to_global_id("Community", await _pk(db, Community, "大海阳社区")), "space": "活动室 60㎡",
           "services": "暂停", "startsOn": (_today() - timedelta(days=1)).isoformat(), "active": False}
    assert _code(await _err(gql, dahaiyang, "setCommunityPartnership", "SetCommunityPartnershipInput", {**inp, "version": 7})) == "CONFLICT"
    await _ok(gql, dahaiyang, "setCommunityPartnership", "SetCommunityPartnershipInput", {**inp, "version": 1}, "partnership { version }")
    assert (await seen(dahaiyang))["contactView"] == "MASKED"
    # Changing a contact is audited.
    await _ok(gql, tokens["admin"], "updateSocialOrganisation", "UpdateSocialOrganisationInput",
              {"id": org["id"], "contactPhone": "13900000000", "version": org["version"]}, "organisation { version }")
    async with db.read() as conn:
        changed = (await conn.execute(select(func.count()).where(AuditEntry.action == "CHANGE_PERSONAL",
                                                                 AuditEntry.target == f"SocialOrganisation:{from_global_id(org['id'])[1]}"))).scalar_one()
    assert changed == 2  # created with a contact, then changed


# -- bad input ------------------------------------------------------------------------------------

async def test_bad_input_is_coded_and_writes_nothing(gql: Any, tokens: dict, db: Any) -> None:
    async def counts() -> tuple[int, int, int]:
        async with db.read() as conn:
            return tuple([(await conn.execute(select(func.count()).select_from(m.__table__))).scalar_one()  # type: ignore[return-value]
                          for m in (SocialOrganisation, ServiceProject, ServiceProjectEvent)])

    admin = tokens["admin"]
    org = await _org(gql, admin)
    plain = await _org(gql, admin, kind="SOCIAL_ORGANISATION")
    fund = await _fund(gql, tokens, "SPECIAL_FUND", 2047)
    futai = to_global_id("Community", await _pk(db, Community, "福泰社区"))
    project = await _propose(gql, tokens["dispatcher"], org, fund, "5000", communityId=futai)
    project = await _award(gql, tokens["dispatcher"], project, "5000")
    project = await _step(gql, tokens["community"], "startProject", {"id": project["id"]})
    proposed = await _propose(gql, tokens["dispatcher"], org, fund, "5000", communityId=futai)
    before = await counts()

    bad = [
        ("createSocialOrganisation", "CreateSocialOrganisationInput", {"kind": "SOCIAL_ORGANISATION", "name": "x", "registrationNo": "bad no!"}, "BAD_USER_INPUT"),
        ("createSocialOrganisation", "CreateSocialOrganisationInput", {"kind": "SOCIAL_ORGANISATION", "name": " ", "registrationNo": "GOOD12345"}, "BAD_USER_INPUT"),
        ("createSocialOrganisation", "CreateSocialOrganisationInput", {"kind": "SOCIAL_ORGANISATION", "name": "x", "registrationNo": "GOOD12346", "contactPhone": "call me"}, "BAD_USER_INPUT"),
        ("createSocialOrganisation", "CreateSocialOrganisationInput", {"kind": "SOCIAL_ORGANISATION", "name": "x", "registrationNo": org["registrationNo"]}, "CONFLICT"),
        ("setCommunityPartnership", "SetCommunityPartnershipInput", {"organisationId": plain["id"], "communityId": futai, "space": "x", "services": "x",
                                                                     "startsOn": _today().isoformat()}, "BAD_USER_INPUT"),
        ("setCommunityPartnership", "SetCommunityPartnershipInput", {"organisationId": org["id"], "communityId": futai, "space": "x", "services": "x",
                                                                     "startsOn": _today().isoformat(), "endsOn": (_today() - timedelta(days=1)).isoformat()}, "BAD_USER_INPUT"),
        ("setCommunityPartnership", "SetCommunityPartnershipInput", {"organisationId": futai, "communityId": futai, "space": "x", "services": "x",
                                                                     "startsOn": _today().isoformat()}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "-5", "communityId": futai}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "1.005", "communityId": futai}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "abc", "communityId": futai}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": 10.5, "communityId": futai}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "10",
                                                   "communityId": futai, "streetId": to_global_id("Street", 1)}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "10"}, "BAD_USER_INPUT"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": to_global_id("Fund", 999999), "requested": "10",
                                                   "communityId": futai}, "NOT_FOUND"),
        ("proposeProject", "ProposeProjectInput", {"title": "x", "organisationId": org["id"], "fundId": fund["id"], "requested": "99999999", "communityId": futai}, "BAD_USER_INPUT"),
        ("recordProjectEvent", "RecordProjectEventInput", {"id": project["id"], "heldOn": (_today() + timedelta(days=2)).isoformat(), "title": "x", "peopleServed": 1}, "BAD_USER_INPUT"),
        ("recordProjectEvent", "RecordProjectEventInput", {"id": project["id"], "heldOn": _today().isoformat(), "title": "x", "peopleServed": -1}, "BAD_USER_INPUT"),
        ("recordProjectEvent", "RecordProjectEventInput", {"id": project["id"], "heldOn": _today().isoformat(), "title": "", "peopleServed": 1}, "BAD_USER_INPUT"),
        ("recordProjectEvent", "RecordProjectEventInput", {"id": project["id"], "heldOn": (_today() - timedelta(days=400)).isoformat(), "title": "x", "peopleServed": 1}, "BAD_USER_INPUT"),
        ("recordProjectEvent", "RecordProjectEventInput", {"id": to_global_id("ServiceProject", 999999), "heldOn": _today().isoformat(), "title": "x", "peopleServed": 1}, "NOT_FOUND"),
        ("awardProject", "AwardProjectInput", {**_award_input(proposed, "1"), "contestOn": (_today() + timedelta(days=1)).isoformat()}, "BAD_USER_INPUT"),
        ("awardProject", "AwardProjectInput", {**_award_input(proposed, "1"), "contestName": "  "}, "BAD_USER_INPUT"),
        ("setFundBudget", "SetFundBudgetInput", {"kind": "SPECIAL_FUND", "year": 1999}, "BAD_USER_INPUT"),
        ("setFundBudget", "SetFundBudgetInput", {"kind": "SPECIAL_FUND", "year": 2047, "budget": "0"}, "BAD_USER_INPUT"),
    ]
    for mutation, input_type, inp, code in bad:
        token = tokens["community"] if mutation == "recordProjectEvent" else admin
        error = await _err(gql, token, mutation, input_type, inp)
        assert _code(error) == code, (mutation, inp, error)
        assert error["message"], error
    assert await counts() == before
    row = await _project_row(db, project["id"])
    assert row.version == project["version"] and row.state == "RUNNING"
    row = await _project_row(db, proposed["id"])
    assert row.version == proposed["version"] and row.state == "PROPOSED" and row.awarded_fen is None
    assert (await _fund_row(db, fund["id"])).awarded_fen == 500_000
    # Pages of more than 100 are refused.
    body = await gql.post("{ serviceProjects(first: 101) { totalCount } }", token=admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql.post('{ serviceProjects(first: 1, filter: {fundId: "nonsense"}) { totalCount } }', token=admin)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nested_project_list_costs_no_statement_per_row(gql: Any, tokens: dict, count_statements: Any) -> None:
    query = """query($n: Int!) { serviceProjects(first: $n) { edges { node { title eventCount peopleServed events { title }
      organisation { name contactPhone partnerships { space } } fund { name remaining } community { name } street { name } } } } }"""
    await gql.ok(query, {"n": 1}, token=tokens["district"])
    with count_statements() as few:
        small = await gql.ok(query, {"n": 2}, token=tokens["district"])
    with count_statements() as many:
        large = await gql.ok(query, {"n": 20}, token=tokens["district"])
    assert len(small["serviceProjects"]["edges"]) == 2 and len(large["serviceProjects"]["edges"]) > 2
    # No per-row queries: 18 more projects would add ≥ 18 statements. A DataLoader batch can split
    # in two when its loads land in different event-loop ticks under load, hence one of allowance.
    # Reads only: an operation's one audit row (a personal field of an organisation other tests
    # made, read on the longer page) is not a statement per row.
    reads = [[s for s in c.statements if not s.lstrip().upper().startswith("INSERT INTO AUDIT_ENTRY")] for c in (few, many)]
    assert len(reads[1]) <= len(reads[0]) + 1, reads[1]
