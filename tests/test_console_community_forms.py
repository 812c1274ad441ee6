"""The community console's forms for the time bank (时间银行) and the big-party-committee register
(大党委共建), in a real browser (Debian's Chromium under Playwright, the app under uvicorn on this
session's database: SQLite + memory, or PostgreSQL + Redis).

A 大海阳社区 worker (the community with the demo volunteers and the 54-item catalogue), in the
时间银行 tab: registers a volunteer; records 2 hours of service for them and confirms it (2 points
credited, the new balance shown); adds a catalogue item (1 in stock); redeems 免费理发 (2 points)
with a double click — exactly one redemption exists afterwards; is refused in Chinese when the
points have run out (INSUFFICIENT_POINTS) and when the stock does not cover the quantity
(OUT_OF_STOCK); reverses the redemption with a reason (the points come back); withdraws the added
item (the catalogue is 54 again). The books still sum to zero (timeBankBooks). In the 大党委共建
tab the worker adds a member unit and retires it, registers a 双报到 party member attached to a
member unit and records 1.5 hours of service for them. Every URL is local; screenshots go to
test-artifacts/console/.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from sqlalchemy import insert

from db.models import User, UserScope
from resolvers.passwords import hash_password
from tests.browser_helpers import Recorder, is_local
from tests.conftest import GQL
from tests.browser_fixtures import shot
from tests.partner_helpers import community_pk

LIVE_TIMEOUT_MS = 15_000
LAPTOP = {"width": 1440, "height": 900}
LOCAL = timezone(timedelta(hours=8))
COMMUNITY = "大海阳社区"
PARTNER_UNIT = "烟台市排水处养管所"


def yesterday() -> str:
    """A service date the server accepts whatever the hour (its 'today' is the machine's date;
    Shanghai's yesterday is never after it)."""
    return (datetime.now(LOCAL).date() - timedelta(days=1)).isoformat()


# ----------------------------------------------------------------------------- fixtures


async def new_page(browser: Any, net: Recorder, redeem_posts: list[str] | None = None) -> tuple[Any, Any]:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=LAPTOP)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
    if redeem_posts is not None:
        page.on("request", lambda req: req.method == "POST" and req.url.endswith("/graphql") and "redeem(" in (req.post_data or "")
                and redeem_posts.append(req.post_data or ""))
    return context, page


