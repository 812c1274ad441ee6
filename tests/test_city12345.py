"""Work orders from the city's 12345 platform: signed intake, idempotent by order number, address
matching, the center placing what did not match, and the outcome reported back exactly once to a
real HTTP receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Building, CityOrder, CityOrderCallback, Community, Request
from resolvers.orders12345.address import normalise, parse
from schema.ids import to_global_id
from tests.loop_helpers import DISPATCH, REASON, STEP, Loop, dept, sub

SECRET = "test-12345-secret-" + uuid.uuid4().hex[:8]
ORDER_FIELDS = ("orderNo trackingCode match matchNote placed address callerName callerPhone requestState callbackStatus "
                "building { id } callbacks { state status attempts lastStatusCode payload }")
REQUEST_FIELDS = ("id trackingCode state channel text locationNote building { id } community { id } street { id } grid { id } "
                  "reporter { name phone view } suggestedSubcategory { name } history { edges { node { kind actorLabel } } }")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.fixture(autouse=True)
def link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITY12345_SECRET", SECRET)
    monkeypatch.delenv("CITY12345_CALLBACK_URL", raising=False)


@pytest.fixture
def loop(gql: Any, tokens: dict[str, str]) -> Loop:
    return Loop(gql, tokens)


def order_no() -> str:
    return "SD" + uuid.uuid4().hex[:14].upper()


def order(no: str, address: str, **over: Any) -> dict:
    body = {"orderNo": no, "receivedAt": "2026-11-20T09:30:00+08:00", "caller": {"name": "韩梅梅", "phone": "13905351234"},
            "text": "楼下烧烤店夜里油烟和噪音很大,影响休息", "address": address, "category": "噪音扰民"}
    body.update(over)
    return body


def sign(raw: bytes, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    ts = str(int(at if at is not None else time.time()))
    mac = hmac.new(secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {"content-type": "application/json", "X-12345-Timestamp": ts, "X-12345-Signature": "sha256=" + mac}


async def post(http: Any, body: Any, headers: dict[str, str] | None = None) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return await http.post("/api/12345/orders", content=raw, headers=headers if headers is not None else sign(raw))


async def unique_buildings(db: Any, n: int) -> list[Any]:
    """Buildings whose address, and its normalised form, belong to no other building."""
    b, c = Building.__table__, Community.__table__
    async with db.read() as conn:
        rows = (await conn.execute(select(b.c.id, b.c.address, b.c.community_id, b.c.street_id, b.c.grid_id)
                                   .join(c, c.c.id == b.c.community_id).where(c.c.name == "福泰社区").order_by(b.c.id))).all()
        everything = (await conn.execute(select(b.c.address))).scalars().all()
    keys = Counter(p.key for p in (parse(normalise(a)) for a in everything) if p and p.building)
    doors = Counter(p.door_key for p in (parse(normalise(a)) for a in everything) if p)
    picked = [r for r in rows if keys[parse(normalise(r.address)).key] == 1 and doors[parse(normalise(r.address)).door_key] == 1]
    assert len(picked) >= n
    return picked[:n]


async def orders_in_db(db: Any, *numbers: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.count()).select_from(CityOrder.__table__)
                                   .where(CityOrder.__table__.c.order_no.in_(numbers)))).scalar_one()


async def city_order(loop: Loop, no: str, role: str = "dispatcher") -> dict:
    q = f"query($f: CityOrderFilter) {{ cityOrders(filter: $f, first: 5) {{ totalCount edges {{ node {{ {ORDER_FIELDS} }} }} }} }}"
    data = await loop.gql.ok(q, {"f": {"orderNo": no}}, token=loop.tokens[role])
    assert data["cityOrders"]["totalCount"] == 1
    return data["cityOrders"]["edges"][0]["node"]


async def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Wait for a background effect (the delivery worker); the bound only keeps a broken run from hanging."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def test_a_signed_order_creates_a_located_request_with_the_caller_as_reporter(http: Any, db: Any, loop: Loop) -> None:
    (b,) = await unique_buildings(db, 1)
    no = order_no()
    response = await post(http, order(no, b.address))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["orderNo"] == no and body["replayed"] is False and body["match"] == "EXACT"
    assert body["building"]["id"] == to_global_id("Building", b.id)
    r = await loop.get("dispatcher", body["requestId"], REQUEST_FIELDS)
    assert r["trackingCode"] == body["trackingCode"] and r["state"] == "SUBMITTED"
    assert r["channel"] == "CITY_HOTLINE"
    assert r["text"] == "楼下烧烤店夜里油烟和噪音很大,影响休息"
    assert r["building"]["id"] == to_global_id("Building", b.id)
    assert r["community"]["id"] == to_global_id("Community", b.community_id)
    assert r["street"]["id"] == to_global_id("Street", b.street_id) and r["grid"]["id"] == to_global_id("Grid", b.grid_id)
    assert r["reporter"] == {"name": "韩梅梅", "phone": "13905351234", "view": "WHOLE"}
    assert r["suggestedSubcategory"]["name"] == "噪音扰民"
    first = r["history"]["edges"][0]["node"]
    assert first == {"kind": "SUBMITTED", "actorLabel": "12345热线"}
    listed = await city_order(loop, no)
    assert listed["match"] == "EXACT" and listed["placed"] is True and listed["requestState"] == "SUBMITTED"
    assert listed["callerName"] == "韩**" and listed["callerPhone"] == "139****1234"  # the list masks; the reporter is audited


async def test_a_full_width_address_with_unit_and_room_finds_the_same_building(http: Any, db: Any, loop: Loop) -> None:
    _, b = await unique_buildings(db, 2)
    p = parse(normalise(b.address))
    spoken = f"烟台市芝罘区 {p.head}{p.door.translate(FULL_WIDTH)}号{p.building.translate(FULL_WIDTH)}栋 ２单元３０１室"
    response = await post(http, order(order_no(), spoken, caller={"name": "李雷", "phone": "+86 139 0535 4321"}))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["building"]["id"] == to_global_id("Building", b.id) and body["match"] == "FUZZY"
    r = await loop.get("dispatcher", body["requestId"], REQUEST_FIELDS)
    assert r["building"]["id"] == to_global_id("Building", b.id)
    assert r["reporter"]["phone"] == "13905354321"
    assert "301" not in r["locationNote"] and "单元" not in r["locationNote"]  # household part stays with the center

    plain = f"{p.head}{p.door.translate(FULL_WIDTH)}号{p.building.translate(FULL_WIDTH)}号楼"
    again = (await post(http, order(order_no(), plain))).json()
    assert again["building"]["id"] == to_global_id("Building", b.id) and again["match"] == "NORMALISED"


async def test_the_same_order_twice_and_twice_at_once_is_one_request(http: Any, db: Any) -> None:
    (b,) = await unique_buildings(db, 1)
    no = order_no()
    first = await post(http, order(no, b.address))
    second = await post(http, order(no, b.address))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["replayed"] is True
    assert {k: second.json()[k] for k in ("requestId", "trackingCode")} == {k: first.json()[k] for k in ("requestId", "trackingCode")}
    assert await orders_in_db(db, no) == 1

    no2 = order_no()
    raw = json.dumps(order(no2, b.address), ensure_ascii=False).encode()
    async with db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(Request.__table__))).scalar_one()
    both = await asyncio.gather(post(http, raw), post(http, raw), post(http, raw))
    assert sorted(r.status_code for r in both) == [200, 200, 201]
    assert len({r.json()["trackingCode"] for r in both}) == 1
    assert await orders_in_db(db, no2) == 1
    async with db.read() as conn:
        after = (await conn.execute(select(func.count()).select_from(Request.__table__))).scalar_one()
    assert after == before + 1


async def test_unsigned_forged_stale_and_malformed_orders_are_refused_and_write_nothing(http: Any, db: Any) -> None:
    (b,) = await unique_buildings(db, 1)
    async with db.read() as conn:
        before = (await conn.execute(select(func.count()).select_from(Request.__table__))).scalar_one()
    nos = [order_no() for _ in range(5)]
    raw = json.dumps(order(nos[0], b.address), ensure_ascii=False).encode()

    unsigned = await post(http, raw, {"content-type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "UNSIGNED"
    forged = await post(http, raw, sign(raw, secret="not-the-secret"))
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "BAD_SIGNATURE"
    tampered = await post(http, raw.replace(nos[0].encode(), nos[1].encode()), sign(raw))
    assert tampered.status_code == 401 and tampered.json()["error"]["code"] == "BAD_SIGNATURE"
    stale = await post(http, raw, sign(raw, at=time.time() - 600))
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "STALE_TIMESTAMP"
    assert stale.json()["error"]["messageEn"]

    incomplete = order(nos[2], b.address, caller={"name": "王五", "phone": "12345"}, receivedAt="昨天")
    del incomplete["text"], incomplete["orderNo"]
    bad = await post(http, incomplete)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_ORDER"
    problems = {(p["field"], p["code"]) for p in bad.json()["error"]["problems"]}
    assert problems == {("orderNo", "REQUIRED"), ("text", "REQUIRED"), ("receivedAt", "MALFORMED"), ("caller.phone", "MALFORMED")}
    assert all(p["message"] and p["messageEn"] for p in bad.json()["error"]["problems"])

    no_caller = order(nos[3], "", attachments=["ftp://x"])
    del no_caller["caller"]
    bad2 = await post(http, no_caller)
    assert {(p["field"], p["code"]) for p in bad2.json()["error"]["problems"]} == {
        ("caller", "REQUIRED"), ("address", "REQUIRED"), ("attachments[0]", "MALFORMED")}
    not_json = await post(http, b"{not json")
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "MALFORMED_JSON"

    assert await orders_in_db(db, *nos) == 0
    async with db.read() as conn:
        after = (await conn.execute(select(func.count()).select_from(Request.__table__))).scalar_one()
    assert after == before


async def test_an_unmatched_address_waits_for_the_center_to_place_it(http: Any, db: Any, loop: Loop) -> None:
    (b,) = await unique_buildings(db, 1)
    body = (await post(http, order(order_no(), "无名路9999号88号楼", category="不存在的分类"))).json()
    assert body["match"] == "NONE" and body["building"] is None
    r = await loop.get("dispatcher", body["requestId"], REQUEST_FIELDS)
    assert r["building"] is None and r["community"] is None and r["street"] is None
    listed = await city_order(loop, body["orderNo"])
    assert listed["placed"] is False and listed["match"] == "NONE" and listed["matchNote"]
    unplaced = await loop.gql.ok("{ cityOrders(filter: {unplaced: true}, first: 100) { edges { node { orderNo } } } }", token=loop.tokens["dispatcher"])
    assert body["orderNo"] in {e["node"]["orderNo"] for e in unplaced["cityOrders"]["edges"]}

    place = "mutation($i: PlaceRequestInput!) { placeRequest(input: $i) { request { id version building { id } community { id } } order { match placed } } }"
    inp = {"id": body["requestId"], "buildingId": to_global_id("Building", b.id), "note": "来电人补充了门牌"}
    refused = await loop.gql.post(place, {"i": inp}, token=loop.tokens["community"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    placed = (await loop.gql.ok(place, {"i": inp}, token=loop.tokens["dispatcher"]))["placeRequest"]
    assert placed["request"]["building"]["id"] == to_global_id("Building", b.id)
    assert placed["request"]["community"]["id"] == to_global_id("Community", b.community_id)
    assert placed["order"] == {"match": "CENTER", "placed": True}
    r = await loop.get("dispatcher", body["requestId"], REQUEST_FIELDS)
    assert r["street"]["id"] == to_global_id("Street", b.street_id) and r["grid"]["id"] == to_global_id("Grid", b.grid_id)
    assert [e["node"]["kind"] for e in r["history"]["edges"]][-1] == "PLACED"
    # Once dispatched, its place is the units' to rely on: no more moving it.
    await loop.ok("dispatcher", "triageRequest", {"id": body["requestId"], "scope": "MAJOR", "subcategoryId": await sub(db, "噪音扰民")})
    await loop.ok("dispatcher", "dispatchRequest", {"id": body["requestId"], "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    again = await loop.gql.post(place, {"i": inp}, token=loop.tokens["dispatcher"])
    assert again["errors"][0]["extensions"]["code"] == "INVALID_TRANSITION"


async def test_only_the_center_and_admin_list_orders(loop: Loop) -> None:
    for role in ("community", "department", "district"):
        body = await loop.gql.post("{ cityOrders(first: 1) { totalCount } }", token=loop.tokens[role])
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await loop.gql.ok("{ cityOrders(first: 1) { totalCount } }", token=loop.tokens["admin"]))["cityOrders"]["totalCount"] >= 0


class Receiver:
    """The 12345 platform's callback endpoint, for real: a local HTTP server answering 500 to the
    first `fail_first[key]` deliveries of a report and 200 afterwards."""

    def __init__(self, fail_first: dict[str, int]) -> None:
        self.fail_first = fail_first
        self.calls: list[tuple[dict[str, str], bytes, int]] = []
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                key = self.headers.get("Idempotency-Key", "")
                with lock:
                    seen = sum(1 for h, _, _ in outer.calls if h.get("Idempotency-Key") == key)
                    status = 500 if seen < outer.fail_first.get(key, 0) else 200
                    outer.calls.append((dict(self.headers), raw, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/12345/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def of(self, key: str) -> list[tuple[dict[str, str], bytes, int]]:
        return [c for c in self.calls if c[0].get("Idempotency-Key") == key]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Any:
    made: list[Receiver] = []

    def make(fail_first: dict[str, int]) -> Receiver:
        made.append(Receiver(fail_first))
        return made[-1]

    yield make
    for r in made:
        r.close()


async def callback_row(db: Any, key: str) -> Any:
    async with db.read() as conn:
        return (await conn.execute(select(CityOrderCallback.__table__).where(CityOrderCallback.__table__.c.key == key))).first()


async def test_closing_through_the_loop_reports_back_once_after_a_retry(
    http: Any, db: Any, loop: Loop, receiver: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from resolvers.orders12345.delivery import deliver_due

    (b,) = await unique_buildings(db, 1)
    no = order_no()
    key = f"{no}:CLOSED"
    platform = receiver({key: 1})
    monkeypatch.setenv("CITY12345_CALLBACK_URL", platform.url)
    monkeypatch.setenv("CITY12345_RETRY_BASE_SECONDS", "0.2")

    created = (await post(http, order(no, b.address))).json()
    rid = created["requestId"]
    await loop.ok("dispatcher", "triageRequest", {"id": rid, "scope": "MAJOR", "subcategoryId": await sub(db, "噪音扰民")})
    await loop.ok("dispatcher", "dispatchRequest", {"id": rid, "lead": {"id": await dept(db, "区城市管理局")}}, DISPATCH)
    await loop.ok("department", "acceptRequest", {"id": rid}, STEP)
    await loop.ok("department", "resolveRequest", {"id": rid, "resolution": "已责令烧烤店加装油烟净化器并停止夜间经营"})
    assert platform.of(key) == []  # resolved is not the end: nothing owed yet
    closed = await loop.ok("dispatcher", "closeRequest", {"id": rid, "note": "回访满意"}, STEP)
    assert closed["state"] == "CLOSED"

    row = await eventually(lambda: _delivered(db, key))
    assert row.attempts == 2 and row.last_status_code == 200
    calls = platform.of(key)
    assert [status for _, _, status in calls] == [500, 200]
    headers, raw, _ = calls[-1]
    ts = headers["X-12345-Timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    assert headers["X-12345-Signature"] == expected
    sent = json.loads(raw)
    assert sent["orderNo"] == no and sent["trackingCode"] == created["trackingCode"] and sent["state"] == "CLOSED"
    assert sent["resolution"] == "已责令烧烤店加装油烟净化器并停止夜间经营" and sent["closedAt"]
    assert "rating" not in sent and "韩梅梅" not in raw.decode() and "13905351234" not in raw.decode()

    await deliver_due(db)  # another pass (any process's worker) sends nothing more
    assert len(platform.of(key)) == 2
    listed = await city_order(loop, no, role="admin")
    assert listed["callbackStatus"] == "DELIVERED" and listed["requestState"] == "CLOSED"
    again = await loop.gql.post("mutation($i: RetryOrderCallbackInput!) { retryOrderCallback(input: $i) { order { orderNo } } }",
                                {"i": {"orderNo": no}}, token=loop.tokens["dispatcher"])
    assert again["errors"][0]["extensions"]["code"] == "INVALID_TRANSITION"


async def _delivered(db: Any, key: str) -> Any:
    row = await callback_row(db, key)
    return row if row is not None and row.status == "DELIVERED" else None


async def test_rejection_and_merging_are_reported_to_every_order_behind_them(http: Any, db: Any, loop: Loop) -> None:
    b1, b2 = await unique_buildings(db, 2)
    a = (await post(http, order(order_no(), b1.address, text="小区门口占道经营严重"))).json()
    survivor = (await post(http, order(order_no(), b2.address, text="小区门口占道经营,晚上更严重"))).json()
    await loop.ok("dispatcher", "mergeRequest", {"id": a["requestId"], "intoId": survivor["requestId"]}, "MergeRequestInput")
    merged = await city_order(loop, a["orderNo"])
    assert [(c["state"], c["status"]) for c in merged["callbacks"]] == [("MERGED", "PENDING")]
    assert json.loads(merged["callbacks"][0]["payload"])["mergedInto"] == survivor["trackingCode"]

    await loop.ok("dispatcher", "rejectRequest", {"id": survivor["requestId"], "reason": "属于市级市场监管职责,已退回12345"}, REASON)
    for no in (a["orderNo"], survivor["orderNo"]):
        listed = await city_order(loop, no)
        rejected = [json.loads(c["payload"]) for c in listed["callbacks"] if c["state"] == "REJECTED"]
        assert len(rejected) == 1 and rejected[0]["resolution"] == "属于市级市场监管职责,已退回12345"
    assert json.loads([c for c in (await city_order(loop, a["orderNo"]))["callbacks"] if c["state"] == "REJECTED"][0]["payload"])[
        "mergedInto"] == survivor["trackingCode"]


async def test_a_report_that_gave_up_is_sent_again_on_request(
    http: Any, db: Any, loop: Loop, receiver: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.conftest import free_port

    (b,) = await unique_buildings(db, 1)
    created = (await post(http, order(order_no(), b.address, text="路灯不亮"))).json()
    key = f"{created['orderNo']}:REJECTED"
    monkeypatch.setenv("CITY12345_CALLBACK_URL", f"http://127.0.0.1:{free_port()}/nobody-listens")
    monkeypatch.setenv("CITY12345_MAX_ATTEMPTS", "1")
    await loop.ok("dispatcher", "rejectRequest", {"id": created["requestId"], "reason": "重复来电"}, REASON)
    failed = await eventually(lambda: _status(db, key, "FAILED"))
    assert failed.attempts == 1 and failed.last_status_code is None and failed.last_error

    platform = receiver({})
    monkeypatch.setenv("CITY12345_CALLBACK_URL", platform.url)
    retry = "mutation($i: RetryOrderCallbackInput!) { retryOrderCallback(input: $i) { order { callbacks { status attempts } } } }"
    refused = await loop.gql.post(retry, {"i": {"orderNo": created["orderNo"]}}, token=loop.tokens["community"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await loop.gql.ok(retry, {"i": {"orderNo": created["orderNo"]}}, token=loop.tokens["admin"])
    await eventually(lambda: _status(db, key, "DELIVERED"))
    assert [s for _, _, s in platform.of(key)] == [200]


async def _status(db: Any, key: str, status: str) -> Any:
    row = await callback_row(db, key)
    return row if row is not None and row.status == status else None


async def test_the_console_places_an_unplaced_order_and_sends_a_failed_report_again(
    http: Any, db: Any, loop: Loop, settings: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The admin console's 12345 tab in Chromium (under uvicorn on this session's database)."""
    from playwright.async_api import async_playwright

    from tests.browser_helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ensure_console_built, require_chromium
    from tests.conftest import BACKEND, LiveServer, free_port

    require_chromium()
    ensure_console_built()
    (b,) = await unique_buildings(db, 1)
    lost = (await post(http, order(order_no(), "无名路8888号66号楼", text="楼道灯坏了一个月"))).json()
    failing = (await post(http, order(order_no(), b.address, text="单元门禁坏了"))).json()
    monkeypatch.setenv("CITY12345_CALLBACK_URL", f"http://127.0.0.1:{free_port()}/nobody-listens")
    monkeypatch.setenv("CITY12345_MAX_ATTEMPTS", "1")
    await loop.ok("dispatcher", "rejectRequest", {"id": failing["requestId"], "reason": "重复来电"}, REASON)
    await eventually(lambda: _status(db, f"{failing['orderNo']}:REJECTED", "FAILED"))
    monkeypatch.delenv("CITY12345_CALLBACK_URL")  # from here on the report waits, so the page can show it queued

    server = LiveServer(settings, extra_env={"CITY12345_SECRET": SECRET})
    await asyncio.to_thread(server.wait_ready)
    pw = await async_playwright().start()
    chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = await (await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                                 viewport={"width": 1440, "height": 900})).new_page()
        await page.goto(server.url + "/console/admin/orders")
        await page.fill("input[name=username]", "admin")
        await page.fill("input[name=password]", "demo")
        await page.click("form[aria-label=登录] button[type=submit]")
        await page.wait_for_selector("[data-testid=orders-table]", timeout=15_000)

        await page.click("[data-filter=unplaced]")
        row = page.locator(f"tr[data-order='{lost['orderNo']}']")
        await row.wait_for(timeout=15_000)
        assert "待定位" in await row.inner_text()
        await row.locator("[data-action=place]").click()
        await page.fill("input[name=place-search]", b.address)
        await page.locator("[data-testid=place-buildings] input[type=radio]").first.wait_for(timeout=15_000)
        options = page.locator("[data-testid=place-buildings] li")
        assert await options.count() == 1 and b.address in await options.first.inner_text()
        await options.first.locator("input").check()
        await page.fill("input[name=place-note]", "回拨来电人确认了地址")
        await page.click("[data-action=confirm-place]")
        await page.wait_for_selector("[data-testid=orders-notice]", timeout=15_000)
        r = await loop.get("dispatcher", lost["requestId"], REQUEST_FIELDS)
        assert r["building"]["id"] == to_global_id("Building", b.id)

        await page.click("[data-filter=failed]")
        failed_row = page.locator(f"tr[data-order='{failing['orderNo']}']")
        await failed_row.wait_for(timeout=15_000)
        assert "回告失败" in await failed_row.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"orders-failed-{BACKEND}.png"), full_page=True)
        await failed_row.locator("[data-action=retry]").click()
        await page.wait_for_selector("[data-testid=orders-notice]", timeout=15_000)
        row_now = await _status(db, f"{failing['orderNo']}:REJECTED", "PENDING")
        assert row_now is not None and row_now.attempts == 0
        await page.click("[data-filter=pending]")
        await page.locator(f"tr[data-order='{failing['orderNo']}'] [data-testid=order-callback]:has-text('待回告')").wait_for(timeout=15_000)
        await page.screenshot(path=str(ARTIFACTS / f"orders-{BACKEND}.png"), full_page=True)
    finally:
        await chromium.close()
        await pw.stop()
        server.stop()


async def test_a_commit_that_owes_a_report_wakes_every_delivery_worker_of_the_process(db: Any) -> None:
    # Another app's worker in the same process came and went (the suite starts several apps): the
    # first must still be woken, not left to its IDLE_SECONDS poll (which let the tests above
    # time out by milliseconds when an app started before them had taken the bell).
    from resolvers.orders12345 import callbacks

    with callbacks.wakeup() as first:
        with callbacks.wakeup() as second:
            pass
        first.clear()
        async with db.write_turn(), db.sessions() as session:
            callbacks._ring_after_commit(session)
            await session.execute(select(func.count()).select_from(CityOrder.__table__))
            await session.rollback()
        assert not first.is_set()  # nothing committed, nothing owed
        async with db.write_turn(), db.sessions() as session:
            callbacks._ring_after_commit(session)
            await session.execute(select(func.count()).select_from(CityOrder.__table__))
            await session.commit()
        assert first.is_set() and not second.is_set()
