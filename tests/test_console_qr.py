"""楼栋二维码 in a real browser (Debian's Chromium under Playwright, the app under uvicorn on this
session's database: SQLite + memory, or PostgreSQL + Redis).

A resident scans a sticker whose code was replaced: the page says plainly that the code is
retired and to scan the new one at the door; the new code opens the building's form. The admin
opens 系统管理 › 楼栋二维码, picks a community, downloads a grid's sticker sheet (a real PDF whose
codes a decoder reads), finds a building, replaces its code after confirming, and the old code
stops working. Every URL is local; screenshots go to test-artifacts/console/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pypdfium2 as pdfium
import zxingcpp
from sqlalchemy import select

from db.models import Building, Community, Grid
from resolvers.qr.tokens import RETIRED_ZH
from schema.ids import to_global_id
from tests.browser_helpers import Recorder, is_local
from tests.browser_fixtures import shot
from tests.conftest import GQL

TIMEOUT_MS = 15_000
LAPTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
ROTATE = "mutation($i: RotateBuildingQrTokenInput!) { rotateBuildingQrToken(input: $i) { qrToken } }"
LOOKUP = "query($t: String!) { qrBuilding(token: $t) { buildingName } }"


async def new_page(browser: Any, net: Recorder, viewport: dict = LAPTOP) -> tuple[Any, Any]:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport, accept_downloads=True)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
    return context, page


async def building_in(db: Any, community: str, index: int) -> Any:
    b, c = Building.__table__, Community.__table__
    async with db.read() as conn:
        return (await conn.execute(
            select(b).join(c, c.c.id == b.c.community_id).where(c.c.name == community).order_by(b.c.id).offset(index).limit(1)
        )).one()


async def current_token(db: Any, building_id: int) -> str:
    async with db.read() as conn:
        return (await conn.execute(select(Building.qr_token).where(Building.id == building_id))).scalar_one()


async def text_of(page: Any, selector: str) -> str:
    el = await page.wait_for_selector(selector, timeout=TIMEOUT_MS)
    return (await el.inner_text()).strip()


async def test_resident_page_with_a_retired_code_says_to_scan_the_new_one(browser: Any, server: Any, api: httpx.AsyncClient,
                                                                         net: Recorder, db: Any) -> None:
    gql = GQL(api)
    b = await building_in(db, "进德社区", 88)
    old = b.qr_token
    new = (await gql.ok(ROTATE, {"i": {"buildingId": to_global_id("Building", b.id)}}, token=await gql.login("dispatcher")))[
        "rotateBuildingQrToken"]["qrToken"]

    ctx, page = await new_page(browser, net, PHONE)
    await page.goto(f"{server.url}/console/qr/{old}")
    message = await text_of(page, "[data-testid=qr-retired]")
    assert RETIRED_ZH in message
    assert await page.locator("form[aria-label=反映问题]").count() == 0  # nothing to submit with a retired code
    await page.screenshot(path=shot("qr-retired-resident"), full_page=True)

    # The new sticker's code opens the building's form.
    await page.goto(f"{server.url}/console/qr/{new}")
    place = await text_of(page, "[data-testid=qr-building]")
    assert b.name in place and b.address in place
    assert await page.locator("[data-testid=qr-retired]").count() == 0

    # An unknown code is not called retired.
    await page.goto(f"{server.url}/console/qr/never-issued-code")
    await page.wait_for_selector("form[aria-label=反映问题] .error, .res-card .error", timeout=TIMEOUT_MS)
    assert await page.locator("[data-testid=qr-retired]").count() == 0
    await ctx.close()


async def test_admin_downloads_a_grid_sheet_and_rotates_a_token(browser: Any, server: Any, api: httpx.AsyncClient, net: Recorder,
                                                               db: Any, tmp_path: Path) -> None:
    gql = GQL(api)
    community = "三里桥社区"
    b = await building_in(db, community, 61)
    old = b.qr_token
    async with db.read() as conn:
        grid_name = (await conn.execute(select(Grid.name).where(Grid.id == b.grid_id))).scalar_one()
        in_grid = (await conn.execute(select(Building.qr_token).where(Building.grid_id == b.grid_id))).scalars().all()

    ctx, page = await new_page(browser, net)
    await page.goto(server.url + "/console/")
    await page.fill("input[name=username]", "admin")
    await page.fill("input[name=password]", "demo")
    await page.click("form[aria-label=登录] button[type=submit]")
    await page.wait_for_selector("[data-testid=admin-nav]", timeout=TIMEOUT_MS)
    await page.click("[data-testid=admin-nav] [data-tab=qr]")
    await page.wait_for_selector("[data-testid=admin-qr]", timeout=TIMEOUT_MS)

    await page.fill("input[name=community-search]", "三里桥")
    await page.click(f"[data-testid=qr-communities] [data-community={community}]", timeout=TIMEOUT_MS)
    row = page.locator(f"[data-testid=qr-grids] tr[data-grid={grid_name}]")
    await row.wait_for(timeout=TIMEOUT_MS)

    # The grid's sheet downloads as a PDF whose codes are the grid's buildings.
    async with page.expect_download(timeout=TIMEOUT_MS) as info:
        await row.locator("[data-action=sheet-grid]").click()
    download = await info.value
    path = tmp_path / "sheet.pdf"
    await download.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        read = [r.text for i in range(len(doc)) for r in zxingcpp.read_barcodes(doc[i].render(scale=150 / 72).to_pil())]
    finally:
        doc.close()
    assert sorted(u.rsplit("/", 1)[1] for u in read) == sorted(in_grid)
    notice = await text_of(page, "[data-testid=qr-sheet]")
    assert grid_name in notice and f"{len(in_grid)} 栋" in notice

    # Find the building and replace its code, after confirming.
    await page.fill("input[name=building-search]", b.address)
    target = page.locator(f"[data-testid=qr-buildings] tr[data-building-id='{to_global_id('Building', b.id)}']")
    await target.wait_for(timeout=TIMEOUT_MS)
    assert (await target.locator("[data-testid=qr-token]").inner_text()).startswith(old[:6])
    await target.locator("[data-action=rotate]").click()
    confirm = await text_of(page, "[data-testid=qr-confirm]")
    assert b.address in confirm and RETIRED_ZH in confirm.replace("“", "").replace("”", "")
    await page.screenshot(path=shot("qr-admin-confirm"), full_page=True)
    await page.click("[data-action=confirm-rotate]")
    shown = await text_of(page, "[data-testid=qr-new-token]")
    await page.screenshot(path=shot("qr-admin-rotated"), full_page=True)

    new = await current_token(db, b.id)
    assert new != old and shown == new
    assert (await target.locator("[data-testid=qr-token]").inner_text()).startswith(new[:6])
    body = await gql.post(LOOKUP, {"t": old})
    assert body["errors"][0]["extensions"]["code"] == "QR_RETIRED"
    assert (await gql.ok(LOOKUP, {"t": new}))["qrBuilding"]["buildingName"] == b.name
    await ctx.close()

    foreign = sorted({u for u in net.urls if not is_local(u)})
    assert not foreign, foreign
    assert not net.page_errors, net.page_errors
    assert not net.console_errors, net.console_errors
