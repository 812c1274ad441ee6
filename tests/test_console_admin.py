"""The admin console in a real browser (Debian's Chromium under Playwright) against the app under
uvicorn on this session's database: the admin signs in and lands on 系统管理 (账号与权限), creates
a community worker's login — picking its community — and reads the temporary password shown once;
the new login signs in with it. The admin disables it: the row shows 停用, the login no longer
works and the audit log lists the change. Then, in 节假日, the admin enters a day off in a year
nobody has entered and sees it in the list and the calendar; the API agrees. The other admin tabs
(单位与组织, 分类与时限) show their lists. Every URL is local; screenshots go to
test-artifacts/console/."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import delete

from db.models import Holiday, HolidayYear
from tests.browser_fixtures import new_page, shot as _shot, sign_in
from tests.browser_helpers import Recorder, is_local
from tests.conftest import GQL

TIMEOUT_MS = 15_000
YEAR = 2093  # a year nobody has entered; its rows are deleted afterwards


def shot(name: str) -> str:
    return _shot(f"admin-{name}")


@pytest_asyncio.fixture
async def holidays_undone(db: Any) -> Any:
    yield
    async with db.engine.begin() as conn:
        await conn.execute(delete(Holiday.__table__).where(Holiday.__table__.c.day >= date(YEAR, 1, 1), Holiday.__table__.c.day <= date(YEAR, 12, 31)))
        await conn.execute(delete(HolidayYear.__table__).where(HolidayYear.__table__.c.year == YEAR))


async def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = TIMEOUT_MS) -> Any:
    """Poll a JS function until truthy (the console's CSP forbids Playwright's wait_for_function)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = await page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            shown = (await page.evaluate("() => document.body.innerText"))[:1500]
            raise AssertionError(f"timed out waiting for {expression[:160]} ({arg!r}); the page shows:\n{shown}")
        await asyncio.sleep(0.1)


async def test_the_admin_creates_and_disables_a_login_and_enters_a_holiday(browser: Any, server: Any, api: httpx.AsyncClient,
                                                                       holidays_undone: None) -> None:
    net = Recorder()
    context, page = await new_page(browser, net)
    client = GQL(api)
    try:
        # Sign in: ADMIN's home is 系统管理, on its first tab.
        await sign_in(page, server.url, "admin")
        await page.wait_for_selector("[data-testid=admin] [data-testid=admin-users]", timeout=TIMEOUT_MS)
        assert await page.get_attribute("[data-testid=admin-nav] [data-tab=users]", "aria-current") == "page"
        await page.wait_for_selector("[data-testid=account][data-username=admin]", timeout=TIMEOUT_MS)

        # Create a community worker's login for 福泰社区, with a temporary password.
        username = f"futai-{uuid.uuid4().hex[:6]}"
        await page.click("[data-action=new-user]")
        form = page.locator("[data-testid=new-user-form]")
        await form.locator("input[name=username]").fill(username)
        await form.locator("input[name=displayName]").fill("福泰社区工作站·王")
        await form.locator("select[name=role]").select_option("COMMUNITY_WORKER")
        await form.locator("input[name=scopeSearch]").fill("福泰")
        await form.locator("[data-testid=scope-option][data-name=福泰社区]").click()
        await form.locator("[data-testid=scope-chip]").wait_for()
        assert "福泰社区" in await form.locator("[data-testid=scope-chip]").inner_text()
        await page.screenshot(path=shot("new-user"), full_page=True)
        await form.locator("[data-action=submit]").click()
        secret = page.locator("[data-testid=temporary-password]")
        await secret.wait_for(timeout=TIMEOUT_MS)
        temporary = (await secret.inner_text()).strip()
        assert len(temporary) == 12
        await page.screenshot(path=shot("temporary-password"), full_page=True)
        await page.click("[data-action=close-secret]")
        row = page.locator(f"[data-testid=account][data-username='{username}']")
        await row.wait_for(timeout=TIMEOUT_MS)
        assert await row.get_attribute("data-active") == "true"
        assert "社区工作站" in await row.inner_text() and "福泰社区" in await row.inner_text()
        token = await client.login(username, temporary)
        me = await client.ok("{ me { role scopes { name } } }", token=token)
        assert me["me"] == {"role": "COMMUNITY_WORKER", "scopes": [{"name": "福泰社区"}]}

        # Disable it: the row says so, its token and its password stop working, the audit log lists it.
        await row.locator("[data-action=disable]").click()
        reason = page.locator("[data-testid=reason-form]")
        await reason.locator("input[name=reason]").fill("人员调整")
        await reason.locator("[data-action=submit]").click()
        await page.wait_for_selector(f"[data-testid=account][data-username='{username}'][data-active=false]", timeout=TIMEOUT_MS)
        assert "停用" in await row.locator("[data-testid=account-state]").inner_text()
        refused = await client.post("{ me { username } }", token=token)
        assert refused["_status"] == 401
        again = await client.post("mutation($i: LoginInput!) { login(input: $i) { token } }", {"i": {"username": username, "password": temporary}})
        assert again["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await page.click("[data-testid=audit-log] .panel-head button")
        await page.wait_for_selector("[data-testid=audit-entry][data-action=USER_DISABLED]", timeout=TIMEOUT_MS)
        await page.screenshot(path=shot("disabled"), full_page=True)

        # The other tabs show their lists.
        await page.click("[data-testid=admin-nav] [data-tab=org]")
        await page.wait_for_selector("[data-testid=admin-org] [data-testid=unit][data-name=区城市管理局]", timeout=TIMEOUT_MS)
        await page.screenshot(path=shot("org"), full_page=True)
        await page.click("[data-testid=admin-nav] [data-tab=taxonomy]")
        await page.wait_for_selector("[data-testid=admin-taxonomy] [data-testid=subcategory][data-name=私搭乱建]", timeout=TIMEOUT_MS)
        await page.screenshot(path=shot("taxonomy"), full_page=True)

        # 节假日: a year nobody entered is estimated; enter a day off.
        await page.click("[data-testid=admin-nav] [data-tab=holidays]")
        await wait_js(page, "() => document.querySelector('[data-testid=admin-holidays] [data-testid=year-status]')")
        await page.fill("input[name=year]", str(YEAR))
        await wait_js(page, "(y) => document.querySelector('[data-testid=holiday-calendar] .day')?.dataset.date.startsWith(String(y))", YEAR)
        assert await page.get_attribute("[data-testid=year-status]", "data-estimated") == "true"
        await page.click("[data-action=new-day]")
        day = page.locator("[data-testid=holiday-form]")
        await day.locator("input[name=date]").fill(f"{YEAR}-10-08")
        await day.locator("input[name=name]").fill("国庆节")
        await day.locator("[data-action=submit]").click()
        await page.wait_for_selector(f"[data-testid=holiday][data-date='{YEAR}-10-08'][data-source=TABLE][data-workday=false]", timeout=TIMEOUT_MS)
        assert "off" in (await page.get_attribute(f"[data-testid=holiday-calendar] .day[data-date='{YEAR}-10-08']", "class")).split()
        await page.screenshot(path=shot("holidays"), full_page=True)
        admin_token = await client.login("admin")
        year = (await client.ok("query($y: Int!) { holidayYear(year: $y) { days { date isWorkday name source } } }", {"y": YEAR},
                             token=admin_token))["holidayYear"]
        assert year["days"] == [{"date": f"{YEAR}-10-08", "isWorkday": False, "name": "国庆节", "source": "TABLE"}]

        assert not net.page_errors, net.page_errors
        assert [u for u in net.urls if not is_local(u)] == []
    finally:
        await context.close()
