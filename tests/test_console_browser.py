"""The console in a real browser: Debian's Chromium driven by Playwright against the app under
uvicorn on this session's database (SQLite + memory, or PostgreSQL + Redis).

The dispatcher signs in and watches the wall; requests submitted through the API appear live;
one is triaged and dispatched from the wall and arrives live in the department's view; the
wall's network is cut, two more are submitted, the network comes back, and the WebSocket frames
show the wall re-subscribed with its last `after` cursor and got both as pushed `next` events;
an overdue alert reaches the wall; the explorer runs a subscription; a resident submits through
a building's QR page on a phone-sized screen, with a photo, and rates the result by tracking
code. Screenshots go to test-artifacts/console/. Every URL any page requested is checked to be
local. The time from submission to appearance on the wall is measured and written to
test-artifacts/console/latency-<backend>.json (reported, not asserted).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest_asyncio
from sqlalchemy import update

from tests.browser_helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Recorder,
    ensure_console_built,
    events_received,
    is_local,
    median,
    require_chromium,
    subscription_ids,
    tiny_png,
)
from tests.conftest import BACKEND, LiveServer
from tests.browser_fixtures import shot
from tests.loop_helpers import qr_token_in

WALL_SIZE = {"width": 1920, "height": 1080}
LAPTOP_SIZE = {"width": 1366, "height": 768}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LIVE_TIMEOUT_MS = 10_000  # generous; the measured figure is reported, not asserted
RESUME_TIMEOUT_MS = 30_000

# Module state shared by the ordered tests below (one wall page watches throughout).
STATE: dict[str, Any] = {"latencies": [], "codes": {}}


# ----------------------------------------------------------------------------- fixtures


@pytest_asyncio.fixture(scope="module")
async def server(app: Any, settings: Any, console_dist: None) -> Any:
    # Its own process on the session's database; a quick overdue sweep for the alert test.
    srv = LiveServer(settings, extra_env={"SWEEP_SECONDS": "1"})
    await asyncio.to_thread(srv.wait_ready)
    yield srv
    srv.stop()


async def new_page(browser: Any, net: Recorder, *, keep_bodies: bool = False, **context_args: Any) -> tuple[Any, Any]:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_args)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page, keep_bodies=keep_bodies)
    return context, page


async def sign_in(page: Any, base: str, username: str) -> None:
    await page.goto(base + "/console/")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", "demo")
    await page.click("form[aria-label=登录] button[type=submit]")
    await page.wait_for_selector("[data-testid=live-status][data-status=online]", timeout=LIVE_TIMEOUT_MS)


@pytest_asyncio.fixture(scope="module")
async def wall(browser: Any, server: Any, net: Recorder) -> Any:
    wall_net = Recorder()  # the wall's own frames and response bodies, for the resume test

    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=WALL_SIZE)
    net.attach_context(context)
    page = await context.new_page()
    net.attach_page(page)
    wall_net.attach_page(page, keep_bodies=True)
    await sign_in(page, server.url, "dispatcher")
    await page.wait_for_selector("[data-testid=wall]")
    await wait_js(page, "() => document.querySelector('[data-testid=kpi-today] .kpi-value')?.textContent.trim() !== '—'")
    yield {"page": page, "context": context, "net": wall_net}
    await context.close()


async def login_token(api: httpx.AsyncClient, username: str) -> str:
    r = await api.post("/graphql", json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                         "variables": {"i": {"username": username, "password": "demo"}}})
    return r.json()["data"]["login"]["token"]


async def submit(api: httpx.AsyncClient, qr_token: str, text: str) -> tuple[str, float]:
    """Submit as an anonymous resident; returns (tracking code, wall-clock time just before sending)."""
    t0 = time.time()
    r = await api.post("/graphql", json={
        "query": "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode } } }",
        "variables": {"i": {"qrToken": qr_token, "text": text, "idempotencyKey": uuid.uuid4().hex}},
    })
    body = r.json()
    assert "errors" not in body, body
    return body["data"]["submitRequest"]["request"]["trackingCode"], t0


async def gql(api: httpx.AsyncClient, token: str | None, query: str, variables: dict | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (await api.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)).json()
    assert "errors" not in body, body
    return body["data"]


def item(code: str) -> str:
    return f"[data-testid=wall-item][data-tracking-code={code}]"


async def until(predicate: Any, what: str, timeout: float = 10) -> None:
    """Wait for a condition on what the test has recorded (frames arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        await asyncio.sleep(0.05)


async def wait_js(page: Any, expression: str, arg: Any = None, timeout: float = LIVE_TIMEOUT_MS) -> Any:
    """Poll a JS function until it returns something truthy. (Playwright's wait_for_function
    evaluates a string in the page, which the console's CSP — no 'unsafe-eval' — forbids;
    page.evaluate goes through DevTools and is not affected.)"""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = await page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression[:120]}")
        await asyncio.sleep(0.1)


