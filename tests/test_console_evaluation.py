"""The console's evaluation page (issue #7 item 7) in a real browser: Debian's Chromium under
Playwright against the app under uvicorn on this session's database. The district leader goes from
the wall to /console/evaluation, sees the 2025 ranking (150 rows, the REWARD / PENALTY marks the API
gives), the charts render, a row's drill-down opens, the department KPI table shows, and the Excel
link downloads a workbook with the same rows. An evaluator lands on the page directly. Screenshots
go to test-artifacts/console/; every URL the pages requested is checked to be local."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import openpyxl
import pytest
import pytest_asyncio

from tests.browser_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Recorder, ensure_console_built, is_local, require_chromium
from tests.conftest import BACKEND, LiveServer

SIZE = {"width": 1600, "height": 1000}
TIMEOUT_MS = 20_000
RANKING = "query { communityRanking(year: 2025) { rows { mark total community { name } } } }"


def shot(name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(ARTIFACTS / f"{name}-{BACKEND}.png")


@pytest.fixture(scope="module")
def console_dist() -> None:
    require_chromium()
    ensure_console_built()


@pytest_asyncio.fixture(scope="module")
async def server(app: Any, settings: Any, console_dist: None) -> Any:
    srv = LiveServer(settings)
    await asyncio.to_thread(srv.wait_ready)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def net() -> Recorder:
    return Recorder()


@pytest_asyncio.fixture(scope="module")
async def browser(console_dist: None) -> Any:
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    await chromium.close()
    await pw.stop()


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


async def api_ranking(base: str, username: str) -> list[dict]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/graphql", json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                                "variables": {"i": {"username": username, "password": "demo"}}})
        token = r.json()["data"]["login"]["token"]
        r = await client.post("/graphql", json={"query": RANKING}, headers={"authorization": f"Bearer {token}"})
        return r.json()["data"]["communityRanking"]["rows"]


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