async def sign_in(page: Any, base: str, username: str, password: str) -> None:
    await page.goto(base + "/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("form[aria-label=登录] button[type=submit]")
    await page.wait_for_selector("[data-testid=live-status][data-status=online]", timeout=LIVE_TIMEOUT_MS)


async def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = LIVE_TIMEOUT_MS) -> Any:
    """Poll a JS function until it returns something truthy (the console's CSP forbids
    Playwright's wait_for_function; page.evaluate goes through DevTools)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = await page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            shown = (await page.evaluate("() => document.body.innerText"))[:1500]
            raise AssertionError(f"timed out waiting for {expression[:160]} ({arg!r}); the page shows:\n{shown}")
        await asyncio.sleep(0.1)


async def community_login(db: Any, community: str) -> tuple[str, str]:
    """A new COMMUNITY_WORKER sign-in for `community`; returns (username, password)."""
    username, password = f"t-cw-{uuid.uuid4().hex[:8]}", "pw-" + uuid.uuid4().hex[:10]
    cid = await community_pk(db, community)
    async with db.engine.begin() as conn:
        uid = (await conn.execute(insert(User.__table__).values(
            username=username, password_hash=await hash_password(password), display_name=f"{community}工作站", role="COMMUNITY_WORKER",
        ).returning(User.__table__.c.id))).scalar_one()
        await conn.execute(insert(UserScope.__table__).values(user_id=uid, kind="COMMUNITY", ref_id=cid))
    return username, password


async def text_of(locator: Any) -> str:
    return (await locator.inner_text()).strip()


# ----------------------------------------------------------------------------- 时间银行


async def test_time_bank_forms(browser: Any, server: Any, api: httpx.AsyncClient, net: Recorder, db: Any) -> None:
    mark = uuid.uuid4().hex[:6]
    gql = GQL(api)
    username, password = await community_login(db, COMMUNITY)
    worker = await gql.login(username, password)
    cid = (await gql.ok("query { me { scopes { refId } } }", token=worker))["me"]["scopes"][0]["refId"]
    books_before = (await gql.ok("query($c: ID!) { timeBankBooks(communityId: $c) { issued outstanding redeemed total balanced } }",
                                 {"c": cid}, token=worker))["timeBankBooks"]
    assert books_before["balanced"] and books_before["total"] == 0

    redeem_posts: list[str] = []
    ctx, page = await new_page(browser, net, redeem_posts)
    await sign_in(page, server.url, username, password)
    await page.click("[data-testid=community-nav] [data-tab=timebank]")
    await page.wait_for_selector("[data-testid=community-view][data-tab=timebank]")
    await page.wait_for_selector("[data-testid=catalogue-item]", timeout=LIVE_TIMEOUT_MS)
    assert await page.locator("[data-testid=catalogue-item]").count() == 54

    # Register a volunteer: an account is opened, balance 0.
    name = f"孙志愿{mark}"
    await page.click("[data-action=register-volunteer]")
    form = page.locator("[data-testid=register-volunteer-form]")
    await form.locator("input[name=name]").fill(name)
    await form.locator("input[name=phone]").fill("13800001234")
    await form.locator("input[name=skills]").fill("理发、助老陪护")
    await form.locator("[data-action=submit]").click()
    row = page.locator(f"[data-testid=timebank-account][data-name='{name}']")
    await row.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await text_of(row.locator("[data-testid=balance]")) == "0"
    volunteer_id = await row.get_attribute("data-volunteer-id")
    account = (await gql.ok("query($id: ID!) { node(id: $id) { ... on Volunteer { account { id balance } } } }",
                            {"id": volunteer_id}, token=worker))["node"]["account"]
    assert account["balance"] == 0

    # Record 2 hours of service for them, then confirm it: 2 points, the new balance shown.
    what = f"为独居老人上门理发{mark}"
    await row.locator("[data-action=service-for]").click()
    sform = page.locator("[data-testid=record-service-form]")
    await sform.locator("input[name=description]").fill(what)
    await sform.locator("input[name=servedOn]").fill(yesterday())
    await sform.locator("input[name=hours]").fill("2")
    assert await sform.locator(f"input[name=volunteer][data-name='{name}']").is_checked()
    await page.screenshot(path=shot("timebank-record-service"), full_page=True)
    await sform.locator("[data-action=submit]").click()
    record = page.locator(f"[data-testid=service-record][data-description='{what}']")
    await record.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await record.get_attribute("data-state") == "RECORDED"
    await record.locator("[data-action=confirm-service]").click()
    await page.wait_for_selector(f"[data-testid=service-record][data-description='{what}'][data-state=CONFIRMED]", timeout=LIVE_TIMEOUT_MS)
    assert f"{name} 余额 2 积分" in await text_of(page.locator("[data-testid=toast]"))
    await wait_js(page, "(n) => document.querySelector(`[data-testid=timebank-account][data-name='${n}'] [data-testid=balance]`)?.textContent.trim() === '2'", name)

    # A new catalogue item: 1 in stock.
    item_name = f"爱心雨伞{mark}"
    await page.click("[data-action=add-item]")
    iform = page.locator("[data-testid=catalogue-item-form]")
    await iform.locator("input[name=name]").fill(item_name)
    await iform.locator("select[name=kind]").select_option("ITEM")
    await iform.locator("input[name=price]").fill("0.5")
    await iform.locator("input[name=stock]").fill("1")
    await iform.locator("[data-action=submit]").click()
    added = page.locator(f"[data-testid=catalogue-item][data-name='{item_name}']")
    await added.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await page.locator("[data-testid=catalogue-item]").count() == 55
    assert await text_of(added.locator("[data-testid=stock]")) == "1"

    async def item_id(item: str) -> str:
        return await page.locator(f"[data-testid=catalogue-item][data-name='{item}']").get_attribute("data-item-id")

    # Redeem 免费理发 (2 points) with a double click: one redemption.
    await row.locator("[data-action=redeem-for]").click()
    rform = page.locator("[data-testid=redeem-form]")
    assert await text_of(rform.locator("[data-testid=redeem-balance]")) == "2"
    await rform.locator("select[name=item]").select_option(await item_id("免费理发"))
    await rform.locator("[data-action=submit]").dblclick()
    done = rform.locator("[data-testid=redeem-done]")
    await done.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert "免费理发" in await text_of(done)
    assert await text_of(rform.locator("[data-testid=redeem-balance]")) == "0"
    await page.screenshot(path=shot("timebank-redeemed"), full_page=True)
    redemptions = (await gql.ok("query($id: ID!) { timeBankAccount(id: $id) { balance redemptions { totalCount edges { node { id quantity amount item { name } } } } } }",
                                {"id": account["id"]}, token=worker))["timeBankAccount"]
    assert redemptions["redemptions"]["totalCount"] == 1, redemptions
    assert redemptions["redemptions"]["edges"][0]["node"]["item"]["name"] == "免费理发"
    assert redemptions["redemptions"]["edges"][0]["node"]["amount"] == 20 and redemptions["balance"] == 0
    # Whatever reached the server carried one idempotency key.
    assert 1 <= len(redeem_posts) <= 2
    assert len({json.loads(p)["variables"]["i"]["idempotencyKey"] for p in redeem_posts}) == 1

    # The points have run out: refused, in Chinese.
    await rform.locator("select[name=item]").select_option(await item_id("量血压测血糖"))
    await rform.locator("[data-action=submit]").click()
    err = rform.locator("[data-testid=form-error]")
    await err.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await err.get_attribute("data-code") == "INSUFFICIENT_POINTS"
    assert "积分余额不足" in await text_of(err)
    await page.screenshot(path=shot("timebank-insufficient-points"), full_page=True)

    # More than the stock: refused, in Chinese.
    await rform.locator("select[name=item]").select_option(await item_id(item_name))
    await rform.locator("input[name=quantity]").fill("2")
    await rform.locator("[data-action=submit]").click()
    await wait_js(page, "() => document.querySelector('[data-testid=redeem-form] [data-testid=form-error]')?.dataset.code === 'OUT_OF_STOCK'")
    assert "库存不足" in await text_of(err)
    assert (await gql.ok("query($id: ID!) { timeBankAccount(id: $id) { redemptions { totalCount } } }",
                         {"id": account["id"]}, token=worker))["timeBankAccount"]["redemptions"]["totalCount"] == 1
    await page.keyboard.press("Escape")

    # Reverse the redemption, with a reason: the 2 points come back.
    await row.locator("[data-action=ledger]").click()
    ledger = page.locator("[data-testid=account-ledger]")
    await ledger.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await text_of(ledger.locator("[data-testid=ledger-balance]")) == "0"
    line = ledger.locator("[data-testid=ledger-line][data-kind=REDEMPTION]")
    await line.locator("[data-action=reverse]").click()
    await line.locator("input[name=reason]").fill("居民未到场,理发未进行")
    await line.locator("[data-action=submit]").click()
    await page.wait_for_selector("[data-testid=account-ledger] [data-testid=ledger-line][data-kind=REVERSAL]", timeout=LIVE_TIMEOUT_MS)
    await page.wait_for_selector("[data-testid=ledger-line][data-kind=REDEMPTION][data-reversed=yes]")
    assert await text_of(ledger.locator("[data-testid=ledger-balance]")) == "2"
    await page.screenshot(path=shot("timebank-reversed"), full_page=True)
    await page.keyboard.press("Escape")
    await wait_js(page, "(n) => document.querySelector(`[data-testid=timebank-account][data-name='${n}'] [data-testid=balance]`)?.textContent.trim() === '2'", name)

    # Withdraw the added item: the catalogue is back to its 54 items.
    await added.locator("[data-action=retire-item]").click()
    await added.locator("[data-action=confirm-retire]").click()
    await wait_js(page, "() => document.querySelectorAll('[data-testid=catalogue-item]').length === 54")

    # The books still sum to zero, on the page and through the API.
    await wait_js(page, "() => document.querySelector('[data-testid=books-balanced]').textContent.includes('账平')")
    books = (await gql.ok("query($c: ID!) { timeBankBooks(communityId: $c) { issued outstanding redeemed total balanced } }",
                          {"c": cid}, token=worker))["timeBankBooks"]
    assert books["total"] == 0 and books["balanced"]
    assert books["issued"] == books["outstanding"] + books["redeemed"]
    assert books["issued"] == books_before["issued"] + 20  # the 2 points of service
    assert books["redeemed"] == books_before["redeemed"]  # the redemption was reversed
    await page.screenshot(path=shot("timebank-forms"), full_page=True)
    await ctx.close()


# ----------------------------------------------------------------------------- 大党委共建


async def test_partner_register_forms(browser: Any, server: Any, api: httpx.AsyncClient, net: Recorder, db: Any) -> None:
    mark = uuid.uuid4().hex[:6]
    gql = GQL(api)
    username, password = await community_login(db, COMMUNITY)
    worker = await gql.login(username, password)
    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, username, password)
    await page.click("[data-testid=community-nav] [data-tab=partners]")
    await page.wait_for_selector("[data-testid=community-view][data-tab=partners]")
    await page.wait_for_selector(f"[data-testid=partner-unit][data-name='{PARTNER_UNIT}']", timeout=LIVE_TIMEOUT_MS)
    units_before = int(await text_of(page.locator("[data-testid=unit-count] .kpi-value")))

    # A new member unit.
    unit = f"璜山物业服务中心{mark}"
    await page.click("[data-action=add-unit]")
    uform = page.locator("[data-testid=partner-unit-form]")
    await uform.locator("input[name=name]").fill(unit)
    await uform.locator("select[name=kind]").select_option("PROPERTY_COMPANY")
    await uform.locator("textarea[name=services]").fill("楼道保洁、公共设施维修")
    await uform.locator("[data-action=submit]").click()
    item = page.locator(f"[data-testid=partner-unit][data-name='{unit}']")
    await item.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert "物业公司" in await text_of(item) and "楼道保洁" in await text_of(item)
    assert int(await text_of(page.locator("[data-testid=unit-count] .kpi-value"))) == units_before + 1

    # … retired.
    await item.locator("[data-action=retire-unit]").click()
    await item.locator("[data-action=confirm-retire]").click()
    await page.wait_for_selector(f"[data-testid=partner-unit][data-name='{unit}'].inactive", timeout=LIVE_TIMEOUT_MS)
    assert "已退出" in await text_of(item)

    # A 双报到 party member attached to a member unit (a retired unit is not offered).
    member = f"李建国{mark}"
    await page.click("[data-action=add-dual-report]")
    dform = page.locator("[data-testid=dual-report-form]")
    await dform.locator("[data-kind=MEMBER]").click()
    await dform.locator("input[name=name]").fill(member)
    await dform.locator("input[name=affiliation]").fill("烟台市排水处")
    await dform.locator("input[name=phone]").fill("13912340000")
    options = await dform.locator("select[name=partnerUnit] option").all_inner_texts()
    assert PARTNER_UNIT in options and unit not in options
    await dform.locator("select[name=partnerUnit]").select_option(label=PARTNER_UNIT)
    await page.screenshot(path=shot("partners-dual-report-form"), full_page=True)
    await dform.locator("[data-action=submit]").click()
    report = page.locator(f"[data-testid=dual-report][data-name='{member}']")
    await report.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await report.get_attribute("data-kind") == "MEMBER"
    assert PARTNER_UNIT in await text_of(report)

    # … and 1.5 hours of service for them.
    await report.locator("[data-action=dual-service]").click()
    vform = page.locator("[data-testid=dual-service-form]")
    await vform.locator("input[name=description]").fill("参加社区排水设施巡查")
    await vform.locator("input[name=servedOn]").fill(yesterday())
    await vform.locator("input[name=hours]").fill("1.5")
    await vform.locator("[data-action=submit]").click()
    await wait_js(page, "(n) => document.querySelector(`[data-testid=dual-report][data-name='${n}'] [data-testid=dual-hours]`)?.textContent.trim() === '1.5'", member)
    await page.screenshot(path=shot("partners-register"), full_page=True)

    # Through the API.
    cid = (await gql.ok("query { me { scopes { refId } } }", token=worker))["me"]["scopes"][0]["refId"]
    units = (await gql.ok("query($c: ID!) { partnerUnits(filter: { communityId: $c }, first: 100) { edges { node { name kind active services } } } }",
                          {"c": cid}, token=worker))["partnerUnits"]["edges"]
    mine = [e["node"] for e in units if e["node"]["name"] == unit]
    assert mine == [{"name": unit, "kind": "PROPERTY_COMPANY", "active": False, "services": "楼道保洁、公共设施维修"}]
    reports = (await gql.ok("query($c: ID!) { dualReports(filter: { communityId: $c }, first: 100) { edges { node { name kind affiliation phone "
                            "totalMinutes partnerUnit { name } services { minutes description } } } } }", {"c": cid}, token=worker))["dualReports"]["edges"]
    got = [e["node"] for e in reports if e["node"]["name"] == member]
    assert len(got) == 1
    assert got[0]["kind"] == "MEMBER" and got[0]["affiliation"] == "烟台市排水处" and got[0]["phone"] == "13912340000"
    assert got[0]["partnerUnit"]["name"] == PARTNER_UNIT and got[0]["totalMinutes"] == 90
    assert got[0]["services"] == [{"minutes": 90, "description": "参加社区排水设施巡查"}]
    await ctx.close()


async def test_nothing_came_from_the_internet(net: Recorder) -> None:
    assert net.urls
    foreign = sorted({u for u in net.urls if not is_local(u)})
    assert not foreign, foreign
    assert not net.page_errors, net.page_errors
    assert not net.console_errors, net.console_errors
