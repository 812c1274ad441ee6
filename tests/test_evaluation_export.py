"""The evaluation page's Excel downloads (issue #7 item 7): the community ranking and the street
assessment of a year, the department KPIs of a period, a unit's monthly KPI trend and the league
table of a unit kind, as signed links whose sheets carry the same numbers as the GraphQL fields,
with the fields' access rules, checked again at download."""

import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import openpyxl
import pytest_asyncio
from sqlalchemy import select

RANKING = """query($y: Int!, $s: ID) { communityRanking(year: $y, streetId: $s) { rows {
  position rank mark phoneScore fieldScore total community { name } street { id name } } } }"""
EXPORT = """query($k: EvaluationExportKind!, $y: Int, $s: ID, $f: Date, $t: Date, $d: ID) {
  evaluationExport(kind: $k, year: $y, streetId: $s, from: $f, to: $t, departmentId: $d) { kind title rowCount xlsxUrl } }"""
KPIS = """query($f: Date!, $t: Date!) { departmentKpis(from: $f, to: $t) { unitName responseRate acceptanceRate completionRate
  satisfactionRate deducted score } }"""
ME = "query { me { scopes { kind name } } }"


def _sheet_rows(content: bytes) -> tuple[list[str], list[tuple]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    i = next(n for n, r in enumerate(rows) if r and r[0] == rows_header_first(r))
    header = [c for c in rows[i] if c is not None]
    return header, [r for r in rows[i + 1:] if any(c is not None for c in r)]


def rows_header_first(row: tuple) -> str | None:
    return "序号" if row[0] == "序号" else "部门" if row[0] == "部门" else None


async def test_ranking_excel_has_the_same_numbers_as_the_api(gql: Any, tokens: dict[str, str], http: Any) -> None:
    api = (await gql.ok(RANKING, {"y": 2025}, token=tokens["district"]))["communityRanking"]["rows"]
    assert len(api) == 150
    export = (await gql.ok(EXPORT, {"k": "COMMUNITY_RANKING", "y": 2025}, token=tokens["district"]))["evaluationExport"]
    assert export["rowCount"] == 150 and export["xlsxUrl"].startswith("/exports/report?")
    response = await http.get(export["xlsxUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    header, rows = _sheet_rows(response.content)
    assert header[:8] == ["序号", "名次", "社区", "街道", "电话测评得分", "实地测评得分", "综合得分", "奖惩"]
    assert len(rows) == 150
    mark_zh = {"REWARD": "奖励", "PENALTY": "惩戒", "NONE": None}
    for a, x in zip(api, rows):
        assert (x[0], x[1], x[2], x[3]) == (a["position"], a["rank"], a["community"]["name"], a["street"]["name"])
        assert (x[4], x[5], x[6]) == (a["phoneScore"], a["fieldScore"], a["total"])
        assert x[7] == mark_zh[a["mark"]]
    futai = next(x for x in rows if x[2] == "福泰社区")
    assert futai[6] == 85.94 and futai[1] == 46
    assert sum(1 for x in rows if x[7] == "奖励") == sum(1 for a in api if a["mark"] == "REWARD") >= 10
    assert sum(1 for x in rows if x[7] == "惩戒") == sum(1 for a in api if a["mark"] == "PENALTY") >= 10


async def test_a_street_officer_exports_only_its_street(gql: Any, tokens: dict[str, str], http: Any) -> None:
    all_rows = (await gql.ok(RANKING, {"y": 2025}, token=tokens["district"]))["communityRanking"]["rows"]
    scopes = (await gql.ok(ME, token=tokens["street"]))["me"]["scopes"]
    own_names = {s["name"] for s in scopes if s["kind"] == "STREET"}
    assert own_names
    own = [r for r in all_rows if r["street"]["name"] in own_names]
    other = next(r["street"] for r in all_rows if r["street"]["name"] not in own_names)
    export = (await gql.ok(EXPORT, {"k": "COMMUNITY_RANKING", "y": 2025}, token=tokens["street"]))["evaluationExport"]
    assert export["rowCount"] == len(own) > 0
    _, rows = _sheet_rows((await http.get(export["xlsxUrl"])).content)
    assert {x[3] for x in rows} == own_names
    assert [(x[2], x[6]) for x in rows] == [(r["community"]["name"], r["total"]) for r in own]
    # Another street's ranking: refused, on the API and on a link forged for it.
    body = await gql.post(EXPORT, {"k": "COMMUNITY_RANKING", "y": 2025, "s": other["id"]}, token=tokens["street"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    from schema.ids import from_global_id

    forged = export["xlsxUrl"].replace("kind=COMMUNITY_RANKING", f"kind=COMMUNITY_RANKING&street={from_global_id(other['id'])[1]}")
    assert (await http.get(forged)).status_code == 403
    # A role that reads no evaluation gets FORBIDDEN.
    body = await gql.post(EXPORT, {"k": "COMMUNITY_RANKING", "y": 2025}, token=tokens["partner"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_expired_or_tampered_links_are_refused(gql: Any, tokens: dict[str, str], http: Any, settings: Any) -> None:
    from schema.api.reports import sign_export

    export = (await gql.ok(EXPORT, {"k": "COMMUNITY_RANKING", "y": 2025}, token=tokens["district"]))["evaluationExport"]
    url = export["xlsxUrl"]
    q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    # Tampered: another year, another user, a changed signature.
    assert (await http.get(url.replace("year=2025", "year=2024"))).status_code == 403
    assert (await http.get(url.replace(f"uid={q['uid']}", f"uid={int(q['uid']) + 1}"))).status_code == 403
    assert (await http.get(url.replace(f"sig={q['sig']}", "sig=" + "0" * 40))).status_code == 403
    # Expired, though correctly signed.
    params = {k: v for k, v in q.items() if k not in ("fmt", "uid", "exp", "sig")}
    past = int(time.time()) - 5
    sig = sign_export(settings.secret_key, int(q["uid"]), params, "xlsx", past)
    expired = "/exports/report?" + urlencode({**params, "fmt": "xlsx", "uid": q["uid"], "exp": str(past), "sig": sig})
    assert (await http.get(expired)).status_code == 403
    # A malformed one.
    assert (await http.get(url.replace("year=2025", "year=abc"))).status_code == 400
    # A year without a campaign is a coded error on the API.
    body = await gql.post(EXPORT, {"k": "COMMUNITY_RANKING", "y": 2019}, token=tokens["district"])
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_department_kpi_excel_matches_the_api(gql: Any, tokens: dict[str, str], http: Any) -> None:
    period = {"f": "2026-01-01", "t": "2026-12-31"}
    api = (await gql.ok(KPIS, period, token=tokens["dispatcher"]))["departmentKpis"]
    export = (await gql.ok(EXPORT, {"k": "DEPARTMENT_KPIS", **period}, token=tokens["dispatcher"]))["evaluationExport"]
    assert export["rowCount"] == len(api) > 0
    response = await http.get(export["xlsxUrl"])
    assert response.status_code == 200
    header, rows = _sheet_rows(response.content)
    assert header == ["部门", "响应率", "承办率", "办结率", "满意率", "超时响应扣分", "办理不合理扣分", "不满意扣分", "扣分合计", "考核得分"]
    for a, x in zip(api, rows):
        assert x[0] == a["unitName"]
        assert list(x[1:5]) == [a["responseRate"], a["acceptanceRate"], a["completionRate"], a["satisfactionRate"]]
        assert (x[8], x[9]) == (a["deducted"], a["score"])
    # A department handler's link holds its own department only.
    own = (await gql.ok(KPIS, period, token=tokens["department"]))["departmentKpis"]
    mine = (await gql.ok(EXPORT, {"k": "DEPARTMENT_KPIS", **period}, token=tokens["department"]))["evaluationExport"]
    _, rows = _sheet_rows((await http.get(mine["xlsxUrl"])).content)
    assert [x[0] for x in rows] == [a["unitName"] for a in own] and len(own) < len(api)
    # A period that ends before it starts is a coded error.
    body = await gql.post(EXPORT, {"k": "DEPARTMENT_KPIS", "f": "2026-05-01", "t": "2026-04-01"}, token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# ---------------------------------------------------------------------------------------------
# Street assessment, KPI trend and league table: seeded KPI facts, compared with the fields.
#
# The KPI world lives in 2013 (Asia/Shanghai), a year no other test uses; its requests are CLOSED
# and carry no current deadline. Each deduction is a late response (an assignment never answered
# by its response deadline), so the scores differ by unit, with ties: 区城市管理局 and 公安芝罘分局
# lose 3 points each, a third department 1; 幸福街道 1 and another street 2; one of 幸福街道's
# sections 1. The browser test of the evaluation page reuses it (`seed_kpi_2013`).

TREND = """query($d: ID!, $y: Int!, $k: KpiUnitKind!) { kpiTrend(departmentId: $d, year: $y, unitKind: $k) {
  unitName periodFrom responseRate acceptanceRate completionRate satisfactionRate lateResponses refusedResolutions
  unsatisfiedRatings deducted score } }"""
UNIT_KPIS = """query($k: KpiUnitKind!, $f: Date!, $t: Date!) { unitKpis(unitKind: $k, from: $f, to: $t) {
  unitId unitName responseRate acceptanceRate completionRate satisfactionRate deducted score } }"""
STREETS = """query($y: Int!, $s: ID) { streetAssessment(year: $y, streetId: $s) { rows {
  communityCount scoredCommunityCount meanPhoneScore satisfactionPoints street { id name } } } }"""
EXPORT_UNIT = """query($k: EvaluationExportKind!, $y: Int, $s: ID, $f: Date, $t: Date, $d: ID, $u: KpiUnitKind) {
  evaluationExport(kind: $k, year: $y, streetId: $s, from: $f, to: $t, departmentId: $d, unitKind: $u) { kind title rowCount xlsxUrl } }"""
YEAR_2013 = {"f": "2013-01-01", "t": "2013-12-31"}
KPI_CODE_PREFIX = "EXK13"


@dataclass
class KpiWorld:
    departments: dict[str, int]  # name → id of the three departments with deductions
    own_street: int  # 幸福街道 (the demo `street` login)
    other_street: int
    section: int  # one of 幸福街道's sections


async def seed_kpi_2013(db: Any) -> KpiWorld:
    """Idempotent: the browser test and this module may both call it in one session."""
    from db.models import Assignment, Community, Department, Request, Street, StreetSection

    d, s, sec, c, r = Department.__table__, Street.__table__, StreetSection.__table__, Community.__table__, Request.__table__
    async with db.read() as conn:
        deps = dict((await conn.execute(select(d.c.name, d.c.id).order_by(d.c.id))).all())
        streets = dict((await conn.execute(select(s.c.name, s.c.id).order_by(s.c.id))).all())
        own = streets["幸福街道"]
        section = (await conn.execute(select(sec.c.id).where(sec.c.street_id == own).order_by(sec.c.id).limit(1))).scalar_one()
        community = (await conn.execute(select(c.c.id, c.c.street_id).order_by(c.c.id.desc()).limit(1))).one()
        seeded = (await conn.execute(select(r.c.id).where(r.c.tracking_code.like(f"{KPI_CODE_PREFIX}%")).limit(1))).first()
    third = next(name for name in deps if name not in ("区城市管理局", "公安芝罘分局"))
    world = KpiWorld({n: deps[n] for n in ("区城市管理局", "公安芝罘分局", third)}, own,
                     next(i for n, i in streets.items() if n != "幸福街道"), section)
    if seeded:
        return world
    late = [  # (unit kind, unit id, local month, day) — one late response each
        *[("DEPARTMENT", deps["区城市管理局"], 3, day) for day in (4, 5)], ("DEPARTMENT", deps["区城市管理局"], 6, 10),
        *[("DEPARTMENT", deps["公安芝罘分局"], 5, day) for day in (6, 7, 8)], ("DEPARTMENT", deps[third], 9, 9),
        ("STREET", own, 4, 2), *[("STREET", world.other_street, 8, day) for day in (1, 2)], ("SECTION", section, 11, 3),
    ]
    async with db.write() as session:
        for n, (kind, unit, month, day) in enumerate(late, start=1):
            at = datetime(2013, month, day, 2, tzinfo=UTC)  # 10:00 local
            req = Request(tracking_code=f"{KPI_CODE_PREFIX}{n:03d}", channel="HOTLINE", title=f"导出测试{n}", text="导出测试",
                          occurred_at=at, created_at=at, updated_at=at, community_id=community.id, street_id=community.street_id,
                          state="CLOSED", scope="MAJOR", version=1)
            session.add(req)
            await session.flush()
            session.add(Assignment(request_id=req.id, unit_kind=kind, unit_id=unit, role="LEAD", round=1, status="PENDING",
                                   active=False, assigned_at=at, response_due_at=at + timedelta(hours=2), responded_at=None,
                                   resolve_due_at=None))
    return world


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def kpi_world(db: Any) -> KpiWorld:
    return await seed_kpi_2013(db)


async def _xlsx(http: Any, url: str) -> tuple[str, list[str], list[tuple]]:
    """The title, header and body rows of a downloaded evaluation sheet."""
    response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = [c for c in rows[1] if c is not None]
    return rows[0][0], header, [r[:len(header)] for r in rows[2:] if any(c is not None for c in r)]


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


KPI_FIGURES = ["responseRate", "acceptanceRate", "completionRate", "satisfactionRate", "lateResponses", "refusedResolutions",
               "unsatisfiedRatings", "deducted", "score"]


async def test_street_assessment_excel_matches_the_api(gql: Any, tokens: dict[str, str], http: Any) -> None:
    api = (await gql.ok(STREETS, {"y": 2025}, token=tokens["district"]))["streetAssessment"]["rows"]
    assert len(api) == 12 and all(a["meanPhoneScore"] is not None for a in api)
    export = (await gql.ok(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2025}, token=tokens["district"]))["evaluationExport"]
    assert export["kind"] == "STREET_ASSESSMENT" and export["rowCount"] == 12
    disposition = (await http.get(export["xlsxUrl"])).headers["content-disposition"]
    assert 'filename="street_assessment-2025.xlsx"' in disposition
    title, header, rows = await _xlsx(http, export["xlsxUrl"])
    assert "2025" in title and "街道考核" in title
    assert header == ["街道", "社区数", "有电话测评得分的社区数", "电话测评平均分", "群众满意度得分"]
    assert rows == [(a["street"]["name"], a["communityCount"], a["scoredCommunityCount"], a["meanPhoneScore"],
                     a["satisfactionPoints"]) for a in api]
    # One street, as the field answers it.
    one = api[3]["street"]
    api_one = (await gql.ok(STREETS, {"y": 2025, "s": one["id"]}, token=tokens["district"]))["streetAssessment"]["rows"]
    export = (await gql.ok(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2025, "s": one["id"]}, token=tokens["district"]))["evaluationExport"]
    _, _, rows = await _xlsx(http, export["xlsxUrl"])
    assert [(x[0], x[4]) for x in rows] == [(a["street"]["name"], a["satisfactionPoints"]) for a in api_one] and len(rows) == 1


async def test_street_assessment_export_keeps_the_fields_access_rules(gql: Any, tokens: dict[str, str], http: Any) -> None:
    from schema.ids import from_global_id

    own = (await gql.ok(STREETS, {"y": 2025}, token=tokens["street"]))["streetAssessment"]["rows"]
    assert [a["street"]["name"] for a in own] == ["幸福街道"]
    export = (await gql.ok(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2025}, token=tokens["street"]))["evaluationExport"]
    _, _, rows = await _xlsx(http, export["xlsxUrl"])
    assert rows == [(a["street"]["name"], a["communityCount"], a["scoredCommunityCount"], a["meanPhoneScore"],
                     a["satisfactionPoints"]) for a in own]
    other = next(a["street"] for a in (await gql.ok(STREETS, {"y": 2025}, token=tokens["district"]))["streetAssessment"]["rows"]
                 if a["street"]["name"] != "幸福街道")
    # Another street: FORBIDDEN on the field and on the export, and a link forged for it is refused.
    assert _code(await gql.post(STREETS, {"y": 2025, "s": other["id"]}, token=tokens["street"])) == "FORBIDDEN"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2025, "s": other["id"]}, token=tokens["street"])) == "FORBIDDEN"
    forged = export["xlsxUrl"].replace("kind=STREET_ASSESSMENT", f"kind=STREET_ASSESSMENT&street={from_global_id(other['id'])[1]}")
    assert (await http.get(forged)).status_code == 403
    # Roles the field refuses, the export refuses; a community worker reads the ranking but not the streets.
    for role in ("department", "community", "partner"):
        assert _code(await gql.post(STREETS, {"y": 2025}, token=tokens[role])) == "FORBIDDEN", role
        assert _code(await gql.post(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2025}, token=tokens[role])) == "FORBIDDEN", role
    assert _code(await gql.post(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2025})) == "UNAUTHENTICATED"
    # No campaign: the field answers null, the export NOT_FOUND; no year: BAD_USER_INPUT.
    assert (await gql.ok(STREETS, {"y": 2019}, token=tokens["district"]))["streetAssessment"] is None
    assert _code(await gql.post(EXPORT_UNIT, {"k": "STREET_ASSESSMENT", "y": 2019}, token=tokens["district"])) == "NOT_FOUND"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "STREET_ASSESSMENT"}, token=tokens["district"])) == "BAD_USER_INPUT"


