"""The console's evaluation page (issue #7 item 7) in a real browser: Debian's Chromium under
Playwright against the app under uvicorn on this session's database. The district leader goes from
the wall to /console/evaluation, sees the 2025 ranking (150 rows, the REWARD / PENALTY marks the API
gives), the charts render, a row's drill-down opens, the department KPI table shows, and the Excel
link downloads a workbook with the same rows. On the 2013 KPI facts of test_evaluation_export the
league table (单位排行榜) ranks departments and streets as the API's scores rank them, its chart
renders, and every table's Excel button (street assessment, monthly trend, league table) downloads
the rows the page shows. An evaluator lands on the page directly. Screenshots go to
test-artifacts/console/; every URL the pages requested is checked to be local."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl

from tests.browser_helpers import Recorder, is_local
from tests.browser_fixtures import shot
from tests.test_evaluation_export import expected_league, seed_kpi_2013

SIZE = {"width": 1600, "height": 1000}
TIMEOUT_MS = 20_000
RANKING = "query { communityRanking(year: 2025) { rows { mark total community { name } } } }"
UNIT_KPIS = """query($k: KpiUnitKind!) { unitKpis(unitKind: $k, from: "2013-01-01", to: "2013-12-31") {
  unitName responseRate acceptanceRate completionRate satisfactionRate deducted score } }"""


async def open_page(browser: Any, net: Recorder) -> tuple[Any, Any]:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=SIZE, accept_downloads=True)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
    return context, page


async def sign_in(page: Any, base: str, username: str) -> None:
    await page.goto(base + "/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", "demo")
    await page.click("form[aria-label=登录] button[type=submit]")


async def api(base: str, username: str, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/graphql", json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                                "variables": {"i": {"username": username, "password": "demo"}}})
        token = r.json()["data"]["login"]["token"]
        r = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers={"authorization": f"Bearer {token}"})
        return r.json()["data"]


async def api_ranking(base: str, username: str) -> list[dict]:
    return (await api(base, username, RANKING))["communityRanking"]["rows"]


async def download_rows(page: Any, test_id: str) -> tuple[list[str], list[tuple]]:
    """Click an Excel button; the downloaded sheet's header and body rows."""
    async with page.expect_download(timeout=TIMEOUT_MS) as info:
        await page.click(f"[data-testid={test_id}]")
    download = await info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(await download.path(), "rb") as f:
        table = list(openpyxl.load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))
    header = [c for c in table[1] if c is not None]
    return header, [r[:len(header)] for r in table[2:] if any(c is not None for c in r)]


async def page_rows(page: Any, table: str) -> list[list[str]]:
    return await page.locator(f"[data-testid={table}] tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))")


def pct(v: float | None) -> str:
    return "无数据" if v is None else f"{v * 100:.1f}%"


async def test_district_leader_reads_the_ranking_charts_and_downloads_excel(browser: Any, server: Any, net: Recorder) -> None:
    api = await api_ranking(server.url, "district")
    rewards = sum(1 for r in api if r["mark"] == "REWARD")
    penalties = sum(1 for r in api if r["mark"] == "PENALTY")
    assert rewards >= 10 and penalties >= 10
    context, page = await open_page(browser, net)
    try:
        await sign_in(page, server.url, "district")
        # From the wall's header to the evaluation page.
        await page.wait_for_selector("[data-testid=link-evaluation]", timeout=TIMEOUT_MS)
        await page.click("[data-testid=link-evaluation]")
        await page.wait_for_url("**/console/evaluation", timeout=TIMEOUT_MS)
        await page.wait_for_selector("[data-testid=ranking-table] tbody tr[data-mark]", timeout=TIMEOUT_MS)
        rows = page.locator("[data-testid=ranking-table] tbody tr[data-mark]")
        assert await rows.count() == 150
        assert await page.locator("tr[data-mark=REWARD]").count() == rewards
        assert await page.locator("tr[data-mark=PENALTY]").count() == penalties
        assert await page.input_value("[data-testid=eval-year]") == "2025"
        futai = page.locator("[data-testid=ranking-table] tbody tr", has_text="福泰社区")
        assert "85.94" in await futai.inner_text()
        # The charts render on canvases.
        for chart in ("chart-histogram", "chart-scatter"):
            await page.wait_for_selector(f"[data-testid={chart}] canvas", timeout=TIMEOUT_MS)
        # The street assessment and the department KPIs (no requests in the demo: 无数据 rates).
        await page.wait_for_selector("[data-testid=street-table] tbody tr", timeout=TIMEOUT_MS)
        await page.wait_for_selector("[data-testid=kpi-table] tbody tr", timeout=TIMEOUT_MS)
        assert "无数据" in await page.locator("[data-testid=kpi-table]").inner_text()
        await page.screenshot(path=shot("evaluation"), full_page=False)
        # A row's drill-down: phone aspects and field scores.
        await futai.click()
        await page.wait_for_selector("[data-testid=eval-drill] table tbody tr", timeout=TIMEOUT_MS)
        assert "福泰社区" in await page.locator("[data-testid=eval-drill]").inner_text()
        await page.screenshot(path=shot("evaluation-drill"))
        # A department's monthly trend chart.
        await page.locator("[data-testid=kpi-table] tbody tr").first.click()
        await page.wait_for_selector("[data-testid=chart-kpi-trend] canvas", timeout=TIMEOUT_MS)
        await page.screenshot(path=shot("evaluation-kpi"), full_page=True)
        # The Excel link downloads the same 150 rows.
        async with page.expect_download(timeout=TIMEOUT_MS) as info:
            await page.click("[data-testid=export-ranking]")
        download = await info.value
        path = await download.path()
        sheet = openpyxl.load_workbook(io.BytesIO(open(path, "rb").read())).active
        table = list(sheet.iter_rows(values_only=True))
        start = next(i for i, r in enumerate(table) if r and r[0] == "序号")
        body = [r for r in table[start + 1:] if r and r[0] is not None]
        assert len(body) == 150
        assert [(r[2], r[6]) for r in body] == [(a["community"]["name"], a["total"]) for a in api]
        assert download.suggested_filename == "community_ranking-2025.xlsx"
    finally:
        await context.close()


