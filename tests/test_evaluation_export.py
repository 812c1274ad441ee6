"""The evaluation page's Excel downloads (issue #7 item 7): the community ranking of a year and the
department KPIs of a period, as signed links whose sheets carry the same numbers as the GraphQL
fields, with access checked again at download."""

import io
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import openpyxl

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
