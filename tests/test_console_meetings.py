"""The console's 阳光议事 and 时间银行 tabs in a real browser (Debian's Chromium under Playwright,
the app under uvicorn on this session's database: SQLite + memory, or PostgreSQL + Redis).

The seed's 胜利路 parking case, from the community worker's console: residents report private
parking posts (私设停车桩) by QR code; the center triages them (停车管理), the community takes them
up. In the 阳光议事 tab the platform proposes them as a topic; the worker schedules a Sunshine-17
meeting (the 17th by default), puts the proposal on it, registers participants, holds the
meeting, records attendance, decides the topic AGREED with the resolution (the reports are
resolved with it), adds a follow-up, reports its progress and completes it, records the minutes
and closes the meeting; the year's statistics count the meeting and the agreed outcome. Then a
大海阳社区 worker opens the 时间银行 tab: the 54 catalogue items and balanced books. Every URL is
local; screenshots go to test-artifacts/console/.
"""

from __future__ import annotations

import asyncio
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
from tests.loop_helpers import Loop, qr_token_in, sub
from tests.browser_fixtures import shot
from tests.partner_helpers import community_pk

LIVE_TIMEOUT_MS = 15_000
LAPTOP = {"width": 1440, "height": 900}
LOCAL = timezone(timedelta(hours=8))


# ----------------------------------------------------------------------------- fixtures


async def new_page(browser: Any, net: Recorder) -> tuple[Any, Any]:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=LAPTOP)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
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


async def kpi(page: Any, testid: str) -> str:
    return (await page.text_content(f"[data-testid={testid}] .kpi-value")).strip()


# ----------------------------------------------------------------------------- 阳光17议


