"""Live fan-out benchmark (a script, not a test): N WebSocket subscribers with a realistic mix of
roles and filters, requests submitted and dispatched over HTTP at a fixed rate, and for every
delivery the latency from the event's commit-time stamp (`at`, taken inside the writing
transaction just before commit) to its receipt. Deliveries are checked against what each
subscriber may see — computed afterwards with the SQL rules (`visible`, `apply_filter`) on the
scratch database — so lost, duplicated and unexpected events are counted, not assumed. A bare
broadcaster publish→receive loop runs in the same run, at the same rate, as the floor.

    .venv/bin/python bench/subscribers.py --subscribers 100 1000 --processes 1 --runs 3
    .venv/bin/python bench/subscribers.py --subscribers 5000 --processes 2 --runs 3

One process: a scratch SQLite file and memory:// broadcast. Two processes: a scratch PostgreSQL
database (created and dropped here) and Redis with a unique channel prefix. Everything talks to
127.0.0.1 only; every phase is bounded in time. Results print as JSON lines and a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PY = sys.executable
HZ = os.sysconf("SC_CLK_TCK")

WALL = ("subscription($f: RequestFilter) { requestCreated(filter: $f) { cursor kind at request { id trackingCode title state "
        "createdAt community { name } street { name } category { name } } } }")
UPDATED = "subscription($f: RequestFilter) { requestUpdated(filter: $f) { cursor kind at toState request { id state version } } }"
UNIT = "subscription { unitAssignments { cursor kind at data request { id trackingCode title } } }"
# What a stalled reader asked for: every change, heavy enough (~10 kB an event) that its buffers
# (the kernel's up to 4 MiB, the transport's, the Outbox's bound) fill within a longer run.
HEAVY = "subscription { requestUpdated { cursor kind at " + " ".join(
    f"t{i}: request {{ trackingCode title text locationNote stateLabel community {{ name }} }}" for i in range(30)) + " } }"
FIELD = {WALL: "requestCreated", UPDATED: "requestUpdated", UNIT: "unitAssignments", HEAVY: "requestUpdated"}


# ----------------------------------------------------------------------------- scratch database

def scratch_database(processes: int, workdir: Path) -> tuple[str, Any]:
    """(database URL, drop function): SQLite for one process, PostgreSQL for two."""
    from db import migrate

    if processes == 1:
        url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        migrate.upgrade(url)
        asyncio.run(_seed(url))
        return url, lambda: None
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from config import normalise_database_url

    admin = normalise_database_url(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
                                   or "postgresql://postgres@127.0.0.1:5432/test")
    assert "127.0.0.1" in admin or "localhost" in admin, "the benchmark only talks to 127.0.0.1"
    name = f"ehy_bench_{uuid.uuid4().hex[:10]}"

    async def admin_sql(sql: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + "/" + name
    migrate.upgrade(url)
    asyncio.run(_seed(url))
    return url, lambda: asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _seed(url: str) -> None:
    from db.engine import Database
    from db.seed import seed_demo

    db = Database.from_url(url)
    try:
        await seed_demo(db, progress=False)
    finally:
        await db.dispose()


# ----------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [PY, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
             "--log-level", "warning", "--backlog", "8192"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited, see {self.log.name}")
            with suppress(httpx.HTTPError):
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise TimeoutError("server did not start")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ  # utime + stime

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


# ----------------------------------------------------------------------------- a lean WebSocket client

class Sub(asyncio.Protocol):
    """A minimal graphql-transport-ws client (no compression, like a server-to-server client;
    see README on permessage-deflate). Lean on purpose: on 2 shared cores the clients must not
    be what is measured. Records (cursor, latency) of every `next`."""

    def __init__(self, index: int, host: str, token: str, query: str, variables: dict, stall: bool, deflate: bool) -> None:
        self.index, self.host, self.token, self.query, self.variables, self.stall = index, host, token, query, variables, stall
        self.deflate = deflate
        self.inflater: Any = None
        self.field = FIELD[query]
        self.buf = bytearray()
        self.upgraded = False
        self.ready = asyncio.get_running_loop().create_future()
        self.cursors: list[int] = []
        self.latencies: list[float] = []
        self.closed: int | None = None
        self.errors: list[Any] = []
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write((f"GET /graphql HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                         + ("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if self.deflate else "")
                         + "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n").encode())

    def send(self, message: dict) -> None:
        data = orjson.dumps(message)
        mask = os.urandom(4)
        n = len(data)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else struct.pack("!BH", 0x80 | 126, n) if n < 65536 else struct.pack("!BQ", 0x80 | 127, n))
        masked = (int.from_bytes(data, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
        self.transport.write(header + mask + masked)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buf.startswith(b"HTTP/1.1 101"):
                self.fail("handshake refused")
                return
            if b"permessage-deflate" in self.buf[:end].lower():  # what browsers negotiate by default
                self.inflater = zlib.decompressobj(wbits=-15)
            del self.buf[: end + 4]
            self.upgraded = True
            self.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}})
        while len(self.buf) >= 2:
            compressed, opcode, n, start = self.buf[0] & 0x40, self.buf[0] & 0x0F, self.buf[1] & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, start = struct.unpack_from("!H", self.buf, 2)[0], 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, start = struct.unpack_from("!Q", self.buf, 2)[0], 10
            if len(self.buf) < start + n:
                return
            payload = bytes(self.buf[start: start + n])
            del self.buf[: start + n]
            if opcode == 1:
                if compressed:
                    payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
                self.on_message(orjson.loads(payload), now)
            elif opcode == 8:
                self.closed = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self.transport.close()
            elif opcode == 9:  # ping → pong
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def on_message(self, msg: dict, now: float) -> None:
        kind = msg.get("type")
        if kind == "next":
            payload = msg["payload"]
            event = (payload.get("data") or {}).get(self.field)
            if event is None:
                self.errors.append(payload.get("errors"))
                return
            self.cursors.append(int(event["cursor"]))
            self.latencies.append(now - datetime.fromisoformat(event["at"]).timestamp())
        elif kind == "connection_ack":
            self.send({"id": "s", "type": "subscribe", "payload": {"query": self.query, "variables": self.variables}})
            if not self.ready.done():
                self.ready.set_result(True)
            if self.stall:
                self.transport.pause_reading()  # from here on, read nothing
        elif kind in ("error", "complete"):
            self.errors.append(msg)

    def fail(self, why: str) -> None:
        self.errors.append(why)
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(why))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed is None:
            self.closed = 1006
        if not self.ready.done():
            self.ready.set_exception(RuntimeError("connection lost"))


async def _open(spec: tuple, semaphore: asyncio.Semaphore) -> Sub:
    index, url, token, query, variables, stall, deflate = spec
    host, port = url.split("//")[1].split(":")
    loop = asyncio.get_running_loop()
    async with semaphore:
        sock = socket.socket()
        sock.setblocking(False)
        if stall:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        await loop.sock_connect(sock, (host, int(port)))
        _, sub = await loop.create_connection(lambda: Sub(index, f"{host}:{port}", token, query, variables, stall, deflate), sock=sock)
        await asyncio.wait_for(sub.ready, 60)
    return sub


def client_worker(specs: list[tuple], conn: Any) -> None:
    """One client process: opens its share of subscribers, reports, measures its own CPU."""
    with suppress(ImportError):
        import uvloop

        uvloop.install()

    async def main() -> None:
        semaphore = asyncio.Semaphore(64)
        subs = await asyncio.gather(*(_open(s, semaphore) for s in specs))
        await asyncio.sleep(1.0)  # let every subscribe reach the hub
        conn.send("ready")
        assert await asyncio.to_thread(conn.recv) == "go"
        cpu0 = time.process_time()
        assert await asyncio.to_thread(conn.recv) == "stop"
        cpu = time.process_time() - cpu0
        stalled = [s for s in subs if s.stall]
        for s in stalled:  # read what they were sent, to see whether it ends in a 1013 close
            s.transport.resume_reading()
        for _ in range(100):
            if all(s.closed is not None for s in stalled):
                break
            await asyncio.sleep(0.1)
        result = {"cpu": cpu, "subs": [(s.index, s.cursors, s.latencies, s.closed, s.errors[:3]) for s in subs]}
        for s in subs:
            s.transport.close()
        conn.send(result)

    asyncio.run(main())


# ----------------------------------------------------------------------------- the mix and the load

def subscriber_mix(ids: dict[str, Any], n: int, rng: random.Random) -> list[tuple[str, str, dict]]:
    """(login, query, variables) for n subscribers: mostly the center's wall, with and without
    street/community filters, other roles' walls, requestUpdated, unit queues."""
    streets = ids["streets"]
    mix: list[tuple[float, Any]] = [
        (0.25, lambda: ("dispatcher", WALL, {})),
        (0.10, lambda: ("dispatcher", WALL, {"f": {"streetId": ids["xingfu"]}})),
        (0.10, lambda: ("dispatcher", WALL, {"f": {"communityId": ids["futai"]}})),
        (0.05, lambda: ("dispatcher", WALL, {"f": {"streetId": rng.choice(streets)}})),
        (0.05, lambda: ("district", WALL, {})),
        (0.05, lambda: ("evaluator", WALL, {})),
        (0.10, lambda: ("street", WALL, {})),
        (0.10, lambda: ("community", WALL, {})),
        (0.05, lambda: ("grid", WALL, {})),
        (0.05, lambda: ("dispatcher", UPDATED, {})),
        (0.05, lambda: ("street", UPDATED, {})),
        (0.05, lambda: ("department", UNIT, {})),
    ]
    out = []
    for i in range(n):
        x, acc = (i + 0.5) / n, 0.0  # stratified: the proportions hold for every n
        for weight, make in mix:
            acc += weight
            if x < acc:
                out.append(make())
                break
        else:
            out.append(mix[0][1]())
    return out


