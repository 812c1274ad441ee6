"""The tracking page shows a resident the notifications sent to them (issue #8, part 4), in a real
browser: Debian's Chromium under Playwright against the app under uvicorn on this session's
database. A resident reports through a building's QR code with their mobile; the center triages,
the community makes it a tier-B matter with a named assignee and reports progress; the app's
worker (the default log sender) sends each message; the resident's tracking page lists them
newest first — channel, status, time, text with their code and the assignee's work phone — and
nothing else. Every URL the page requested is local; a screenshot goes to test-artifacts/console/."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from tests.browser_helpers import ARTIFACTS, Recorder, is_local
from tests.conftest import BACKEND, RUN_ID
from tests.loop_helpers import qr_token_in, sub

PHONE_SIZE = {"width": 390, "height": 844}
TIMEOUT_MS = 20_000
TRACK = "query($c: String!) { requestByTrackingCode(code: $c) { notifications { status text } } }"


async def call(client: httpx.AsyncClient, query: str, variables: dict, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)).json()
    assert "errors" not in body, body["errors"]
    return body["data"]


async def login(client: httpx.AsyncClient, username: str) -> str:
    data = await call(client, "mutation($i: LoginInput!) { login(input: $i) { token } }", {"i": {"username": username, "password": "demo"}})
    return data["login"]["token"]


async def test_the_tracking_page_shows_the_notifications_as_a_timeline(browser: Any, server: Any, db: Any) -> None:
    mobile = "137" + "".join(random.choice("0123456789") for _ in range(8))
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        submitted = await call(client, "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id trackingCode } } }",
                               {"i": {"qrToken": await qr_token_in(db, "福泰社区", 36), "text": f"单元门禁坏了一周 {RUN_ID}", "contactPhone": mobile}})
        rid, code = submitted["submitRequest"]["request"]["id"], submitted["submitRequest"]["request"]["trackingCode"]
        step = "mutation($i: {t}!) {{ {m}(input: $i) {{ request {{ state }} }} }}"
        await call(client, step.format(t="TriageRequestInput", m="triageRequest"),
                   {"i": {"id": rid, "scope": "MINOR", "subcategoryId": await sub(db, "物业管理")}}, await login(client, "dispatcher"))
        community = await login(client, "community")
        await call(client, step.format(t="ClassifyMinorInput", m="classifyMinorRequest"),
                   {"i": {"id": rid, "tier": "B", "assigneeName": "孙丽", "assigneeTitle": "物业专干", "assigneePhone": "13905351234",
                          "deadline": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()}}, community)
        await call(client, step.format(t="RequestStepInput", m="reportProgress"), {"i": {"id": rid, "note": "门禁厂家明天上门更换主板"}}, community)
        # The worker sends them moments after each commit; the page then shows them sent.
        for _ in range(400):
            sent = (await call(client, TRACK, {"c": code}))["requestByTrackingCode"]["notifications"]
            if len(sent) == 3 and all(n["status"] == "SENT" for n in sent):
                break
            await asyncio.sleep(0.05)
        assert [n["status"] for n in sent] == ["SENT"] * 3, sent

    net = Recorder()
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE_SIZE, is_mobile=True)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
    try:
        await page.goto(f"{server.url}/console/track/{code}")
        await page.wait_for_selector("[data-testid=notification]", timeout=TIMEOUT_MS)
        items = page.locator("[data-testid=notifications] [data-testid=notification]")
        assert await items.count() == 3
        texts = [t.strip() for t in await items.locator(".tl-note").all_inner_texts()]
        # Newest first: the progress report, the tier-B assignee, the receipt.
        assert "门禁厂家明天上门更换主板" in texts[0]
        assert "孙丽" in texts[1] and "13905351234" in texts[1]
        assert "已收到" in texts[2]
        assert all(code in t for t in texts) and not any(mobile in t for t in texts)
        labels = await items.locator(".tl-label").all_inner_texts()
        assert all("短信" in lbl and "已发送" in lbl for lbl in labels)
        assert await page.locator("[data-testid=notification][data-status=SENT][data-channel=SMS]").count() == 3
        assert all((await items.locator(".tl-time").all_inner_texts()))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"track-notifications-{BACKEND}.png"), full_page=True)
    finally:
        await context.close()
    assert not net.page_errors, net.page_errors
    assert all(is_local(u) for u in net.urls), [u for u in net.urls if not is_local(u)]


async def test_a_message_still_on_its_way_shows_up_sent_without_a_reload(browser: Any, server: Any, db: Any) -> None:
    from sqlalchemy import update

    from db.models import Notification, Request

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        submitted = await call(client, "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode } } }",
                               {"i": {"qrToken": await qr_token_in(db, "福泰社区", 37), "text": f"楼道灯不亮 {RUN_ID}",
                                      "contactPhone": "136" + "".join(random.choice("0123456789") for _ in range(8))}})
    code = submitted["submitRequest"]["request"]["trackingCode"]
    N = Notification.__table__
    rid = Request.__table__.c.id
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    # Held back: pending, due in an hour (as after a failed attempt), so no worker takes it meanwhile.
    for _ in range(200):
        async with db.write() as session:
            held = (await session.execute(
                update(N).where(N.c.request_id.in_(Request.__table__.select().with_only_columns(rid).where(Request.__table__.c.tracking_code == code)))
                .values(state="PENDING", next_attempt_at=later, sent_at=None))).rowcount
        if held:
            break
        await asyncio.sleep(0.05)
    assert held == 1
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE_SIZE, is_mobile=True)
    page = await context.new_page()
    try:
        await page.goto(f"{server.url}/console/track/{code}")
        await page.wait_for_selector("[data-testid=notification][data-status=PENDING]", timeout=TIMEOUT_MS)
        async with db.write() as session:
            await session.execute(update(N).where(N.c.state == "PENDING", N.c.next_attempt_at == later)
                                  .values(state="SENT", sent_at=datetime.now(timezone.utc)))
        # The page looks again by itself (every 15 s while a message is pending).
        await page.wait_for_selector("[data-testid=notification][data-status=SENT]", timeout=40_000)
    finally:
        await context.close()
