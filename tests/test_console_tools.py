"""The admin shell's tabs that other roles use too, in a real browser: the center's dispatcher
reaches 12345 orders and QR stickers from the wall, a grid worker its QR stickers from its queue,
a community worker from its tab strip; each sees only the tabs its role may use, and an admin all
of them. (What each tab does is tested with its area.)"""

from __future__ import annotations

from typing import Any

from tests.browser_fixtures import new_page, shot, sign_in
from tests.browser_helpers import Recorder, is_local

ALL_TABS = ["users", "org", "taxonomy", "holidays", "import", "qr", "orders"]


async def tabs(page: Any) -> list[str]:
    await page.wait_for_selector("[data-testid=admin-nav] button", timeout=15_000)
    return await page.eval_on_selector_all("[data-testid=admin-nav] button", "els => els.map(e => e.dataset.tab)")


async def test_each_role_sees_its_own_tools(browser: Any, server: Any, net: Recorder) -> None:
    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, "admin")
    assert await tabs(page) == ALL_TABS  # the admin lands on 系统管理
    await ctx.close()

    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, "dispatcher")
    await page.click("[data-testid=link-tools]")
    assert await tabs(page) == ["qr", "orders"]
    assert page.url.endswith("/console/admin/orders")
    # An admin-only tab asked for by address falls back to one the role may use.
    await page.goto(server.url + "/console/admin/users")
    assert await tabs(page) == ["qr", "orders"]
    assert await page.get_attribute("[data-testid=admin-nav] button[aria-current=page]", "data-tab") == "qr"
    await page.screenshot(path=shot("tools-dispatcher"), full_page=True)
    await ctx.close()

    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, "grid")
    await page.click("[data-testid=link-tools]")
    assert await tabs(page) == ["qr"]
    await ctx.close()

    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, "community")
    await page.click("[data-testid=community-nav] button[data-tab=qr]")
    assert await tabs(page) == ["qr"]
    await page.click("[data-testid=link-home]")
    await page.wait_for_selector("[data-testid=community-nav]", timeout=15_000)
    await ctx.close()

    # A role with no tools is not given the shell.
    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, "department")
    await page.goto(server.url + "/console/admin/qr")
    await page.wait_for_timeout(500)
    assert await page.locator("[data-testid=admin]").count() == 0
    await ctx.close()


async def test_nothing_came_from_the_internet(net: Recorder) -> None:
    assert net.urls, "the pages loaded something"
    assert not [u for u in net.urls if not is_local(u)]
    assert not net.page_errors, net.page_errors