async def test_league_table_and_every_tables_excel_button(browser: Any, server: Any, net: Recorder, db: Any) -> None:
    await seed_kpi_2013(db)
    departments = (await api(server.url, "district", UNIT_KPIS, {"k": "DEPARTMENT"}))["unitKpis"]
    streets = (await api(server.url, "district", UNIT_KPIS, {"k": "STREET"}))["unitKpis"]
    context, page = await open_page(browser, net)
    try:
        await sign_in(page, server.url, "district")
        await page.wait_for_selector("[data-testid=link-evaluation]", timeout=TIMEOUT_MS)
        await page.goto(server.url + "/console/evaluation")
        # The street assessment's Excel button: the rows of the table on the page.
        await page.wait_for_selector("[data-testid=street-table] tbody tr", timeout=TIMEOUT_MS)
        shown = await page_rows(page, "street-table")
        header, rows = await download_rows(page, "export-streets")
        assert header[0] == "街道" and len(rows) == len(shown) == 12
        assert [[r[0], str(r[1]), str(r[2]), f"{r[3]:.2f}", f"{r[4]:.2f}"] for r in rows] == shown
        # The league table of 2013: departments by default, ranked as the API's scores rank them.
        await page.fill("[data-testid=league-from]", "2013-01-01")
        assert await page.input_value("[data-testid=league-to]") == "2013-12-31"  # moved along: one year
        await page.wait_for_selector("[data-testid=league-table] tbody tr[data-rank]", timeout=TIMEOUT_MS)
        await page.wait_for_function("n => document.querySelectorAll('[data-testid=league-table] tbody tr[data-rank]').length === n",
                                     arg=len(departments), timeout=TIMEOUT_MS)
        await page.wait_for_selector("[data-testid=chart-league] canvas", timeout=TIMEOUT_MS)
        assert "并列" in await page.inner_text("[data-testid=league-legend]")
        expected = [[str(e[0]), e[1], str(e[2]), str(e[3]), *(pct(v) for v in e[4:])] for e in expected_league(departments)]
        shown = await page_rows(page, "league-table")
        assert shown == expected
        n = len(shown)
        assert [r[:3] for r in shown[-2:]] == [[str(n - 1), "公安芝罘分局", "97"], [str(n - 1), "区城市管理局", "97"]]
        # Its Excel button: the same rows, the same ranks.
        header, rows = await download_rows(page, "export-league")
        assert header[:4] == ["名次", "单位", "考核得分", "扣分合计"]
        assert [[str(r[0]), r[1], str(r[2]), str(r[3]), *(pct(v) for v in r[4:])] for r in rows] == shown
        await page.screenshot(path=shot("evaluation-league"), full_page=True)
        # Streets: the switch re-ranks; a unit's row opens its monthly trend, whose Excel button gives 12 months.
        await page.click("[data-testid=league-kind-STREET]")
        await page.wait_for_function("() => document.querySelectorAll('[data-testid=league-table] tbody tr[data-rank]').length === 12",
                                     timeout=TIMEOUT_MS)
        shown = await page_rows(page, "league-table")
        assert [r[:4] for r in shown] == [[str(e[0]), e[1], str(e[2]), str(e[3])] for e in expected_league(streets)]
        assert shown[-1][2] == "98" and shown[-1][0] == "12" and shown[-2][1:3] == ["幸福街道", "99"]
        await page.locator("[data-testid=league-table] tbody tr", has_text=shown[-1][1]).click()
        await page.wait_for_selector("[data-testid=chart-league-trend] canvas", timeout=TIMEOUT_MS)
        header, rows = await download_rows(page, "export-league-trend")
        assert header[0] == "月份" and [r[0] for r in rows] == [f"2013-{m:02d}" for m in range(1, 13)]
        assert [r[-1] for r in rows] == [100] * 7 + [98] + [100] * 4  # the two late responses of August
        # A department's trend in the department table, and its Excel button.
        await page.locator("[data-testid=kpi-table] tbody tr", has_text="区城市管理局").click()
        await page.wait_for_selector("[data-testid=chart-kpi-trend] canvas", timeout=TIMEOUT_MS)
        header, rows = await download_rows(page, "export-trend")
        assert [r[-2] for r in rows] == [0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0]  # deductions in March and June
        await page.screenshot(path=shot("evaluation-trend"), full_page=True)
        assert await page.locator("[role=alert]").count() == 0
    finally:
        await context.close()


async def test_an_evaluator_lands_on_the_evaluation_page(browser: Any, server: Any, net: Recorder) -> None:
    context, page = await open_page(browser, net)
    try:
        await sign_in(page, server.url, "evaluator")
        await page.wait_for_selector("[data-testid=ranking-table] tbody tr[data-mark]", timeout=TIMEOUT_MS)
        assert await page.locator("[data-testid=ranking-table] tbody tr[data-mark]").count() == 150
        assert await page.locator("[data-testid=kpi-table]").count() == 0  # KPIs are not an evaluator's
        await page.screenshot(path=shot("evaluation-evaluator"))
    finally:
        await context.close()


async def test_nothing_came_from_the_internet(net: Recorder) -> None:
    assert net.urls
    outside = [u for u in net.urls if not is_local(u)]
    assert outside == []
    assert net.page_errors == []
