"""The live fan-out (schema/fanout.py, schema/ws.py): identical subscriptions rendered once per
event, replay then live over WebSocket with no gap while events arrive, a stalled reader cut off
without delaying a fast one, the subscription limit, token expiry — and the in-memory visibility
and filter predicates agreeing with the SQL ones."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
import websockets
from sqlalchemy import func, insert, select

from db.base import utcnow
from db.models import Assignment, Community, Department, Grid, Request, RequestEvent, Street, StreetSection, Subcategory
from resolvers.actor import Actor
from resolvers.requests import vocab
from resolvers.requests.classify import bigrams
from resolvers.requests.visibility import visible, visible_in_memory
from resolvers.roles import Role, ScopeKind
from schema.api.requests_query import RequestFilter, apply_filter, filter_implies_visibility, filter_predicate
from schema.ids import to_global_id
from tests.conftest import LiveServer, free_port
from tests.loop_helpers import qr_token_in

WALL = """subscription($after: String, $f: RequestFilter) { requestCreated(after: $after, filter: $f) {
  cursor kind at request { trackingCode title community { name } street { name } } } }"""


# -- helpers ------------------------------------------------------------------------------------

@pytest_asyncio.fixture(scope="session")
async def inproc(app: Any) -> Any:
    """The session's app under a real uvicorn, in this process, so the test can read the hub."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    server.url = f"http://127.0.0.1:{server.config.port}"
    yield server
    server.should_exit = True
    await task


async def _open(url: str, token: str, **kw: Any) -> Any:
    ws = await websockets.connect(url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"],
                                  open_timeout=30, compression=None, **kw)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    return ws


async def _subscribe(ws: Any, op_id: str, query: str, variables: dict | None = None) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}))


async def _next(ws: Any, timeout: float = 30) -> dict:
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        assert msg["type"] not in ("error", "complete"), msg
        if msg["type"] == "next":
            return msg


async def _submit(url: str, qr: str, text: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        r = await client.post("/graphql", json={"query": "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode } } }",
                                                "variables": {"i": {"qrToken": qr, "text": text}}})
    body = r.json()
    assert body.get("data"), body
    return body["data"]["submitRequest"]["request"]["trackingCode"]


async def _top(db: Any) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(func.max(RequestEvent.seq)))).scalar() or 0


async def _community_gid(db: Any, name: str) -> str:
    async with db.read() as conn:
        pk = (await conn.execute(select(Community.id).where(Community.name == name))).scalar_one()
    return to_global_id("Community", pk)


def _live(hub: Any) -> int:
    return sum(len(f.members) for f in hub.feeds)


async def _settle(hub: Any, members: int) -> None:
    """Wait until the hub has `members` subscriptions live."""
    for _ in range(300):
        if _live(hub) >= members:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("subscriptions did not join the hub")


# -- shared rendering ---------------------------------------------------------------------------

async def test_identical_subscriptions_are_rendered_once_per_event(inproc: Any, app: Any, db: Any, tokens: dict[str, str]) -> None:
    hub = app.state.bus.hub(app.state.db)
    top = str(await _top(db))
    futai = await _community_gid(db, "福泰社区")
    # Six identical walls (some pass `after`, which only says where each starts: same group), three
    # with a community filter, two from the community workstation (another view of the data).
    groups = [("dispatcher", {"after": top}), ("dispatcher", {})] * 3 + [("dispatcher", {"f": {"communityId": futai}})] * 3 \
        + [("community", {})] * 2
    already = _live(hub)
    sockets = []
    for i, (who, variables) in enumerate(groups):
        ws = await _open(inproc.url, tokens[who])
        await _subscribe(ws, "wall" if i % 2 else f"w{i}", WALL, variables)
        sockets.append(ws)
    await _settle(hub, already + len(groups))
    renders, deliveries = hub.renders, hub.deliveries

    qr = await qr_token_in(db, "福泰社区", 2)
    codes = [await _submit(inproc.url, qr, f"福泰社区:共享渲染{i}") for i in range(3)]
    got = [[await _next(ws) for _ in codes] for ws in sockets]

    for messages in got:
        assert [m["payload"]["data"]["requestCreated"]["request"]["trackingCode"] for m in messages] == codes
    # One execution per group and event — 3 groups × 3 events — however many members.
    assert hub.renders - renders == 3 * 3
    assert hub.deliveries - deliveries == len(groups) * 3
    # Members of a group got the very same payload.
    payloads = [[m["payload"] for m in ms] for ms in got]
    assert all(p == payloads[0] for p in payloads[:6]) and all(p == payloads[6] for p in payloads[6:9])
    for ws in sockets:
        await ws.close()