async def test_kpi_trend_excel_matches_the_api(gql: Any, tokens: dict[str, str], http: Any, kpi_world: KpiWorld) -> None:
    from schema.ids import to_global_id

    dept = to_global_id("Department", kpi_world.departments["区城市管理局"])
    api = (await gql.ok(TREND, {"d": dept, "y": 2013, "k": "DEPARTMENT"}, token=tokens["department"]))["kpiTrend"]
    assert [a["deducted"] for a in api] == [0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    export = (await gql.ok(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": dept}, token=tokens["department"]))["evaluationExport"]
    assert export["rowCount"] == 12
    title, header, rows = await _xlsx(http, export["xlsxUrl"])
    assert title.startswith("区城市管理局") and "2013" in title
    assert header == ["月份", "响应率", "承办率", "办结率", "满意率", "超时响应扣分", "办理不合理扣分", "不满意扣分", "扣分合计", "考核得分"]
    assert rows == [(a["periodFrom"][:7], *(a[k] for k in KPI_FIGURES)) for a in api]
    # A street's trend (unitKind STREET, the street's ID in departmentId), for the dispatcher.
    street = to_global_id("Street", kpi_world.other_street)
    api = (await gql.ok(TREND, {"d": street, "y": 2013, "k": "STREET"}, token=tokens["dispatcher"]))["kpiTrend"]
    export = (await gql.ok(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": street, "u": "STREET"}, token=tokens["dispatcher"]))["evaluationExport"]
    _, _, rows = await _xlsx(http, export["xlsxUrl"])
    assert rows == [(a["periodFrom"][:7], *(a[k] for k in KPI_FIGURES)) for a in api]
    assert rows[7][-2:] == (2, 98)  # August: two late responses


async def test_kpi_trend_export_keeps_the_fields_access_rules(gql: Any, tokens: dict[str, str], http: Any, kpi_world: KpiWorld) -> None:
    from schema.ids import from_global_id, to_global_id

    own = to_global_id("Department", kpi_world.departments["区城市管理局"])
    other = to_global_id("Department", kpi_world.departments["公安芝罘分局"])
    # A department handler: another department's trend is FORBIDDEN, on the field and on the export.
    assert _code(await gql.post(TREND, {"d": other, "y": 2013, "k": "DEPARTMENT"}, token=tokens["department"])) == "FORBIDDEN"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": other}, token=tokens["department"])) == "FORBIDDEN"
    mine = (await gql.ok(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": own}, token=tokens["department"]))["evaluationExport"]
    forged = mine["xlsxUrl"].replace(f"department={from_global_id(own)[1]}", f"department={from_global_id(other)[1]}")
    assert forged != mine["xlsxUrl"] and (await http.get(forged)).status_code == 403
    # A street officer reads its own street's trend, not another street's, and no department's.
    street = to_global_id("Street", kpi_world.own_street)
    ok = (await gql.ok(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": street, "u": "STREET"}, token=tokens["street"]))["evaluationExport"]
    _, _, rows = await _xlsx(http, ok["xlsxUrl"])
    assert [r[-1] for r in rows] == [100, 100, 100, 99] + [100] * 8
    other_street = to_global_id("Street", kpi_world.other_street)
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": other_street, "u": "STREET"}, token=tokens["street"])) == "FORBIDDEN"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": own}, token=tokens["street"])) == "FORBIDDEN"
    for role in ("evaluator", "community", "partner"):
        assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": own}, token=tokens[role])) == "FORBIDDEN", role
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": own})) == "UNAUTHENTICATED"
    # An ID of the wrong kind, a missing unit or year: BAD_USER_INPUT, as on the field.
    assert _code(await gql.post(TREND, {"d": street, "y": 2013, "k": "DEPARTMENT"}, token=tokens["dispatcher"])) == "BAD_USER_INPUT"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013, "d": street}, token=tokens["dispatcher"])) == "BAD_USER_INPUT"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "y": 2013}, token=tokens["dispatcher"])) == "BAD_USER_INPUT"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "KPI_TREND", "d": own}, token=tokens["dispatcher"])) == "BAD_USER_INPUT"