async def lookup(url: str) -> dict[str, Any]:
    """Ids the load and the mix need, read straight from the scratch database."""
    from sqlalchemy import select

    from db.engine import Database
    from db.models import Building, Community, Department, Street, Subcategory
    from schema.ids import to_global_id

    db = Database.from_url(url)
    try:
        async with db.read() as conn:
            b, c = Building.__table__, Community.__table__
            rows = (await conn.execute(select(b.c.qr_token, c.c.name, c.c.street_id).join(c, c.c.id == b.c.community_id))).all()
            streets = (await conn.execute(select(Street.id, Street.name))).all()
            futai = (await conn.execute(select(Community.id, Community.street_id).where(Community.name == "福泰社区"))).one()
            dept = (await conn.execute(select(Department.id).where(Department.name == "区城市管理局"))).scalar_one()
            sub = (await conn.execute(select(Subcategory.id).where(Subcategory.name == "私搭乱建"))).scalar_one()
    finally:
        await db.dispose()
    xingfu = next(s.id for s in streets if s.name == "幸福街道")
    return {
        "qr_futai": [r.qr_token for r in rows if r.name == "福泰社区"],
        "qr_xingfu": [r.qr_token for r in rows if r.street_id == xingfu and r.name != "福泰社区"],
        "qr_all": [r.qr_token for r in rows],
        "streets": [to_global_id("Street", s.id) for s in streets if s.id != xingfu],
        "xingfu": to_global_id("Street", xingfu), "futai": to_global_id("Community", futai.id),
        "dept": to_global_id("Department", dept), "sub": to_global_id("Subcategory", sub),
    }