# ----------------------------------------------------------------------------- routes (no browser)


async def test_console_routes_serve_the_build_with_spa_fallback_and_cache(http: httpx.AsyncClient, settings: Any, tmp_path: Path, monkeypatch: Any) -> None:
    ensure_console_built()
    index = await http.get("/console")
    assert index.status_code == 200 and 'id="root"' in index.text
    assert "no-cache" in index.headers["cache-control"]
    assert "default-src 'self'" in index.headers["content-security-policy"]
    for path in ("/console/", "/console/qr/SOMETOKEN", "/console/track/ZF123", "/console/explorer", "/console/anything/else"):
        r = await http.get(path)
        assert r.status_code == 200 and 'id="root"' in r.text, path
    asset = next((Path(__file__).parent.parent / "console" / "dist" / "assets").glob("index-*.js")).name
    r = await http.get(f"/console/assets/{asset}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith("text/javascript")
    assert (await http.get("/console/assets/nope-123.js")).status_code == 404
    leaked = await http.get("/console/%2e%2e/app.py")
    assert "create_app" not in leaked.text

    # Without a build: a clear page, not a crash.
    import app as app_module
    from app import create_app

    monkeypatch.setattr(app_module, "CONSOLE_DIST", tmp_path / "no-dist")
    bare = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://t") as client:
        r = await client.get("/console/qr/abc")
        assert r.status_code == 503 and "make console" in r.text and "控制台尚未构建" in r.text


async def test_explorer_route_is_off_when_the_explorer_is(settings: Any) -> None:
    import dataclasses

    from app import create_app

    off = create_app(dataclasses.replace(settings, explorer=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://t") as client:
        assert (await client.get("/console/explorer")).status_code == 404
        assert (await client.get("/console/")).status_code in (200, 503)


# ----------------------------------------------------------------------------- the wall, live


async def test_wall_shows_new_requests_live_newest_first(wall: dict, api: httpx.AsyncClient, db: Any) -> None:
    page = wall["page"]
    reports = [
        ("福泰社区", "福泰社区东门商铺私搭乱建,彩钢棚占了消防通道"),
        ("大海阳社区", "楼下烧烤摊每晚噪音扰民到凌晨一点"),
        ("塔山社区", "单元门口下水道堵塞,污水漫到路面"),
        ("新桥东社区", "小区路灯坏了一个多月,晚上出行不安全"),
        ("胜利路社区", "共享单车堆在人行道上,老人推车过不去"),
        ("三里桥社区", "独居老人希望社区有人定期上门探望"),
    ]
    codes = []
    for i, (community, text) in enumerate(reports):
        token = await qr_token_in(db, community, 20 + i)
        code, t0 = await submit(api, token, text)
        handle = await page.wait_for_selector(item(code), timeout=LIVE_TIMEOUT_MS)
        seen = time.time()
        arrived_ms = float(await handle.get_attribute("data-arrived-at"))
        STATE["latencies"].append({"code": code, "received_s": arrived_ms / 1000 - t0, "observed_s": seen - t0})
        assert "fresh" in (await handle.get_attribute("class")), "a new request is highlighted"
        codes.append(code)
        await asyncio.sleep(0.3)
    STATE["codes"]["first"] = codes

    # Newest first.
    shown = await page.eval_on_selector_all("[data-testid=wall-item]", "els => els.map(e => e.dataset.trackingCode)")
    positions = [shown.index(c) for c in codes]
    assert positions == sorted(positions, reverse=True), (positions, shown[:10])

    # Channel, place, suggested category, time on the card.
    card = await page.inner_text(item(codes[0]))
    assert "楼栋二维码" in card and "幸福街道" in card and "福泰社区" in card and "私搭乱建" in card
    # The counters follow (queries re-run after the events).
    await wait_js(page, "() => Number(document.querySelector('[data-testid=kpi-today] .kpi-value').textContent.replace(/,/g, '')) >= 6")

    # Pushed, not fetched: each arrived as a `next` of the requestCreated subscription.
    def pushed() -> set[str]:
        return {e["request"]["trackingCode"] for s in wall["net"].sockets for _, e in events_received(s, "requestCreated") if e.get("request")}

    await until(lambda: set(codes) <= pushed(), "every new request came as a requestCreated `next` frame")

    # The CJK web font shipped by the build is in use (no tofu on a Chromium without Chinese fonts).
    assert await page.evaluate("document.fonts.check('20px \"Noto Sans SC\"', '芝罘区呼应中心')")
    assert await page.evaluate("[...document.fonts].some(f => f.family.includes('Noto Sans SC') && f.status === 'loaded')")

    lat = [x["received_s"] for x in STATE["latencies"]]
    obs = [x["observed_s"] for x in STATE["latencies"]]
    report = {"backend": BACKEND, "samples": STATE["latencies"], "median_received_s": median(lat), "median_observed_s": median(obs),
              "max_received_s": max(lat)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"latency-{BACKEND}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nsubmission → wall ({BACKEND}): median {median(lat) * 1000:.0f} ms received by the page, "
          f"{median(obs) * 1000:.0f} ms observed by the test (n={len(lat)}, max {max(lat) * 1000:.0f} ms)")
    await page.screenshot(path=shot("wall-live"))


async def test_dispatch_from_the_wall_arrives_live_in_the_department(wall: dict, browser: Any, server: Any, net: Recorder, api: httpx.AsyncClient) -> None:
    page = wall["page"]
    code = STATE["codes"]["first"][0]  # 私搭乱建 → suggested 区城市管理局

    dept_net = Recorder()
    dept_ctx, dept = await new_page(browser, net, viewport=LAPTOP_SIZE)
    dept_net.attach_page(dept)
    await sign_in(dept, server.url, "department")
    await dept.wait_for_selector("[data-testid=unit-view]")
    assert await dept.query_selector(f"[data-testid=queue-item][data-tracking-code={code}]") is None

    # Triage (the suggestion preselected) and dispatch with co-handlers, from the wall.
    await page.click(f"{item(code)} button")
    await page.wait_for_selector("[role=dialog]")
    assert await page.get_attribute("[data-scope=MAJOR]", "aria-checked") == "true"
    chosen = await page.eval_on_selector("select[name=subcategory]", "s => s.options[s.selectedIndex].text")
    assert "私搭乱建" in chosen
    await page.click("[data-testid=triage-and-dispatch]")
    await page.wait_for_selector("form[aria-label=派单]")
    lead = await page.eval_on_selector("select[name=lead]", "s => s.options[s.selectedIndex].text")
    assert "区城市管理局" in lead
    await page.select_option("select[name=coHandler]", label="公安芝罘分局")
    await page.select_option("select[name=coHandler]", label="幸福街道")
    await page.screenshot(path=shot("wall-dispatch-dialog"))
    await page.click("[data-testid=dispatch-submit]")
    toast = await page.wait_for_selector("[data-testid=toast]")
    assert "已派单" in await toast.inner_text()
    await page.wait_for_selector(f"{item(code)}[data-state=DISPATCHED]")

    # Live in the department's view, pushed over its WebSocket.
    row = await dept.wait_for_selector(f"[data-testid=queue-item][data-tracking-code={code}]", timeout=LIVE_TIMEOUT_MS)
    assert "fresh" in await row.get_attribute("class")
    await until(lambda: any(code in json.dumps(e) for s in dept_net.sockets for _, e in events_received(s, "unitAssignments")),
                "the department heard of the dispatch from its unitAssignments subscription")
    await dept.screenshot(path=shot("department-queue"))

    # The department accepts it there.
    await (await row.query_selector("[data-action=accept]")).click()
    await dept.wait_for_selector("[role=dialog]")
    await dept.click("[role=dialog] button[type=submit]")
    await dept.wait_for_selector(f"[data-testid=queue-item][data-tracking-code={code}][data-state=ACCEPTED]", timeout=LIVE_TIMEOUT_MS)
    # …and the wall follows through requestUpdated.
    await page.wait_for_selector(f"{item(code)}[data-state=ACCEPTED]", timeout=LIVE_TIMEOUT_MS)
    await dept.screenshot(path=shot("department-accepted"))
    STATE["dept"] = (dept_ctx, dept)
    STATE["codes"]["dispatched"] = code


async def test_wall_resumes_from_its_last_cursor_after_a_drop(wall: dict, api: httpx.AsyncClient, db: Any) -> None:
    page, context, rec = wall["page"], wall["context"], wall["net"]

    # The last requestCreated cursor the wall received before the drop (after a moment of quiet).
    await asyncio.sleep(1)
    before = [(at, e) for s in rec.sockets for at, e in events_received(s, "requestCreated")]
    assert before, "the wall has received events"
    last_cursor = max((e for _, e in before), key=lambda e: int(e["cursor"]))["cursor"]
    sockets_before = len(rec.sockets)

    await context.set_offline(True)
    dropped_at = time.time()
    await page.wait_for_selector("[data-testid=live-status][data-status=offline]", timeout=20_000)
    await page.wait_for_selector("[data-testid=offline-banner]")

    missed = []
    for i, text in enumerate(["断线期间:福泰社区窨井盖缺失,夜里有人差点踩空", "断线期间:垃圾两天没有清运,气味很大"]):
        code, _ = await submit(api, await qr_token_in(db, "福泰社区", 40 + i), text)
        missed.append(code)
    await asyncio.sleep(2)
    for code in missed:
        assert await page.query_selector(item(code)) is None, "nothing can arrive while offline"
    await page.screenshot(path=shot("wall-offline"))

    await context.set_offline(False)
    for code in missed:
        await page.wait_for_selector(item(code), timeout=RESUME_TIMEOUT_MS)
    await page.wait_for_selector("[data-testid=live-status][data-status=online]")

    # A new socket subscribed to requestCreated with `after` = the last cursor seen before the drop…
    def resumed() -> list[tuple[Any, dict]]:
        return [(s, sub) for s in rec.sockets[sockets_before:] for sub in subscription_ids(s, "requestCreated").values()]

    def pushed_on(sock: Any, sub: dict) -> dict[str, int]:
        got = {}
        for _, m in sock.messages("received", "next"):
            if m["id"] == sub["id"]:
                ev = m["payload"]["data"]["requestCreated"]
                got[ev["request"]["trackingCode"]] = int(ev["cursor"])
        return got

    await until(lambda: resumed() and set(missed) <= set(pushed_on(*resumed()[-1])), "the resumed subscription pushed both missed requests")
    sock, sub = resumed()[-1]
    assert sub["payload"]["variables"]["after"] == last_cursor, (sub["payload"]["variables"], last_cursor)
    # …and received both missed requests as pushed `next` messages of that subscription.
    got = pushed_on(sock, sub)
    assert all(got[c] > int(last_cursor) for c in missed)
    # Not by polling or refetching: no HTTP response since the drop mentions them.
    for at, body in rec.graphql_responses:
        if at >= dropped_at:
            assert not any(c in body for c in missed), "the missed requests came over HTTP"
    STATE["codes"]["missed"] = missed
    await page.screenshot(path=shot("wall-resumed"))


async def test_overdue_alert_reaches_the_wall(wall: dict, db: Any) -> None:
    from db.base import utcnow
    from db.models import Request

    page = wall["page"]
    late = [STATE["codes"]["first"][1], STATE["codes"]["first"][2]]
    total_before = int(await page.inner_text("[data-testid=overdue-total]"))
    async with db.write() as session:
        await session.execute(update(Request).where(Request.tracking_code.in_(late)).values(due_at=utcnow() - timedelta(minutes=47)))
    # The server's sweep marks them, its OVERDUE events reach the wall's overdueAlerts subscription.
    await wait_js(
        page,
        "codes => { const t = document.querySelector('[data-testid=overdue-list]').innerText; "
        "return codes.every(c => document.querySelector(`[data-testid=wall-item][data-tracking-code=${c}]`)?.classList.contains('is-overdue')) && t.includes('超') }",
        late, timeout=45_000,
    )
    assert int(await page.inner_text("[data-testid=overdue-total]")) >= total_before + 2
    await until(lambda: any(e.get("request", {}).get("trackingCode") in late for s in wall["net"].sockets for _, e in events_received(s, "overdueAlerts")),
                "the overdue alerts came over the overdueAlerts subscription")
    await page.wait_for_timeout(600)
    await page.screenshot(path=shot("wall"))


async def test_wall_on_a_laptop(browser: Any, server: Any, net: Recorder) -> None:
    ctx, page = await new_page(browser, net, viewport=LAPTOP_SIZE)
    await sign_in(page, server.url, "dispatcher")
    await wait_js(page, "() => document.querySelector('[data-testid=kpi-today] .kpi-value')?.textContent.trim() !== '—'")
    await page.wait_for_timeout(500)
    await page.screenshot(path=shot("wall-laptop"))
    await ctx.close()


# ----------------------------------------------------------------------------- explorer


async def test_explorer_runs_a_subscription_over_websocket(browser: Any, server: Any, net: Recorder, api: httpx.AsyncClient, db: Any) -> None:
    rec = Recorder()
    ctx, page = await new_page(browser, net, viewport={"width": 1600, "height": 900})
    rec.attach_context(ctx)
    rec.attach_page(page)
    await sign_in(page, server.url, "dispatcher")
    query = ("subscription Explore {\n  requestCreated {\n    cursor kind\n    request { trackingCode title channel community { name } }\n  }\n}")
    await page.goto(server.url + "/console/explorer?query=" + quote(query))
    await page.wait_for_selector(".graphiql-container .graphiql-query-editor .monaco-editor", timeout=30_000)
    await page.wait_for_timeout(800)
    await page.click(".graphiql-execute-button")
    def explorer_subs() -> list[tuple[Any, dict]]:
        return [(s, m) for s in rec.sockets for m in subscription_ids(s, "requestCreated").values() if "subscription Explore" in m["payload"]["query"]]

    await until(explorer_subs, "the explorer subscribed over WebSocket", timeout=30)
    sock, sub = explorer_subs()[-1]
    init = sock.messages("sent", "connection_init")[0][1]
    assert init["payload"]["Authorization"].startswith("Bearer "), "the explorer sends the signed-in user's token"

    code, _ = await submit(api, await qr_token_in(db, "福泰社区", 60), "调试器订阅演示:楼道灯不亮")
    await wait_js(page, "code => document.querySelector('.graphiql-response')?.innerText.includes(code)", code)

    def pushed() -> bool:
        return any(m["id"] == sub["id"] and code in json.dumps(m) for s, _ in explorer_subs() for _, m in s.messages("received", "next"))

    # (A frame event can reach the test a moment after the page has rendered it.)
    await until(pushed, "the explorer's subscription pushed the new request")
    # Monaco's workers came from our own build (the GraphQL language worker starts lazily: wait for it).
    def workers() -> list[str]:
        return [u for u in rec.urls if "/console/assets/" in u and "worker" in u]

    await until(lambda: any("editor.worker" in u for u in workers()) and any("graphql.worker" in u for u in workers()),
                "Monaco's editor and GraphQL workers loaded from /console/assets", timeout=30)
    assert all(is_local(u) for u in workers()), workers()
    await page.screenshot(path=shot("explorer"))
    await ctx.close()


# ----------------------------------------------------------------------------- resident (phone)


async def test_resident_submits_through_the_qr_page_on_a_phone(wall: dict, browser: Any, server: Any, net: Recorder, api: httpx.AsyncClient, db: Any) -> None:
    token = await qr_token_in(db, "大海阳社区", 3)
    ctx, page = await new_page(browser, net, **PHONE)
    await page.goto(f"{server.url}/console/qr/{token}")
    place = await page.wait_for_selector("[data-testid=qr-building]")
    assert "大海阳社区" in await place.inner_text()
    text = f"扫码反映:3号楼东侧下水道堵塞,污水漫到路面,已经三天了({uuid.uuid4().hex[:6]})"
    await page.fill("textarea[name=text]", text)
    await page.set_input_files("[data-testid=photo-input]", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": tiny_png()}])
    await page.wait_for_selector(".photo img")
    await page.fill("input[name=contactName]", "王女士")
    await page.fill("input[name=contactPhone]", "13805351234")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on a phone"
    await page.screenshot(path=shot("qr-form"), full_page=True)
    await page.click("form[aria-label=反映问题] button[type=submit]")
    code_el = await page.wait_for_selector("[data-testid=tracking-code]", timeout=LIVE_TIMEOUT_MS)
    code = (await code_el.inner_text()).strip()
    assert code.startswith("ZF")
    await page.screenshot(path=shot("qr-done"), full_page=True)

    # It is on the wall, live, and the photo was uploaded (multipart with GraphQL-Preflight).
    await wall["page"].wait_for_selector(item(code), timeout=LIVE_TIMEOUT_MS)
    dispatcher = await login_token(api, "dispatcher")
    found = await gql(api, dispatcher, "query($f: RequestFilter) { requests(first: 5, filter: $f) { edges { node { trackingCode channel photos { contentType } } } } }",
                      {"f": {"text": text[-12:]}})
    node = next(e["node"] for e in found["requests"]["edges"] if e["node"]["trackingCode"] == code)
    assert node["channel"] == "QR_CODE" and len(node["photos"]) == 1

    await page.click("text=查看办理进度")
    await page.wait_for_selector("[data-testid=track-result]")
    await page.screenshot(path=shot("track"), full_page=True)
    await ctx.close()


async def test_resident_follows_and_rates_by_tracking_code(browser: Any, server: Any, net: Recorder, api: httpx.AsyncClient) -> None:
    code = STATE["codes"]["dispatched"]
    dept = await login_token(api, "department")
    one = await gql(api, dept, "query($f: RequestFilter) { requests(first: 5, filter: $f) { edges { node { id trackingCode version } } } }",
                    {"f": {"text": "私搭乱建"}})
    node = next(e["node"] for e in one["requests"]["edges"] if e["node"]["trackingCode"] == code)
    await gql(api, dept, "mutation($i: ResolveRequestInput!) { resolveRequest(input: $i) { request { state } } }",
              {"i": {"id": node["id"], "version": node["version"], "resolution": "城管、公安与幸福街道联合执法,彩钢棚已拆除,消防通道恢复畅通"}})

    ctx, page = await new_page(browser, net, **PHONE)
    await page.goto(f"{server.url}/console/track/{code}")
    await page.wait_for_selector("form[aria-label=评价]")
    assert "彩钢棚已拆除" in await page.inner_text("[data-testid=track-result]")
    await page.click("form[aria-label=评价] [role=radio] >> text=满意")
    await page.screenshot(path=shot("track-rate"), full_page=True)
    await page.click("form[aria-label=评价] button[type=submit]")
    await page.wait_for_selector("[data-testid=track-result] .tag.state-CLOSED", timeout=LIVE_TIMEOUT_MS)
    await ctx.close()


# ----------------------------------------------------------------------------- offline intranet


async def test_nothing_came_from_the_internet(net: Recorder, wall: dict) -> None:
    assert len(net.urls) > 50
    foreign = sorted({u for u in net.urls if not is_local(u)})
    assert not foreign, foreign
    assert not net.page_errors, net.page_errors
    # Expected: the reconnect attempts while the wall's network was cut on purpose.
    unexpected = [e for e in net.console_errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert not unexpected, unexpected
    dept = STATE.pop("dept", None)
    if dept:
        await dept[0].close()