def expected_league(api: list[dict]) -> list[tuple]:
    """The league rule computed here on the API's rows: higher score first, then by name; a unit's
    rank is 1 + the number of units with a strictly higher score (equal scores share a rank)."""
    ordered = sorted(api, key=lambda a: (-a["score"], a["unitName"]))
    return [(1 + sum(1 for b in api if b["score"] > a["score"]), a["unitName"], a["score"], a["deducted"], a["responseRate"],
             a["acceptanceRate"], a["completionRate"], a["satisfactionRate"]) for a in ordered]


async def test_league_table_excel_matches_unit_kpis_with_ranks(gql: Any, tokens: dict[str, str], http: Any, kpi_world: KpiWorld) -> None:
    names = list(kpi_world.departments)
    for kind in ("DEPARTMENT", "STREET", "SECTION"):
        api = (await gql.ok(UNIT_KPIS, {"k": kind, **YEAR_2013}, token=tokens["dispatcher"]))["unitKpis"]
        export = (await gql.ok(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": kind, **YEAR_2013}, token=tokens["dispatcher"]))["evaluationExport"]
        assert export["kind"] == "UNIT_KPIS" and export["rowCount"] == len(api) > 0
        title, header, rows = await _xlsx(http, export["xlsxUrl"])
        assert "排行榜" in title and "2013-01-01" in title
        assert header == ["名次", "单位", "考核得分", "扣分合计", "响应率", "承办率", "办结率", "满意率"]
        assert rows == expected_league(api), kind
        if kind == "DEPARTMENT":
            # Everyone else at 100 shares rank 1; the third department next; the two that lost 3 points share the last rank.
            n = len(rows)
            assert [r[:3] for r in rows[-3:]] == [(n - 2, names[2], 99), (n - 1, "公安芝罘分局", 97), (n - 1, "区城市管理局", 97)]
            assert {r[0] for r in rows[:-3]} == {1}
            assert rows[-1][4] == 0.0  # its response rate: 0 of 3 in time
        if kind == "STREET":
            assert [r[2] for r in rows[-2:]] == [99, 98] and rows[-2][1] == "幸福街道" and rows[-1][0] == len(rows)


async def test_league_export_keeps_the_fields_access_rules(gql: Any, tokens: dict[str, str], http: Any, kpi_world: KpiWorld) -> None:
    # A department handler: its own department only (rank 1 of 1); streets are not its to see.
    api = (await gql.ok(UNIT_KPIS, {"k": "DEPARTMENT", **YEAR_2013}, token=tokens["department"]))["unitKpis"]
    export = (await gql.ok(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": "DEPARTMENT", **YEAR_2013}, token=tokens["department"]))["evaluationExport"]
    _, _, rows = await _xlsx(http, export["xlsxUrl"])
    assert rows == expected_league(api) and [r[:3] for r in rows] == [(1, "区城市管理局", 97)]
    assert _code(await gql.post(UNIT_KPIS, {"k": "STREET", **YEAR_2013}, token=tokens["department"])) == "FORBIDDEN"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": "STREET", **YEAR_2013}, token=tokens["department"])) == "FORBIDDEN"
    forged = export["xlsxUrl"].replace("unit=DEPARTMENT", "unit=STREET")
    assert forged != export["xlsxUrl"] and (await http.get(forged)).status_code == 403
    assert (await http.get(export["xlsxUrl"].replace("unit=DEPARTMENT", "unit=CITY"))).status_code == 400  # malformed
    # A street officer: its street, and its street's sections.
    for kind, count in (("STREET", 1), ("SECTION", None)):
        api = (await gql.ok(UNIT_KPIS, {"k": kind, **YEAR_2013}, token=tokens["street"]))["unitKpis"]
        export = (await gql.ok(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": kind, **YEAR_2013}, token=tokens["street"]))["evaluationExport"]
        _, _, rows = await _xlsx(http, export["xlsxUrl"])
        assert rows == expected_league(api) and (count is None or len(rows) == count)
    assert _code(await gql.post(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": "DEPARTMENT", **YEAR_2013}, token=tokens["street"])) == "FORBIDDEN"
    for role in ("evaluator", "community", "partner"):
        assert _code(await gql.post(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": "DEPARTMENT", **YEAR_2013}, token=tokens[role])) == "FORBIDDEN", role
    assert _code(await gql.post(EXPORT_UNIT, {"k": "UNIT_KPIS", "u": "DEPARTMENT", **YEAR_2013})) == "UNAUTHENTICATED"
    # The arguments the field needs: a unit kind and a well-formed period.
    assert _code(await gql.post(EXPORT_UNIT, {"k": "UNIT_KPIS", **YEAR_2013}, token=tokens["dispatcher"])) == "BAD_USER_INPUT"
    bad = {"k": "UNIT_KPIS", "u": "STREET", "f": "2013-06-01", "t": "2013-05-01"}
    assert _code(await gql.post(EXPORT_UNIT, bad, token=tokens["dispatcher"])) == "BAD_USER_INPUT"
    assert _code(await gql.post(EXPORT_UNIT, {"k": "DEPARTMENT_KPIS", "u": "STREET", **YEAR_2013}, token=tokens["dispatcher"])) == "BAD_USER_INPUT"