async def test_shenglilu_parking_meeting_from_the_console(browser: Any, server: Any, api: httpx.AsyncClient, net: Recorder, db: Any) -> None:
    mark = uuid.uuid4().hex[:6]
    name = "胜利路社区"
    gql = GQL(api)
    username, password = await community_login(db, name)
    worker = await gql.login(username, password)
    loop = Loop(gql, {"dispatcher": await gql.login("dispatcher"), "cw": worker})

    # Residents report private parking posts; the center triages them, the community takes them up.
    texts = ["小区里有人私设停车桩,占了公共车位", "楼下被装了私人地锁停车桩,别人停不了车",
             "私设停车桩越来越多,消防车都进不来", "胜利路小区私设停车桩问题,请社区管一管"]
    reports = []
    for i, text in enumerate(texts):
        r = (await loop.submit(None, qrToken=await qr_token_in(db, name, 30 + i * 2), text=f"{text}({mark})", idempotencyKey=uuid.uuid4().hex))["request"]
        await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "停车管理")})
        taken = await loop.ok("cw", "classifyMinorRequest", {"id": r["id"], "tier": "A"}, "ClassifyMinorInput")
        assert taken["state"] == "ACCEPTED"
        reports.append(r)

    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, username, password)
    await page.click("[data-testid=community-nav] [data-tab=meetings]")
    await page.wait_for_selector("[data-testid=community-view][data-tab=meetings]")
    await wait_js(page, "() => document.querySelector('[data-testid=stat-held] .kpi-value')?.textContent.trim() !== '—'")
    held_before, agreed_before = int(await kpi(page, "stat-held")), int(await kpi(page, "stat-agreed"))

    # The platform proposes the parking posts as a topic, with all four reports.
    candidate = page.locator("[data-testid=agenda-candidate][data-subcategory=停车管理]")
    await candidate.wait_for(timeout=LIVE_TIMEOUT_MS)
    text = await candidate.inner_text()
    assert all(r["trackingCode"] in text for r in reports), text

    # A Sunshine-17 meeting, the 17th by default.
    title = f"胜利路社区阳光17议{mark}"
    await page.click("[data-action=schedule]")
    form = page.locator("[data-testid=schedule-form]")
    await form.locator("input[name=title]").fill(title)
    await form.locator("input[name=place]").fill("胜利路社区党群服务中心")
    await form.locator("[data-action=submit]").click()
    item = page.locator(f"[data-testid=meeting-item][data-title='{title}']")
    await item.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await item.get_attribute("data-state") == "PLANNED"
    assert "17日" in await item.inner_text() or "/17 " in await item.inner_text()
    meeting_id = await item.get_attribute("data-meeting-id")

    # Put the proposal on it.
    await page.select_option("select[name=target]", meeting_id)
    await candidate.locator("[data-action=propose]").click()
    topic_form = page.locator("[role=dialog] form[aria-label=列入议题]")
    await topic_form.locator("input[name=title]").fill("私设停车桩整治")
    await page.screenshot(path=shot("meeting-agenda-proposal"), full_page=True)
    await topic_form.locator("[data-action=submit]").click()
    detail = page.locator("[data-testid=meeting-detail]")
    await detail.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await detail.get_attribute("data-meeting-id") == meeting_id
    topic = detail.locator("[data-testid=topic][data-title=私设停车桩整治]")
    await topic.wait_for()
    assert await topic.get_attribute("data-outcome") == "PENDING"
    linked = await topic.locator("[data-testid=topic-requests]").inner_text()
    assert all(r["trackingCode"] in linked for r in reports)

    # Participants by kind.
    for kind, person, org in [("COMMITTEE_MEMBER", "刘书记", "胜利路社区党委"), ("RESIDENT_REPRESENTATIVE", "周德胜", "车主代表"),
                              ("ENTERPRISE", "马经理", "胜利路商圈联合党支部")]:
        await detail.locator("[data-action=add-participant]").click()
        pform = detail.locator("form[aria-label=登记参会人员]")
        await pform.locator("select[name=kind]").select_option(kind)
        await pform.locator("input[name=name]").fill(person)
        await pform.locator("input[name=organisation]").fill(org)
        await pform.locator("[data-action=submit]").click()
        await detail.locator(f"[data-testid=participant][data-name={person}]").wait_for(timeout=LIVE_TIMEOUT_MS)

    # Held; attendance.
    await detail.locator("[data-action=hold]").click()
    await page.wait_for_selector("[data-testid=meeting-detail][data-state=HELD]", timeout=LIVE_TIMEOUT_MS)
    for person in ("刘书记", "周德胜"):
        box = detail.locator(f"[data-testid=participant][data-name={person}] input[type=checkbox]")
        await box.click()  # controlled: it turns checked once the server recorded it
        await wait_js(page, "(p) => document.querySelector(`[data-testid=participant][data-name=${p}] input`)?.checked", person)
    await wait_js(page, "() => document.querySelector('[data-testid=participants]').innerText.includes('出席 2 人')")

    # Agreed, with the resolution: the four reports are resolved with it.
    resolution = f"拆除全部私设停车桩;居民可登记后在规定时段使用辖区企业停车场错时停车({mark})"
    await topic.locator("[data-action=decide]").click()
    decide = topic.locator("form[aria-label=作出结论]")
    await decide.locator("[data-outcome=AGREED]").click()
    await decide.locator("textarea[name=resolution]").fill(resolution)
    await decide.locator("[data-action=submit]").click()
    await page.wait_for_selector("[data-testid=topic][data-title=私设停车桩整治][data-outcome=AGREED]", timeout=LIVE_TIMEOUT_MS)
    assert resolution in await topic.locator("[data-testid=topic-resolution]").inner_text()
    states = await topic.locator("[data-testid=topic-requests] li").evaluate_all("els => els.map(e => e.dataset.state)")
    assert states and all(s == "RESOLVED" for s in states), states
    for r in reports:
        got = await loop.get("dispatcher", r["id"], "state resolution")
        assert got["state"] == "RESOLVED" and resolution in got["resolution"]

    # The removal is followed up until done.
    await topic.locator("[data-action=add-follow-up]").click()
    fform = topic.locator("form[aria-label=添加跟进事项]")
    await fform.locator("input[name=action]").fill("拆除小区内全部私设停车桩")
    await fform.locator("input[name=owner]").fill("胜利路社区居委会")
    await fform.locator("input[name=dueOn]").fill((datetime.now(LOCAL).date() + timedelta(days=14)).isoformat())
    await fform.locator("[data-action=submit]").click()
    follow = topic.locator("[data-testid=follow-up][data-action-text=拆除小区内全部私设停车桩]")
    await follow.wait_for(timeout=LIVE_TIMEOUT_MS)
    assert await follow.get_attribute("data-state") == "OPEN"
    await follow.locator("[data-action=follow-progress]").click()
    await follow.locator("input[name=note]").fill("已拆除 23 个,剩余 8 个本周内拆除")
    await follow.locator("[data-action=submit]").click()
    await wait_js(page, "() => document.querySelector('[data-testid=follow-up]')?.innerText.includes('已拆除 23 个')")
    await follow.locator("[data-action=follow-done]").click()
    await follow.locator("input[name=note]").fill("私设停车桩已全部拆除,32 户居民登记错时停车")
    await follow.locator("[data-action=submit]").click()
    await page.wait_for_selector("[data-testid=follow-up][data-state=DONE]", timeout=LIVE_TIMEOUT_MS)
    await page.screenshot(path=shot("meeting-follow-up-done"), full_page=True)

    # Minutes, then closed.
    await detail.locator("[data-action=minutes]").click()
    await detail.locator("textarea[name=minutes]").fill("会议议定:" + resolution)
    await detail.locator("form[aria-label=保存纪要] [data-action=submit]").click()
    await detail.locator("[data-testid=minutes]").wait_for(timeout=LIVE_TIMEOUT_MS)
    await detail.locator("[data-action=close]").click()
    await page.wait_for_selector("[data-testid=meeting-detail][data-state=CLOSED]", timeout=LIVE_TIMEOUT_MS)
    await page.screenshot(path=shot("meeting-closed"), full_page=True)

    # The year's statistics count it.
    await page.keyboard.press("Escape")
    await page.wait_for_selector(f"[data-testid=meeting-item][data-title='{title}'][data-state=CLOSED]")
    await wait_js(page, "(n) => Number(document.querySelector('[data-testid=stat-held] .kpi-value').textContent) === n", held_before + 1)
    assert int(await kpi(page, "stat-agreed")) == agreed_before + 1
    assert (await kpi(page, "stat-rate")).endswith("%")
    # Settled, the reports are no longer proposed.
    agenda_text = await page.inner_text("[data-testid=agenda]")
    assert not any(r["trackingCode"] in agenda_text for r in reports)
    await page.screenshot(path=shot("meetings-tab"), full_page=True)
    cid = (await gql.ok("query { me { scopes { refId } } }", token=worker))["me"]["scopes"][0]["refId"]
    proposal = (await gql.ok("query($c: ID!) { proposeAgenda(communityId: $c) { requests { id } } }", {"c": cid}, token=worker))["proposeAgenda"]
    assert not {r["id"] for r in reports} & {x["id"] for c in proposal for x in c["requests"]}

    seen = (await gql.ok("query($id: ID!) { meeting(id: $id) { state attendedCount participants { kind } topics { outcome followUps { state } } } }",
                         {"id": meeting_id}, token=worker))["meeting"]
    assert seen["state"] == "CLOSED" and seen["attendedCount"] == 2
    assert {p["kind"] for p in seen["participants"]} == {"COMMITTEE_MEMBER", "RESIDENT_REPRESENTATIVE", "ENTERPRISE"}
    assert seen["topics"][0]["outcome"] == "AGREED" and seen["topics"][0]["followUps"][0]["state"] == "DONE"
    await ctx.close()