async def test_replay_then_live_over_websocket_while_events_arrive(inproc: Any, db: Any, tokens: dict[str, str]) -> None:
    qr, qr2 = await qr_token_in(db, "三里桥社区", 9), await qr_token_in(db, "三里桥社区", 11)
    start = str(await _top(db))
    before = [await _submit(inproc.url, qr, f"重放{i}") for i in range(5)]
    ws = await _open(inproc.url, tokens["dispatcher"])
    await _subscribe(ws, "r", WALL, {"after": start})

    async def more() -> list[str]:
        return [await _submit(inproc.url, qr2, f"重放期间{i}") for i in range(5)]

    producer = asyncio.create_task(more())
    got = [(await _next(ws))["payload"]["data"]["requestCreated"] for _ in range(10)]
    during = await producer
    assert [g["request"]["trackingCode"] for g in got] == before + during
    cursors = [int(g["cursor"]) for g in got]
    assert cursors == sorted(set(cursors))
    with pytest.raises(asyncio.TimeoutError):  # and nothing twice
        await _next(ws, timeout=0.5)
    await ws.close()


async def test_the_subscription_limit_per_connection_holds(inproc: Any, tokens: dict[str, str]) -> None:
    ws = await _open(inproc.url, tokens["dispatcher"])
    for i in range(20):
        await _subscribe(ws, f"s{i}", WALL)
    await _subscribe(ws, "one-too-many", WALL)
    msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert msg["type"] == "error" and msg["id"] == "one-too-many"
    await ws.close()


# -- slow consumers -------------------------------------------------------------------------------

BIG = "subscription($after: String) { requestCreated(after: $after) { cursor kind " + " ".join(
    f"t{i}: request {{ text }}" for i in range(30)) + " } }"


