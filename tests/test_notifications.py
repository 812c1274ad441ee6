"""Notifications to residents (issue #8, part 4).

The outbox, through the real request loop on the session's demo district: each notifying step
writes exactly one row per reporter — the reporters of merged duplicates included, a person who
reported twice once — in the change's own transaction (a rolled-back change writes none); texts
carry the reporter's tracking code and the tier-B assignee's name and work phone; the tracking
page shows a reporter what was sent to them and nothing sent to anyone else, and the app's own
worker (the default log sender) sends them.

The worker, on a database of its own (the session's app and any live server run workers of their
own on the shared one): a real HTTP server on a free port plays the SMS gateway and the WeChat
template API. A 503 is retried with backoff and the message delivered once; two workers at once
never send a row twice; a row claimed by a worker that died mid-send is sent again after its
lease and the provider's idempotency key keeps it to one delivery; a gateway that keeps failing
leaves the row FAILED after the last attempt, a refusal at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import tempfile
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse
from starlette.routing import Route

from db.engine import Database
from db.models import Notification, Request, RequestEvent, User
from resolvers import events
from resolvers.actor import Actor
from resolvers.notifications import templates
from resolvers.notifications.config import SMS, WECHAT, NotifyConfig, NotifyConfigError
from resolvers.notifications.recipients import recipients
from resolvers.notifications.senders import LogSender, Message, SmsGatewaySender, WeChatTemplateSender
from resolvers.notifications.worker import Outcome, Worker
from resolvers.requests import intake, triage
from resolvers.requests.vocab import Channel
from resolvers.roles import Role
from tests.conftest import BACKEND, RUN_ID, _pg_admin, _postgres_admin_url, free_port
from tests.loop_helpers import REASON, STEP, Loop, qr_token_in, sub

N = Notification.__table__
TRACK = """query($c: String!) { requestByTrackingCode(code: $c) {
  trackingCode notifications { channel text status createdAt sentAt } } }"""
FOLLOW = "mutation($i: FollowRequestOnWeChatInput!) { followRequestOnWeChat(input: $i) { trackingCode } }"


def phone() -> str:
    return "139" + "".join(random.choice("0123456789") for _ in range(8))


def openid() -> str:
    return "oTest" + "".join(random.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH0123456789") for _ in range(23))


async def rows_of(db: Any, *request_ids: int) -> list[Any]:
    async with db.read() as conn:
        return list((await conn.execute(select(N).where(N.c.request_id.in_(request_ids)).order_by(N.c.id))).all())


async def pk(db: Any, code: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(Request.id).where(Request.tracking_code == code))).scalar_one()


async def events_of(db: Any, request_id: int) -> list[Any]:
    t = RequestEvent.__table__
    async with db.read() as conn:
        return list((await conn.execute(select(t.c.kind, t.c.version).where(t.c.request_id == request_id).order_by(t.c.seq))).all())


@pytest.fixture
def loop(gql: Any, tokens: dict[str, str]) -> Loop:
    return Loop(gql, tokens)


# --- the outbox, through the request loop -------------------------------------------------------

@pytest_asyncio.fixture(scope="module")
async def merged_case(http: Any, tokens: dict[str, str], db: Any) -> dict[str, Any]:
    """Three residents' reports of one issue in 福泰社区 (the first resident reports twice), merged,
    then the survivor handled to the end as a tier-B minor matter and rated."""
    from tests.conftest import GQL

    loop = Loop(GQL(http), tokens)
    p1, p2 = phone(), phone()
    text = f"3号楼门前垃圾堆放无人清运 {RUN_ID}"
    a = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 31), text=text, contactName="赵敏", contactPhone=p1))["request"]
    b = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 32), text=text, contactName="钱亮", contactPhone=p2))["request"]
    c = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 33), text=text + "(再次反映)", contactPhone=p1))["request"]
    for dup in (b, c):
        await loop.ok("dispatcher", "mergeRequest", {"id": dup["id"], "intoId": a["id"], "note": "同一问题"}, "MergeRequestInput")
    await loop.ok("dispatcher", "triageRequest", {"id": a["id"], "scope": "MINOR", "subcategoryId": await sub(db, "环境卫生")})
    deadline = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    await loop.ok("community", "classifyMinorRequest", {"id": a["id"], "tier": "B", "assigneeName": "王芳", "assigneeTitle": "网格长",
                                                        "assigneePhone": "13805350123", "deadline": deadline}, "ClassifyMinorInput")
    await loop.ok("community", "reportProgress", {"id": a["id"], "note": "已联系物业,明早集中清运"}, STEP)
    await loop.ok("community", "resolveRequest", {"id": a["id"], "resolution": "垃圾已清运,门前增设两个分类垃圾桶"}, "ResolveRequestInput")
    await loop.ok(None, "rateRequest", {"trackingCode": a["trackingCode"], "rating": "SATISFIED"}, "RateRequestInput")
    ids = {k: await pk(db, r["trackingCode"]) for k, r in (("a", a), ("b", b), ("c", c))}
    return {"a": a, "b": b, "c": c, "p1": p1, "p2": p2, "ids": ids}


async def test_each_notifying_step_writes_one_row_per_reporter_merged_reporters_included(db: Any, merged_case: dict) -> None:
    case = merged_case
    a, b, c = case["ids"]["a"], case["ids"]["b"], case["ids"]["c"]
    code = {k: case[k]["trackingCode"] for k in "abc"}
    rows = await rows_of(db, a, b, c)
    by_event: dict[tuple[int, int], list[Any]] = {}
    for r in rows:
        by_event.setdefault((r.request_id, r.event_version), []).append(r)

    # The survivor: after the merges every step reaches both people, the one who reported twice once.
    survivor = await events_of(db, a)
    kinds = [e.kind for e in survivor]
    assert kinds == ["SUBMITTED", "MERGED_IN", "MERGED_IN", "TRIAGED", "CLASSIFIED", "PROGRESS", "RESOLVED", "RATED", "CLOSED"]
    for e in survivor:
        got = by_event.get((a, e.version), [])
        if e.kind in ("MERGED_IN", "TRIAGED", "RATED"):
            assert got == [], e.kind  # internal steps: residents are not told
        elif e.kind == "SUBMITTED":
            assert [(r.channel, r.address) for r in got] == [(SMS, case["p1"])]
        else:
            assert sorted((r.channel, r.address) for r in got) == sorted([(SMS, case["p1"]), (SMS, case["p2"])]), e.kind
            # Each in the words of their own report: the code they hold.
            assert all(code["a"] in r.text for r in got if r.address == case["p1"])
            assert all(code["b"] in r.text and code["a"] not in r.text for r in got if r.address == case["p2"])

    texts = {r.event_kind: r.text for r in rows if r.request_id == a and r.address == case["p2"]}
    assert "王芳" in texts["CLASSIFIED"] and "13805350123" in texts["CLASSIFIED"]
    assert "已联系物业" in texts["PROGRESS"]
    assert "已办结" in texts["RESOLVED"] and "评价" in texts["RESOLVED"]
    assert "归档" in texts["CLOSED"]
    assert all(len(r.text) <= templates.SMS_SEGMENT for r in rows)

    # The duplicates: their reporters heard of their own submission and where it went.
    for dup, person in ((b, case["p2"]), (c, case["p1"])):
        own = [(r.event_kind, r.address) for r in rows if r.request_id == dup]
        assert own == [("SUBMITTED", person), ("MERGED", person)]
        merged = next(r for r in rows if r.request_id == dup and r.event_kind == "MERGED")
        assert code["a"] in merged.text
    # Written once: no two rows for one event, channel and address (the table's unique key too).
    assert len({(r.request_id, r.event_version, r.channel, r.address) for r in rows}) == len(rows)


async def test_the_reporters_of_several_requests_at_once_are_each_ones_alone(db: Any, merged_case: dict) -> None:
    # A unit of work that touches one request asks with one id, one that touches several with a
    # list (two statements: PostgreSQL would plan the list's again at every execution).
    ids = merged_case["ids"]
    async with db.write_turn(), db.sessions() as session:
        together = await recipients(session, [ids["a"], ids["b"], ids["c"]], frozenset({SMS, WECHAT}))
        alone = {k: await recipients(session, [ids[k]], frozenset({SMS, WECHAT})) for k in "abc"}
        await session.rollback()
    assert together == {ids[k]: alone[k][ids[k]] for k in "abc"}
    assert [(r.channel, r.address) for r in alone["a"][ids["a"]]] == [(SMS, merged_case["p1"]), (SMS, merged_case["p2"])]
    assert [(r.channel, r.address, r.code) for r in alone["b"][ids["b"]]] == [(SMS, merged_case["p2"], merged_case["b"]["trackingCode"])]


async def test_the_tracking_page_shows_what_was_sent_to_this_reporter_only(gql: Any, db: Any, merged_case: dict) -> None:
    case = merged_case
    for key, person, other in (("b", "p2", "p1"), ("a", "p1", "p2"), ("c", "p1", "p2")):
        expected = [r for r in await rows_of(db, *case["ids"].values()) if r.address == case[person]
                    and r.request_id in ({case["ids"][key], case["ids"]["a"]})]
        # The app's own worker (the default log sender) sends them; wait until it has.
        for _ in range(200):
            seen = (await gql.ok(TRACK, {"c": case[key]["trackingCode"]}))["requestByTrackingCode"]["notifications"]
            if len(seen) == len(expected) and all(n["status"] == "SENT" for n in seen):
                break
            await asyncio.sleep(0.05)
        assert [n["text"] for n in seen] == [r.text for r in expected]
        assert all(n["channel"] == "SMS" and n["status"] == "SENT" and n["sentAt"] for n in seen)
        assert not any(case[other] in n["text"] or case[person] in n["text"] for n in seen)
    b_texts = [n["text"] for n in (await gql.ok(TRACK, {"c": case["b"]["trackingCode"]}))["requestByTrackingCode"]["notifications"]]
    # The reporter of the duplicate followed the survivor to the end, in the code they hold.
    assert len(b_texts) == 6 and all(case["b"]["trackingCode"] in t for t in b_texts)
    assert "合并" in b_texts[1] and "13805350123" in b_texts[2] and "评价" in b_texts[4]


async def test_a_wechat_follower_gets_template_rows_and_bad_follows_are_refused(loop: Loop, gql: Any, db: Any) -> None:
    p, oid = phone(), openid()
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 34), text=f"楼道灯不亮 {RUN_ID}", contactPhone=p))["request"]
    assert (await gql.ok(FOLLOW, {"i": {"trackingCode": r["trackingCode"].lower(), "openid": oid}}))["followRequestOnWeChat"]["trackingCode"] == r["trackingCode"]
    await gql.ok(FOLLOW, {"i": {"trackingCode": r["trackingCode"], "openid": oid}})  # again: no second follower
    bad = await gql.post(FOLLOW, {"i": {"trackingCode": r["trackingCode"], "openid": "x'; drop"}})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    unknown = await gql.post(FOLLOW, {"i": {"trackingCode": "ZF00000000", "openid": oid}})
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    await loop.ok("dispatcher", "rejectRequest", {"id": r["id"], "reason": "重复提交"}, REASON)
    rows = [(x.event_kind, x.channel, x.address) for x in await rows_of(db, await pk(db, r["trackingCode"]))]
    assert rows == [("SUBMITTED", SMS, p), ("REJECTED", SMS, p), ("REJECTED", WECHAT, oid)]
    rejected = [x for x in await rows_of(db, await pk(db, r["trackingCode"])) if x.event_kind == "REJECTED"]
    assert all("重复提交" not in x.text for x in rejected)  # the reason is the center's, not for residents
    assert json.loads(rejected[1].data)["code"] == r["trackingCode"]


async def test_a_rolled_back_change_writes_no_notification(loop: Loop, db: Any) -> None:
    p = phone()
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 35), text=f"下水井盖松动 {RUN_ID}", contactPhone=p))["request"]
    rid = await pk(db, r["trackingCode"])
    before = [(x.id, x.event_kind) for x in await rows_of(db, rid)]
    async with db.read() as conn:
        uid = (await conn.execute(select(User.id).where(User.username == "dispatcher"))).scalar_one()
    dispatcher = Actor(user_id=uid, username="dispatcher", display_name="中心调度", role=Role.CENTER_DISPATCHER)
    async with db.write_turn(), db.sessions() as session:
        await triage.reject(session, dispatcher, rid, reason="测试回滚")
        await events.flush_events(session)
        # Inside the transaction the row is there, written with the change ...
        inside = (await session.execute(select(func.count()).select_from(N).where(N.c.request_id == rid))).scalar_one()
        assert inside == len(before) + 1
        await session.rollback()  # ... and the change fails before it commits
    assert [(x.id, x.event_kind) for x in await rows_of(db, rid)] == before
    assert (await loop.get("dispatcher", r["id"]))["state"] == "SUBMITTED"
    # Through the API: a stale version is a CONFLICT and tells nobody anything.
    assert await loop.err("dispatcher", "rejectRequest", {"id": r["id"], "reason": "x", "version": 0}, REASON) == "CONFLICT"
    assert [(x.id, x.event_kind) for x in await rows_of(db, rid)] == before


async def test_the_same_event_never_gets_a_second_row(loop: Loop, db: Any) -> None:
    from resolvers.notifications.outbox import write_notifications

    r = (await loop.submit(None, qrToken=await qr_token_in(db, "福泰社区", 37), text=f"电梯异响 {RUN_ID}", contactPhone=phone()))["request"]
    rid = await pk(db, r["trackingCode"])
    t = RequestEvent.__table__
    async with db.read() as conn:
        e = (await conn.execute(select(t).where(t.c.request_id == rid, t.c.kind == "SUBMITTED"))).mappings().one()
    staged = events.StagedEvent(**{k: e[k] for k in events.StagedEvent.__dataclass_fields__})
    async with db.write_turn(), db.sessions() as session:
        await write_notifications(session, [staged, staged])  # the event again, twice over
        count = (await session.execute(select(func.count()).select_from(N).where(N.c.request_id == rid))).scalar_one()
        await session.rollback()
    assert count == 1


def test_every_text_fits_one_sms_segment_and_says_only_what_the_tracking_page_may() -> None:
    at = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
    long = "很长的说明文字" * 40
    base = dict(code="ZF7K3M9Q2P", at=at, note=long, merged_into="ZFABCDEFGH", deadline=at + timedelta(days=2))
    for kind in sorted(templates.NOTIFYING):
        for tier in ("A", "B", "C"):
            text = templates.compose(templates.Facts(kind=kind, tier=tier, assignee_name="欧阳" * 16, assignee_title="社区党委副书记兼网格长",
                                                     assignee_phone="13805350123", progress_interval_days=7, **base))
            assert text is not None and text.startswith(templates.SIGNATURE) and "ZF7K3M9Q2P" in text, kind
            assert len(text) <= templates.SMS_SEGMENT, (kind, len(text), text)
    b = templates.compose(templates.Facts(kind="CLASSIFIED", tier="B", assignee_name="王芳", assignee_title="网格长",
                                          assignee_phone="13805350123", **base))
    assert "由网格长王芳负责" in b and "13805350123" in b and "11月28日18:00" in b
    squeezed = templates.compose(templates.Facts(kind="CLASSIFIED", tier="B", assignee_name="欧阳" * 16, assignee_title="x" * 30,
                                                 assignee_phone="13805350123", **base))
    assert "13805350123" in squeezed and "x" not in squeezed  # the phone stays, the title goes first
    for internal in ("TRIAGED", "DISPUTED", "ESCALATED", "OVERDUE", "RATED", "MERGED_IN", "CO_ACCEPTED"):
        assert templates.compose(templates.Facts(kind=internal, **base)) is None


def test_senders_are_chosen_by_environment() -> None:
    assert NotifyConfig.from_env({}).senders == {SMS: "log", WECHAT: "log"}
    env = {"NOTIFY_SENDER": "sms, log", "NOTIFY_SMS_URL": "http://gw/sms", "NOTIFY_SMS_KEY": "k"}
    assert NotifyConfig.from_env(env).senders == {SMS: "sms", WECHAT: "log"}
    assert NotifyConfig.from_env({**env, "NOTIFY_SENDER": "sms"}).channels == {SMS}
    for bad in ({"NOTIFY_SENDER": "pigeon"}, {"NOTIFY_SENDER": "sms"}, {"NOTIFY_SENDER": "wechat", "NOTIFY_WECHAT_TOKEN": "t"},
                {"NOTIFY_MAX_ATTEMPTS": "0"}, {"NOTIFY_LEASE_SECONDS": "5", "NOTIFY_TIMEOUT_SECONDS": "10"}):
        with pytest.raises(NotifyConfigError):
            NotifyConfig.from_env(bad)


async def test_the_log_sender_records_structured_and_masked(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ehuying.notify"):
        receipt = await LogSender().send(Message(7, "k" * 32, SMS, "13912345678", "【e呼应】测试", {}))
    record = json.loads(caplog.records[-1].getMessage().split(" ", 1)[1])
    assert record == {"id": 7, "key": "k" * 32, "channel": SMS, "to": "139****5678", "text": "【e呼应】测试"}
    assert str(receipt) == "log:" + "k" * 32


# --- the worker, on a database of its own, with a real gateway -----------------------------------

class Gateway:
    """An SMS gateway and a WeChat template API on a free local port, with scripted failures."""

    KEY = "gw-key-" + RUN_ID
    TOKEN = "wx-token-" + RUN_ID

    def __init__(self) -> None:
        self.received: list[str] = []  # the idempotency key of every call that reached us
        self.delivered: dict[str, str] = {}  # key → message id: what a phone actually got
        self.wechat: list[dict] = []
        self.fail_first: set[str] = set()
        self.always_503: set[str] = set()
        self.refuse: set[str] = set()
        self._failed: set[str] = set()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(routes=[Route("/sms", self.sms, methods=["POST"]), Route("/wechat", self.template, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"))

    async def sms(self, request: HttpRequest) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.KEY}":
            return JSONResponse({"error": "bad key"}, status_code=401)
        body = await request.json()
        key = request.headers["idempotency-key"]
        assert body["idempotencyKey"] == key
        self.received.append(key)
        await asyncio.sleep(0.01)  # a real gateway takes a moment: overlapping workers would show
        number = body["phone"]
        if number in self.always_503 or (number in self.fail_first and key not in self._failed):
            self._failed.add(key)
            return JSONResponse({"error": "busy"}, status_code=503)
        if number in self.refuse:
            return JSONResponse({"error": "invalid number"}, status_code=400)
        if key not in self.delivered:
            self.delivered[key] = f"m{len(self.delivered) + 1}"
        return JSONResponse({"messageId": self.delivered[key]})

    async def template(self, request: HttpRequest) -> JSONResponse:
        if request.query_params.get("access_token") != self.TOKEN:
            return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
        body = await request.json()
        self.wechat.append(body)
        if body["touser"].endswith("unsub"):
            return JSONResponse({"errcode": 43004, "errmsg": "require subscribe"})
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": 2000 + len(self.wechat)})

    async def __aenter__(self) -> Gateway:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        await self.task


@pytest_asyncio.fixture(scope="module")
async def own_db_url() -> Any:
    from db import migrate
    from config import normalise_database_url

    if BACKEND == "postgres":
        name = f"ehy_notify_{RUN_ID}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = normalise_database_url(_postgres_admin_url().rsplit("/", 1)[0] + f"/{name}")
    else:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='ehy-notify-')) / 'notify.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    yield url
    if BACKEND == "postgres":
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="module")
async def own(own_db_url: str) -> Any:
    """A database nobody else's worker reads, with a center dispatcher who takes hotline calls."""
    db = Database.from_url(own_db_url)
    async with db.write() as session:
        session.add(User(username="notify-dispatcher", password_hash="-", display_name="中心调度员", role=Role.CENTER_DISPATCHER.value))
    yield db
    await db.dispose()


