"""台账导入 in a real browser (Debian's Chromium under Playwright, the app under uvicorn on this
session's database): the administrator opens 系统管理 → 台账导入, downloads the buildings template,
uploads a file with bad rows and reads the dry run's errors by row number, fixes the file, checks it
again, imports it watching the progress bar run to the end, and finds the import in the history.
The buildings it adds carry this module's tag and are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest_asyncio
from sqlalchemy import func, select

from db.models import Building
from resolvers.imports.reader import read_file
from tests.browser_helpers import Recorder, is_local
from tests.conftest import LiveServer
from tests.browser_fixtures import shot
from tests.test_import_registers import csv_bytes, purge, xlsx

TIMEOUT_MS = 20_000
TAG = f"浏{uuid.uuid4().hex[:6]}"
HEADER = ["所属社区", "所属网格", "楼栋名称", "详细地址", "户数"]


@pytest_asyncio.fixture(scope="module")
async def server(app: Any, settings: Any, db: Any, console_dist: None) -> Any:
    srv = LiveServer(settings)
    await asyncio.to_thread(srv.wait_ready)
    yield srv
    srv.stop()
    await purge(db, TAG, f"nobody{TAG}")


async def wait_js(page: Any, expression: str, timeout: float = TIMEOUT_MS) -> Any:
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = await page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        await asyncio.sleep(0.1)


async def test_dry_run_errors_fix_and_import_with_progress(server: Any, browser: Any, db: Any) -> None:
    net = Recorder()
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1440, "height": 900},
                                        accept_downloads=True)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)

    await page.goto(server.url + "/console/admin/import")
    await page.fill("input[name=username]", "admin")
    await page.fill("input[name=password]", "demo")
    await page.click("form[aria-label=登录] button[type=submit]")
    await page.wait_for_selector("[data-testid=admin-import]", timeout=TIMEOUT_MS)
    await page.wait_for_selector("[data-testid=import-register] option[value=BUILDINGS]", state="attached", timeout=TIMEOUT_MS)
    await page.select_option("[data-testid=import-register]", "BUILDINGS")
    await page.wait_for_selector("[data-testid=import-columns] li", timeout=TIMEOUT_MS)

    # The template comes down through a signed link and reads back as an empty buildings register.
    async with page.expect_download(timeout=TIMEOUT_MS) as download_info:
        await page.click("[data-action=template-xlsx]")
    download = await download_info.value
    (sheet,) = read_file("template.xlsx", (await asyncio.to_thread(open(await download.path(), "rb").read)), "BUILDINGS")
    assert sheet.missing == [] and sheet.rows == [] and sheet.examples_skipped == 1

    bad = [HEADER,
           ["福泰社区", "福泰社区第1网格", "1号楼", f"{TAG}路1号", 20],
           [f"{TAG}无此社区", "福泰社区第1网格", "2号楼", f"{TAG}路2号", 20],
           ["福泰社区", "福泰社区第1网格", "3号楼", f"{TAG}路3号", "很多"]]
    await page.set_input_files("[data-testid=import-file]", files=[{"name": "楼栋-有错.csv", "mimeType": "text/csv",
                                                                   "buffer": csv_bytes(bad, "gb18030")}])
    await page.click("[data-action=dry-run]")
    await page.wait_for_selector("[data-testid=import-job][data-status=DONE][data-dry-run='1']", timeout=TIMEOUT_MS)
    await page.wait_for_selector("[data-testid=import-errors] tbody tr", timeout=TIMEOUT_MS)
    rows = await page.eval_on_selector_all(
        "[data-testid=import-errors] tbody tr", "trs => trs.map(tr => [tr.dataset.row, tr.dataset.column, tr.innerText])")
    assert [(r[0], r[1]) for r in rows] == [("3", "所属社区"), ("4", "户数")], rows
    assert "社区不存在" in rows[0][2] and "整数" in rows[1][2]
    assert await page.is_disabled("[data-action=import]")  # nothing can be imported until the check passes
    await page.screenshot(path=shot("import-dry-run-errors"), full_page=True)

    good = [HEADER] + [["福泰社区", "福泰社区第1网格", f"{n}号楼", f"{TAG}路{n}号", 20 + n] for n in range(1, 4)]
    await page.set_input_files("[data-testid=import-file]", files=[{"name": "楼栋.xlsx", "mimeType": "application/octet-stream",
                                                                   "buffer": xlsx({"楼栋": good})}])
    await page.click("[data-action=dry-run]")
    await page.wait_for_selector("[data-testid=import-job][data-status=DONE][data-dry-run='1']", timeout=TIMEOUT_MS)
    summary = await page.inner_text("[data-testid=import-summary]")
    assert "将新增 3" in summary and "问题" not in summary
    b = Building.__table__
    async with db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(b).where(b.c.address.like(f"{TAG}%")))).scalar_one()
    assert before == 0

    await page.wait_for_selector("[data-action=import]:not([disabled])", timeout=TIMEOUT_MS)
    await page.click("[data-action=import]")
    await page.wait_for_selector("[data-testid=import-job][data-dry-run='0']", timeout=TIMEOUT_MS)
    await page.wait_for_selector("[data-testid=import-progress][data-finished='1']", timeout=TIMEOUT_MS)
    assert await page.get_attribute("[data-testid=import-progress]", "aria-valuenow") == "100"
    assert await page.get_attribute("[data-testid=import-job]", "data-status") == "DONE"
    assert "已新增 3" in await page.inner_text("[data-testid=import-summary]")
    await wait_js(page, "() => [...document.querySelectorAll('[data-testid=import-history] tr[data-status=DONE]')]"
                        ".some(tr => tr.innerText.includes('楼栋.xlsx'))")
    await page.wait_for_timeout(400)  # let the bar's width transition end before the screenshot
    await page.screenshot(path=shot("import-done"), full_page=True)
    async with db.read() as conn:
        after = (await conn.execute(select(func.count()).select_from(b).where(b.c.address.like(f"{TAG}%")))).scalar_one()
    assert after == 3

    assert all(is_local(u) for u in net.urls), [u for u in net.urls if not is_local(u)]
    assert net.page_errors == []
    await context.close()