# ----------------------------------------------------------------------------- 时间银行


async def test_time_bank_tab_shows_the_catalogue_and_balanced_books(browser: Any, server: Any, net: Recorder, db: Any) -> None:
    username, password = await community_login(db, "大海阳社区")
    ctx, page = await new_page(browser, net)
    await sign_in(page, server.url, username, password)
    await page.click("[data-testid=community-nav] [data-tab=timebank]")
    await page.wait_for_selector("[data-testid=community-view][data-tab=timebank]")
    await page.wait_for_selector("[data-testid=catalogue-item]", timeout=LIVE_TIMEOUT_MS)
    assert await page.locator("[data-testid=catalogue-item]").count() == 54
    note = await page.text_content("[data-testid=books-balanced]")
    assert "账平" in note and "账不平" not in note
    await page.screenshot(path=shot("timebank-tab"), full_page=True)
    # Back to the request queue through the tabs.
    await page.click("[data-testid=community-nav] [data-tab=queue]")
    await page.wait_for_selector("[data-testid=unit-view]")
    await page.wait_for_selector("[data-testid=community-nav] [data-tab=queue][aria-current=page]")
    await page.screenshot(path=shot("community-queue-tabs"))
    await ctx.close()


async def test_nothing_came_from_the_internet(net: Recorder) -> None:
    assert net.urls
    foreign = sorted({u for u in net.urls if not is_local(u)})
    assert not foreign, foreign
    assert not net.page_errors, net.page_errors
    assert not net.console_errors, net.console_errors