async def dispatcher_in(db: Database) -> Actor:
    async with db.read() as conn:
        uid = (await conn.execute(select(User.id).where(User.username == "notify-dispatcher"))).scalar_one()
    return Actor(user_id=uid, username="notify-dispatcher", display_name="中心调度员", role=Role.CENTER_DISPATCHER)


@pytest_asyncio.fixture
async def gateway() -> Any:
    async with Gateway() as gw:
        yield gw


async def hotline_call(db: Database, number: str, text: str = "小区路灯不亮") -> int:
    """A resident phones the center: one request, one SUBMITTED notification to their mobile."""
    dispatcher = await dispatcher_in(db)
    async with db.write_turn(), db.sessions() as session:
        done = await intake.submit_request(session, dispatcher, intake.SubmitInput(
            text=f"{text} {RUN_ID}", channel=Channel.HOTLINE, location_note="人民路 12 号", contact_phone=number))
        await events.flush_events(session)
        await session.commit()
    return done.request.id


def config(gw: Gateway, **over: Any) -> NotifyConfig:
    cfg = NotifyConfig(**{
        "senders": {SMS: "sms"}, "sms_url": gw.url + "/sms", "sms_key": gw.KEY, "max_attempts": 3,
        "backoff_seconds": 0.05, "backoff_max_seconds": 0.2, "lease_seconds": 5.0, "timeout_seconds": 2.0,
        "batch": 5, "poll_seconds": 0.05, **over,
    })
    cfg.check()
    return cfg