TEXTS = [
    "小区门口的路灯已经坏了一个多星期,晚上出行很不方便,老人孩子经过时容易摔倒,希望尽快派人维修。",
    "3号楼楼道里堆放了大量纸箱和旧家具,堵塞了消防通道,多次提醒无果,存在很大的安全隐患。",
    "附近工地每天夜里十一点以后还在施工,噪音很大,严重影响周边居民休息,请相关部门查处。",
    "雨后小区主干道积水严重,最深处没过脚踝,排水口可能被落叶堵住了,车辆和行人都无法通行。",
    "垃圾清运不及时,分类垃圾桶已经满溢两天,天气热了气味很大,还招来很多苍蝇蚊子。",
    "人行道上的井盖松动,踩上去会晃,晚上看不清,已经有居民差点绊倒,请尽快加固或更换。",
    "一楼住户在公共绿地上违章搭建了彩钢棚,占用了大家的活动空间,也影响采光和消防。",
    "小区停车秩序混乱,很多车辆乱停在消防通道和出入口,早晚高峰经常堵死,救护车都进不来。",
]


async def drive(servers: list[Server], tokens: dict[str, str], ids: dict[str, Any], rate: float, count: int, rng: random.Random) -> int:
    """`count` mutations at `rate` a second, open loop, in cycles of submit ×3, triage, dispatch
    (60% SUBMITTED, 20% TRIAGED, 20% DISPATCHED events). Returns the mutations that failed."""
    import httpx

    clients = [httpx.AsyncClient(base_url=s.url, timeout=30) for s in servers]
    failures = 0
    submitted: dict[int, asyncio.Future] = {}

    async def call(i: int, query: str, variables: dict, token: str | None = None) -> dict | None:
        nonlocal failures
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            r = await clients[i % len(clients)].post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            body = r.json()
            if body.get("errors"):
                raise RuntimeError(body["errors"])
            return body["data"]
        except Exception as exc:  # noqa: BLE001 — counted and reported
            failures += 1
            print("mutation failed:", repr(exc)[:300], file=sys.stderr)
            return None

    async def op(i: int) -> None:
        step, cycle = i % 5, i // 5
        if step < 3:
            x = rng.random()
            qr = rng.choice(ids["qr_futai"] if x < 0.4 else ids["qr_xingfu"] if x < 0.6 else ids["qr_all"])
            data = await call(i, "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }",
                              {"i": {"qrToken": qr, "text": f"{rng.choice(TEXTS)}({cycle}-{step})"}})
            if step == 2:
                submitted[cycle].set_result(data["submitRequest"]["request"]["id"] if data else None)
        else:
            rid = await submitted[cycle]
            if rid is None:
                return
            if step == 3:
                await call(i, "mutation($i: TriageRequestInput!) { triageRequest(input: $i) { request { id } } }",
                           {"i": {"id": rid, "scope": "MAJOR", "subcategoryId": ids["sub"]}}, tokens["dispatcher"])
                submitted[-cycle - 1].set_result(True)
            else:
                await submitted[-cycle - 1]
                await call(i, "mutation($i: DispatchRequestInput!) { dispatchRequest(input: $i) { request { id } } }",
                           {"i": {"id": rid, "lead": {"id": ids["dept"]}}}, tokens["dispatcher"])

    loop = asyncio.get_running_loop()
    for c in range(count // 5 + 1):
        submitted[c], submitted[-c - 1] = loop.create_future(), loop.create_future()
    start = loop.time()
    tasks = []
    for i in range(count):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        tasks.append(asyncio.create_task(op(i)))
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    for c in clients:
        await c.aclose()
    return failures


async def floor_probe(url: str, prefix: str, rate: float, stop: asyncio.Event) -> list[float]:
    """A bare broadcaster publish→receive loop on the run's backend, at the run's rate."""
    from schema.broadcast_shims import make_broadcast

    broadcast = make_broadcast(url)
    await broadcast.connect()
    channel = f"{prefix}bench-floor"
    latencies: list[float] = []
    try:
        async with broadcast.subscribe(channel) as sub:
            await asyncio.sleep(0.2)

            async def receive() -> None:
                async for event in sub:
                    latencies.append(time.time() - float(event.message))

            receiver = asyncio.create_task(receive())
            while not stop.is_set():
                await broadcast.publish(channel, repr(time.time()))
                await asyncio.sleep(1 / rate)
            await asyncio.sleep(0.5)
            receiver.cancel()
    finally:
        await broadcast.disconnect()
    return latencies


async def expected_deliveries(url: str, tokens: dict[str, str], secret: str, profiles: set[tuple], first: int, last: int) -> dict[tuple, set[int]]:
    """What each (login, query, variables) may receive of the events first < seq <= last, by the
    SQL rules (`visible`, `apply_filter`) — the reference the in-memory fan-out is checked against.
    The load dispatches only to a department, so what a role may see does not change after an
    event is delivered and checking afterwards is fair."""
    from sqlalchemy import select

    from db.engine import Database
    from db.models import Request, RequestEvent
    from resolvers.auth import actor_for_token
    from resolvers.requests.visibility import visible
    from schema.api.requests_query import RequestFilter, apply_filter
    from schema.api.subscriptions import _SCOPE_UNIT, ASSIGNING

    E, R = RequestEvent.__table__, Request.__table__
    db = Database.from_url(url)
    out: dict[tuple, set[int]] = {}
    try:
        async with db.read() as conn:
            for profile in profiles:
                login, query, variables = profile
                actor = await actor_for_token(conn, secret, tokens[login])
                stmt = select(E.c.seq, E.c.data).join(R, R.c.id == E.c.request_id).where(E.c.seq > first, E.c.seq <= last, visible(actor))
                if f := json.loads(variables).get("f"):
                    stmt = apply_filter(stmt, RequestFilter(street_id=f.get("streetId"), community_id=f.get("communityId")))
                if query == WALL:
                    stmt = stmt.where(E.c.kind == "SUBMITTED")
                if query == UNIT:
                    stmt = stmt.where(E.c.kind.in_(ASSIGNING))
                rows = (await conn.execute(stmt)).all()
                if query == UNIT:  # the unit queue's own rule: events naming one of my units
                    mine = {(_SCOPE_UNIT[k], i) for k, ids in actor.scopes.items() if k in _SCOPE_UNIT for i in ids}
                    rows = [r for r in rows if any((u.get("kind"), u.get("id")) in mine for u in json.loads(r.data or "{}").get("units", []))]
                out[profile] = {r.seq for r in rows}
    finally:
        await db.dispose()
    return out


async def log_top(url: str) -> int:
    from sqlalchemy import func, select

    from db.engine import Database
    from db.models import RequestEvent

    db = Database.from_url(url)
    try:
        async with db.read() as conn:
            return (await conn.execute(select(func.coalesce(func.max(RequestEvent.seq), 0)))).scalar_one()
    finally:
        await db.dispose()


async def login_all(url: str) -> dict[str, str]:
    import httpx

    names = ["admin", "dispatcher", "street", "community", "grid", "leader", "fieldhead", "department", "district", "partner", "volunteer", "evaluator"]
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        out = {}
        for n in names:
            r = await c.post("/graphql", json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                               "variables": {"i": {"username": n, "password": "demo"}}})
            out[n] = r.json()["data"]["login"]["token"]
    return out