async def _stalled(url: str, token: str) -> Any:
    """A client that reads almost nothing: a tiny receive buffer, one message of read-ahead."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    return await _open(url, token, sock=sock, max_queue=1, max_size=2**24)


async def test_a_stalled_reader_does_not_delay_a_fast_one_and_is_cut_off(live_server: LiveServer, db: Any, tokens: dict[str, str]) -> None:
    qrs = [await qr_token_in(db, "福泰社区", 20 + i) for i in range(8)]  # 10 submissions a building an hour
    start = str(await _top(db))
    fast = await _open(live_server.url, tokens["dispatcher"], max_size=2**24)
    slow = await _stalled(live_server.url, tokens["dispatcher"])
    for ws in (fast, slow):
        await _subscribe(ws, "big", BIG, {"after": start})
    await asyncio.sleep(0.3)

    # ~180 kB an event: some fill the kernel's buffers (up to 4 MB here), a few more the bounded queue.
    codes = []
    for i in range(40):
        codes.append(await _submit(live_server.url, qrs[i % 8], f"{i}号" + "楼道堆物堵塞消防通道" * 199))
        event = (await _next(fast, timeout=20))["payload"]["data"]["requestCreated"]
        assert event["kind"] == "SUBMITTED"  # the fast reader keeps getting each event promptly

    # Now read the slow one: what was written before it was cut off, then the close with a cursor.
    received: list[str] = []
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            received.append((await _next(slow, timeout=20))["payload"]["data"]["requestCreated"]["cursor"])
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    reason = closed.value.rcvd.reason
    assert "slow consumer" in reason and "after=" in reason
    resume_from = reason.rsplit("after=", 1)[1]
    assert len(received) < len(codes) and resume_from == (received[-1] if received else start)

    # It resumes with that cursor and misses nothing.
    again = await _open(live_server.url, tokens["dispatcher"], max_size=2**24)
    await _subscribe(again, "big", BIG, {"after": resume_from})
    rest = [(await _next(again))["payload"]["data"]["requestCreated"]["cursor"] for _ in range(len(codes) - len(received))]
    assert [int(c) for c in received + rest] == sorted({int(c) for c in received + rest})
    for ws in (fast, again):
        await ws.close()


async def test_a_socket_whose_token_expires_is_closed_with_4403(settings: Any, db: Any) -> None:
    server = LiveServer(settings, {"TOKEN_TTL_SECONDS": "3"})
    await asyncio.to_thread(server.wait_ready)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            r = await client.post("/graphql", json={"query": 'mutation { login(input: {username: "dispatcher", password: "demo"}) { token } }'})
        ws = await _open(server.url, r.json()["data"]["login"]["token"])
        await _subscribe(ws, "w", WALL)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 15)
        assert closed.value.rcvd.code == 4403 and "after=" in closed.value.rcvd.reason
    finally:
        server.stop()


# -- the in-memory predicates agree with SQL ----------------------------------------------------------

async def test_in_memory_visibility_and_filters_agree_with_sql(db: Any) -> None:
    rng = random.Random(20261126)
    R, A = Request.__table__, Assignment.__table__
    async with db.engine.connect() as conn:
        tx = await conn.begin()
        try:
            ids = await _sample_requests(conn, rng)
            rows = {r.id: r for r in (await conn.execute(select(R).where(R.c.id.in_(ids)))).all()}
            assigns: dict[int, list[Any]] = {i: [] for i in ids}
            for a in (await conn.execute(select(A).where(A.c.request_id.in_(ids)))).all():
                assigns[a.request_id].append(a)
            S = StreetSection.__table__
            section_street = {s.id: s.street_id for s in (await conn.execute(select(S.c.id, S.c.street_id))).all()}
            actors = await _sample_actors(conn)
            filters = await _sample_filters(conn)
            checked, sizes, implied_cases = 0, set(), set()
            for actor in actors:
                sql_visible = set((await conn.execute(select(R.c.id).where(R.c.id.in_(ids), visible(actor)))).scalars())
                mem_visible = {i for i, r in rows.items() if visible_in_memory(actor, r, assigns[i], section_street)}
                assert mem_visible == sql_visible, (actor.role, actor.scopes)
                # The per-row probes used over bounded sets (open lists, one row) mean the same.
                probed = set((await conn.execute(select(R.c.id).where(R.c.id.in_(ids), visible(actor, bounded=True)))).scalars())
                assert probed == sql_visible, (actor.role, actor.scopes)
                for f in filters:
                    sql = set((await conn.execute(apply_filter(select(R.c.id).where(R.c.id.in_(ids), visible(actor)), f))).scalars())
                    probed = set((await conn.execute(apply_filter(
                        select(R.c.id).where(R.c.id.in_(ids), visible(actor, bounded=True)), f, open_only=True))).scalars())
                    assert probed == sql, (actor.role, f)
                    if filter_implies_visibility(actor, f):  # the visibility condition is left out
                        alone = set((await conn.execute(apply_filter(select(R.c.id).where(R.c.id.in_(ids)), f))).scalars())
                        assert alone == sql, (actor.role, f)
                        implied_cases.add(actor.role)
                    test = filter_predicate(f, sqlite=db.dialect == "sqlite")
                    mem = {i for i in mem_visible if test is None or test(rows[i], assigns[i])}
                    assert mem == sql, (actor.role, f)
                    checked += 1
                    sizes.add(len(sql))
            # The sample exercises the rules: hundreds of cases, many different outcomes.
            assert checked >= 300 and len(sizes) >= 20
            assert implied_cases >= {Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.DEPARTMENT_HANDLER}
        finally:
            await tx.rollback()


async def _ids(conn: Any, model: Any) -> list[int]:
    return list((await conn.execute(select(model.__table__.c.id).order_by(model.__table__.c.id))).scalars())


async def _sample_requests(conn: Any, rng: random.Random, n: int = 160) -> list[int]:
    """Requests across the district with every kind of NULL, state, deadline and assignment."""
    communities = (await conn.execute(select(Community.__table__.c.id, Community.__table__.c.street_id))).all()
    grids = (await conn.execute(select(Grid.__table__.c.id, Grid.__table__.c.community_id))).all()
    subcats = (await conn.execute(select(Subcategory.__table__.c.id, Subcategory.__table__.c.category_id))).all()
    depts, streets, sections = await _ids(conn, Department), await _ids(conn, Street), await _ids(conn, StreetSection)
    futai = (await conn.execute(select(Community.id).where(Community.name == "福泰社区"))).scalar_one()
    futai_grids = [g.id for g in grids if g.community_id == futai][:2]
    now, base = utcnow(), 900_000_000
    words = ["噪音扰民", "路灯不亮", "Wifi 信号 ABC", "abc 井盖", "垃圾清运", "楼道堆物", "XYZ 停车"]
    R, A = Request.__table__, Assignment.__table__
    ids = []
    for i in range(n):
        community = rng.choice(communities[:6] + [c for c in communities if c.id == futai] * 3)
        grid = rng.choice([g.id for g in grids if g.community_id == community.id] + futai_grids + [None])
        sub = rng.choice(subcats + [None])
        state = rng.choice(list(vocab.State))
        text = rng.choice(words) + rng.choice(words)
        pk = base + i
        await conn.execute(insert(R).values(
            id=pk, tracking_code=f"ZZTEST{pk}", channel=rng.choice(list(vocab.Channel)).value, title=text[:20], text=text,
            search_terms=bigrams(text[:20] + " " + text), occurred_at=now, updated_at=now, version=1,
            created_at=now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23)),
            community_id=rng.choice([community.id, community.id, None]), street_id=rng.choice([community.street_id, community.street_id, None]),
            grid_id=grid, reporter_user_id=rng.choice([None, None, None, 3, 4, 5, 8, 10, 11]), state=state.value,
            scope=rng.choice([None, "MAJOR", "MINOR", "PRIVATE"]), tier=rng.choice([None, "A", "B", "C"]),
            category_id=sub.category_id if sub else None, subcategory_id=sub.id if sub else None,
            due_at=rng.choice([None, now - timedelta(hours=5), now + timedelta(hours=5)]), overdue=rng.random() < 0.2,
            due_estimated=False, location_note="",
        ))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            kind = rng.choice(["DEPARTMENT", "STREET", "SECTION", "COMMUNITY", "GRID", "PEACEMAKER"])
            unit = {"DEPARTMENT": depts[:3], "STREET": streets[:4], "SECTION": sections[:40], "COMMUNITY": [futai],
                    "GRID": futai_grids, "PEACEMAKER": [0]}[kind]
            await conn.execute(insert(A).values(request_id=pk, unit_kind=kind, unit_id=rng.choice(unit), assignee_label="",
                                                role=rng.choice(["LEAD", "CO"]), active=rng.random() < 0.6, assigned_at=now))
        ids.append(pk)
    return ids


async def _sample_actors(conn: Any) -> list[Actor]:
    streets, sections, depts = await _ids(conn, Street), await _ids(conn, StreetSection), await _ids(conn, Department)
    futai = (await conn.execute(select(Community.id).where(Community.name == "福泰社区"))).scalar_one()
    grids = list((await conn.execute(select(Grid.id).where(Grid.community_id == futai).order_by(Grid.id))).scalars())
    S = ScopeKind

    def actor(uid: int, role: Role, **scopes: list[int]) -> Actor:
        return Actor(user_id=uid, username=f"u{uid}", display_name="", role=role, scopes={S[k]: frozenset(v) for k, v in scopes.items()})

    return [
        actor(2, Role.CENTER_DISPATCHER), actor(1, Role.ADMIN), actor(12, Role.EVALUATOR),
        actor(3, Role.STREET_OFFICER, STREET=streets[:1]), actor(3, Role.STREET_OFFICER, STREET=streets[1:3], SECTION=sections[:5]),
        actor(3, Role.STREET_OFFICER, SECTION=sections[:20]), actor(3, Role.STREET_OFFICER),
        actor(4, Role.COMMUNITY_WORKER, COMMUNITY=[futai]), actor(5, Role.GRID_WORKER, GRID=grids[:2]),
        actor(8, Role.DEPARTMENT_HANDLER, DEPARTMENT=depts[:1]), actor(8, Role.DEPARTMENT_HANDLER, DEPARTMENT=depts[1:3]),
        actor(10, Role.PARTNER, PARTNER=[1]), actor(11, Role.VOLUNTEER, COMMUNITY=[futai]), actor(6, Role.BUILDING_LEADER),
    ]


async def _sample_filters(conn: Any) -> list[RequestFilter | None]:
    street = to_global_id("Street", (await _ids(conn, Street))[0])
    futai = (await conn.execute(select(Community.id).where(Community.name == "福泰社区"))).scalar_one()
    dept = to_global_id("Department", (await _ids(conn, Department))[0])
    sub = (await conn.execute(select(Subcategory.__table__.c.id, Subcategory.__table__.c.category_id).limit(1))).first()
    grid = (await conn.execute(select(Grid.id).where(Grid.community_id == futai).order_by(Grid.id))).scalars().first()
    now = utcnow()
    S = vocab.State
    return [
        None, RequestFilter(), RequestFilter(states=[S.SUBMITTED, S.DISPATCHED]), RequestFilter(scopes=[vocab.Scope.MINOR]),
        RequestFilter(tiers=[vocab.Tier.B, vocab.Tier.C]), RequestFilter(channels=[vocab.Channel.QR_CODE, vocab.Channel.HOTLINE]),
        RequestFilter(category_id=to_global_id("Category", sub.category_id)), RequestFilter(subcategory_id=to_global_id("Subcategory", sub.id)),
        RequestFilter(street_id=street), RequestFilter(community_id=to_global_id("Community", futai)), RequestFilter(grid_id=to_global_id("Grid", grid)),
        RequestFilter(department_id=dept), RequestFilter(overdue=True), RequestFilter(overdue=False), RequestFilter(open=True),
        RequestFilter(open=False), RequestFilter(created_after=now - timedelta(days=7, minutes=30)),
        RequestFilter(created_before=now - timedelta(days=3, minutes=30)), RequestFilter(text="噪音"), RequestFilter(text="abc"),
        RequestFilter(text="ABC 信号"), RequestFilter(text="路灯 井盖"),
        RequestFilter(overdue=False, open=True, community_id=to_global_id("Community", futai)),
        RequestFilter(states=[S.RESOLVED, S.CLOSED], department_id=dept, text="垃圾"),
        RequestFilter(department_id=dept, open=True), RequestFilter(department_id=dept, open=False),
    ]


async def test_closing_a_socket_detaches_its_subscriptions_from_the_hub(inproc: Any, app: Any, tokens: dict[str, str]) -> None:
    """A closed connection must leave the hub (no feed keeps rendering for it)."""
    hub = app.state.bus.hub(app.state.db)
    before = _live(hub)
    ws = await _open(inproc.url, tokens["dispatcher"])
    await _subscribe(ws, "a", WALL)
    await _subscribe(ws, "b", WALL, {"f": {"open": True}})
    await _settle(hub, before + 2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await ws.close()
    for _ in range(1500):
        if _live(hub) <= before:
            break
        await asyncio.sleep(0.02)
    assert _live(hub) <= before
    print(f"subscriptions left the hub {1000 * (loop.time() - started):.0f} ms after close")