def sms_worker(db: Database, cfg: NotifyConfig) -> Worker:
    return Worker(db, {SMS: SmsGatewaySender(cfg.sms_url, cfg.sms_key, cfg.timeout_seconds)}, cfg)


async def run_until_settled(db: Database, workers: list[Worker], request_ids: list[int], timeout: float = 30.0) -> list[Any]:
    """Run the workers until every row of these requests is SENT or FAILED."""
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        async with asyncio.timeout(timeout):
            while True:
                rows = await rows_of(db, *request_ids)
                if rows and all(r.state in ("SENT", "FAILED") for r in rows):
                    return rows
                await asyncio.sleep(0.05)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_503_is_retried_with_backoff_and_the_message_sent_once(own: Database, gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    number = phone()
    gateway.fail_first.add(number)
    rid = await hotline_call(own, number)
    with caplog.at_level(logging.WARNING, logger="ehuying.notify"):
        [row] = await run_until_settled(own, [sms_worker(own, config(gateway))], [rid])
    assert row.state == "SENT" and row.attempts == 2 and row.claim_token is None and row.sent_at is not None
    assert gateway.received.count(row.idempotency_key) == 2  # the refused try and the retry
    assert row.provider_receipt == f"sms:{gateway.delivered[row.idempotency_key]}"
    [retry] = [r.getMessage() for r in caplog.records if f"notification {row.id} " in r.getMessage()]
    assert "attempt 1 failed, retry at" in retry and "503" in retry


async def test_two_workers_at_once_never_send_a_row_twice(own: Database, own_db_url: str, gateway: Gateway) -> None:
    ids = [await hotline_call(own, phone(), text=f"第{i}户反映楼道堆物") for i in range(30)]
    other = Database.from_url(own_db_url)  # the second worker's own engine, as another process would have
    try:
        cfg = config(gateway)
        rows = await run_until_settled(own, [sms_worker(own, cfg), sms_worker(other, cfg)], ids)
    finally:
        await other.dispose()
    assert len(rows) == 30 and all(r.state == "SENT" and r.attempts == 1 for r in rows)
    keys = Counter(gateway.received)
    assert [keys[r.idempotency_key] for r in rows] == [1] * 30


async def test_a_row_held_by_a_dead_worker_is_sent_again_after_its_lease_and_delivered_once(own: Database, gateway: Gateway) -> None:
    rid = await hotline_call(own, phone())
    cfg = config(gateway, lease_seconds=0.5, timeout_seconds=0.25)
    dead = sms_worker(own, cfg)
    token, [message], attempts = await dead.claim()
    await dead.senders[SMS].send(message)  # it sent, then died before recording the outcome
    assert (await rows_of(own, rid))[0].state == "SENDING"
    [row] = await run_until_settled(own, [sms_worker(own, cfg)], [rid])
    assert row.state == "SENT" and row.attempts == 2
    assert gateway.received.count(message.idempotency_key) == 2 and len(gateway.delivered) == 1  # the provider kept it to one
    # The dead worker's late word changes nothing: its claim is gone.
    await dead.record(token, [Outcome(message, attempts[message.id], "FAILED", error="late")])
    assert (await rows_of(own, rid))[0].state == "SENT"
    await dead.senders[SMS].aclose()


async def test_a_gateway_that_keeps_failing_leaves_the_row_failed_after_the_last_attempt(own: Database, gateway: Gateway) -> None:
    down, invalid = phone(), phone()
    gateway.always_503.add(down)
    gateway.refuse.add(invalid)
    ids = [await hotline_call(own, down), await hotline_call(own, invalid)]
    rows = await run_until_settled(own, [sms_worker(own, config(gateway))], ids)
    by = {r.address: r for r in rows}
    assert by[down].state == "FAILED" and by[down].attempts == 3 and "503" in by[down].last_error
    assert gateway.received.count(by[down].idempotency_key) == 3
    assert by[invalid].state == "FAILED" and by[invalid].attempts == 1 and "400" in by[invalid].last_error  # refused: no retry
    assert gateway.delivered == {}


async def test_wechat_template_messages_take_the_template_api_shape(own: Database, gateway: Gateway) -> None:
    from resolvers.notifications.tracking import follow_on_wechat

    rid = await hotline_call(own, phone())
    follower, unsubscribed = openid(), openid()[:-5] + "unsub"
    async with own.write_turn(), own.sessions() as session:
        code = (await session.get(Request, rid)).tracking_code
        for oid in (follower, unsubscribed):
            await follow_on_wechat(session, code, oid)
        await triage.reject(session, await dispatcher_in(own), rid, reason="非本区事项")
        await events.flush_events(session)
        await session.commit()
    cfg = config(gateway, senders={WECHAT: "wechat"}, wechat_url=gateway.url + "/wechat", wechat_template_id="TPL-1", wechat_token=gateway.TOKEN)
    worker = Worker(own, {WECHAT: WeChatTemplateSender(cfg.wechat_url, cfg.wechat_template_id, cfg.wechat_token, cfg.timeout_seconds)}, cfg)
    tasks = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(30):
            while not all(r.state in ("SENT", "FAILED") for r in await rows_of(own, rid) if r.channel == WECHAT):
                await asyncio.sleep(0.05)
    finally:
        tasks.cancel()
        await asyncio.gather(tasks, return_exceptions=True)
    rows = {r.address: r for r in await rows_of(own, rid) if r.channel == WECHAT}
    assert rows[follower].state == "SENT" and rows[follower].provider_receipt.startswith("wechat:20")
    assert rows[unsubscribed].state == "FAILED" and rows[unsubscribed].attempts == 1 and "43004" in rows[unsubscribed].last_error
    sent = next(b for b in gateway.wechat if b["touser"] == follower)
    assert sent["template_id"] == "TPL-1" and sent["client_msg_id"] == rows[follower].idempotency_key
    assert sent["data"]["keyword1"]["value"] == code and sent["data"]["keyword2"]["value"] == "已驳回"
    assert sent["data"]["remark"]["value"] == rows[follower].text and code in rows[follower].text
    # The SMS rows were left alone: this worker sends WeChat only.
    assert {r.state for r in await rows_of(own, rid) if r.channel == SMS} == {"PENDING"}


async def test_delivered_and_failed_rows_past_retention_are_deleted_pending_ones_never(own: Database, gateway: Gateway) -> None:
    """Four hotline calls, each one SMS row: aged 400 days and SENT, FAILED or still PENDING, and a
    SENT one of yesterday. A purge under 365 days' retention deletes the first two only."""
    ids = [await hotline_call(own, f"1391234{5600 + i}") for i in range(4)]
    rows = await rows_of(own, *ids)
    assert len(rows) == 4
    now = datetime.now(timezone.utc)
    old = now - timedelta(days=400)
    shape = [("SENT", old), ("FAILED", old), ("PENDING", old), ("SENT", now - timedelta(days=1))]
    async with own.write_turn(), own.sessions() as session, session.begin():
        for row, (state, at) in zip(rows, shape, strict=True):
            await session.execute(N.update().where(N.c.id == row.id).values(state=state, created_at=at))
    worker = sms_worker(own, config(gateway, retention_days=365))
    assert await worker.purge() == 2
    left = await rows_of(own, *ids)
    assert [(r.state, r.request_id) for r in left] == [("PENDING", ids[2]), ("SENT", ids[3])]
    assert await worker.purge() == 0  # nothing more to delete