# ----------------------------------------------------------------------------- one run

def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def one_run(args: Any, n: int, db_url: str, workdir: Path, run: int) -> dict[str, Any]:
    rng = random.Random(1000 * n + run)
    prefix = f"ehy-bench-{uuid.uuid4().hex[:8]}:"
    broadcast = "memory://" if args.processes == 1 else args.redis
    secret = "bench-" + uuid.uuid4().hex
    env = {**os.environ, "DATABASE_URL": db_url, "BROADCAST_URL": broadcast, "SECRET_KEY": secret, "DEMO": "1",
           "CHANNEL_PREFIX": prefix, "QR_LIMIT_PER_CLIENT": "100000000", "QR_LIMIT_PER_TOKEN": "100000000",
           "SWEEP_SECONDS": "3600", "LOG_LEVEL": "WARNING"}
    servers = [Server(env, workdir / f"server-{n}-{run}-{i}.log") for i in range(args.processes)]
    workers: list[tuple[Any, Any]] = []
    try:
        for s in servers:
            s.wait_ready()
        tokens = asyncio.run(login_all(servers[0].url))
        ids = asyncio.run(lookup(db_url))
        mix = subscriber_mix(ids, n, rng)
        specs = [(i, servers[i % len(servers)].url, tokens[login], query, variables, False, args.deflate)
                 for i, (login, query, variables) in enumerate(mix)]
        specs += [(n + i, servers[i % len(servers)].url, tokens["dispatcher"], HEAVY, {}, True, False) for i in range(args.stalled)]
        k = max(1, min(args.client_processes, len(specs)))
        ctx = mp.get_context("spawn")
        for w in range(k):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=client_worker, args=(specs[w::k], child), daemon=True)
            proc.start()
            workers.append((proc, parent))
        t0 = time.monotonic()
        for _, pipe in workers:
            if not pipe.poll(300):
                raise TimeoutError("clients did not connect")
            assert pipe.recv() == "ready"
        connect_s = time.monotonic() - t0
        # Warm up (first renders, caches, connections), then measure from here.
        asyncio.run(drive(servers, tokens, ids, args.rate, 30, rng))
        time.sleep(1.0)
        first = asyncio.run(log_top(db_url))
        cpu0 = [s.cpu_seconds() for s in servers]
        for _, pipe in workers:
            pipe.send("go")

        async def load() -> tuple[int, list[float]]:
            stop = asyncio.Event()
            floor = asyncio.create_task(floor_probe(broadcast, prefix, args.rate, stop))
            failures = await drive(servers, tokens, ids, args.rate, args.events, rng)
            await asyncio.sleep(args.grace)  # let the last events arrive
            stop.set()
            return failures, await floor

        wall0 = time.monotonic()
        failures, floor = asyncio.run(load())
        wall = time.monotonic() - wall0
        cpu = [s.cpu_seconds() - c for s, c in zip(servers, cpu0)]
        rss = [s.rss_mib() for s in servers]
        for _, pipe in workers:
            pipe.send("stop")
        results = [pipe.recv() for _, pipe in workers]
        last = asyncio.run(log_top(db_url))
    finally:
        for proc, _ in workers:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
        for s in servers:
            s.stop()

    subs = {i: (c, lat, closed, errs) for r in results for i, c, lat, closed, errs in r["subs"]}
    profiles = {(login, query, json.dumps(variables, sort_keys=True)) for login, query, variables in mix}
    expected = asyncio.run(expected_deliveries(db_url, tokens, secret, profiles, first, last))
    latencies: list[float] = []
    worst: dict[int, float] = {}  # seq → slowest delivery of that event
    lost = duplicated = unexpected = delivered = cut_off = errors = 0
    for i, (login, query, variables) in enumerate(mix):
        cursors, lat, closed, errs = subs[i]
        kept = [(c, x) for c, x in zip(cursors, lat) if c > first]  # not the warm-up's
        cursors, lat = [c for c, _ in kept], [x for _, x in kept]
        want = expected[(login, query, json.dumps(variables, sort_keys=True))]
        got = set(cursors)
        lost += len(want - got)
        unexpected += len(got - want)
        duplicated += len(cursors) - len(got)
        delivered += len(cursors)
        latencies += lat
        for c, x in zip(cursors, lat):
            worst[c] = max(worst.get(c, 0.0), x)
        cut_off += closed is not None
        errors += bool(errs)
    stalled_cut = sum(1 for i in range(n, n + args.stalled) if subs[i][2] == 1013)
    ms = [x * 1000 for x in latencies]
    floor_ms = [x * 1000 for x in floor]
    return {
        "subscribers": n, "processes": args.processes, "run": run, "events": last - first, "mutations_failed": failures,
        "deliveries": delivered, "expected": sum(len(expected[(a, b, json.dumps(c, sort_keys=True))]) for a, b, c in mix),
        "lost": lost, "duplicated": duplicated, "unexpected": unexpected, "closed": cut_off, "errors": errors,
        "stalled": args.stalled, "stalled_cut_off_1013": stalled_cut,
        "p50_ms": round(pct(ms, 50), 1), "p99_ms": round(pct(ms, 99), 1), "max_ms": round(max(ms, default=float("nan")), 1),
        "floor_p50_ms": round(pct(floor_ms, 50), 2), "floor_p99_ms": round(pct(floor_ms, 99), 2), "floor_max_ms": round(max(floor_ms, default=float("nan")), 2),
        "server_cpu_s": [round(c, 2) for c in cpu], "server_cpu_pct": round(100 * sum(cpu) / wall, 1),
        "server_us_per_delivery": round(1e6 * sum(cpu) / max(1, delivered), 1), "server_rss_mib": [round(r) for r in rss],
        "client_cpu_s": round(sum(r["cpu"] for r in results), 2), "client_processes": len(results),
        "wall_s": round(wall, 1), "connect_s": round(connect_s, 1),
        "slowest_events": [(seq, round(x * 1000)) for seq, x in sorted(worst.items(), key=lambda kv: -kv[1])[:5]],
        "loadavg_1min_after": float(Path("/proc/loadavg").read_text().split()[0]),
        "first_seq": first,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--processes", type=int, choices=[1, 2], default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20.0, help="mutations (= events) a second")
    parser.add_argument("--events", type=int, default=600, help="mutations a run (bounded)")
    parser.add_argument("--stalled", type=int, default=10, help="extra subscribers that stop reading")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--deflate", action="store_true", help="subscribers negotiate permessage-deflate, as browsers do")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (SQLite file, server logs)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    assert "127.0.0.1" in args.redis or "localhost" in args.redis, "the benchmark only talks to 127.0.0.1"
    assert args.events <= 5000 and max(args.subscribers) <= 10000, "keep runs bounded"

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # inherited by servers and clients
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

    workdir = Path(tempfile.mkdtemp(prefix="ehy-bench-"))
    db_url, drop = scratch_database(args.processes, workdir)
    rows = []
    try:
        for n in args.subscribers:
            for run in range(args.runs):
                row = one_run(args, n, db_url, workdir, run)
                print(json.dumps(row), flush=True)
                rows.append(row)
    finally:
        drop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n| N | processes | p50 ms | p99 ms | max ms | lost | dup | unexpected | deliveries | stalled → cut off (1013) "
          "| server CPU % | µs/delivery | client CPU s | floor p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in args.subscribers:
        group = [r for r in rows if r["subscribers"] == n]

        def med(key: str) -> float:
            return statistics.median(r[key] for r in group)

        print(f"| {n:,} | {args.processes} | {med('p50_ms')} | {med('p99_ms')} | {med('max_ms')} | {sum(r['lost'] for r in group)} | "
              f"{sum(r['duplicated'] for r in group)} | {sum(r['unexpected'] for r in group)} | {int(med('deliveries')):,} | "
              f"{args.stalled} → {int(med('stalled_cut_off_1013'))} | {med('server_cpu_pct')} | {med('server_us_per_delivery')} | "
              f"{med('client_cpu_s')} | {med('floor_p99_ms')} |")
    print(f"(medians of {args.runs} runs; lost/dup/unexpected summed over runs" + (f"; logs in {workdir})" if args.keep else ")"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
