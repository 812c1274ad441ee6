"""The app rides out restarts of its services: a private PostgreSQL and a private Redis (spare
ports, temporary directories, never the shared ones) are restarted under a live load of QR
submissions and a resuming wall subscriber. The app answers again by itself, every acknowledged
request exists once, and the subscriber — reconnecting with its last cursor whenever its socket
is closed — receives every created request exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import func, select

from db.engine import Database, make_engine
from db.models import Building, IdempotencyKey, Request
from tests.conftest import LiveServer, free_port
from tests.test_cross_process import PrivateRedis

SUBMIT = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { replayed request { trackingCode } } }"
SUB = "subscription($after: String) { requestCreated(after: $after) { cursor request { trackingCode } } }"
RECOVERY = 90.0  # seconds the app may take to answer again after a restart: generous, it is a bound, not a target


def _pg_bin() -> Path | None:
    found = sorted((p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()),
                   key=lambda p: int(p.parts[-2]) if p.parts[-2].isdigit() else 0)
    return found[-1] if found else None


def _missing() -> str | None:
    if _pg_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed"
    if not shutil.which("redis-server") or not shutil.which("redis-cli"):
        return "redis-server not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: PostgreSQL refuses to run as root"
    return None


class PrivatePostgres:
    """A throw-away cluster on a spare port. PostgreSQL refuses to run as root: as root, its
    programs run as the postgres user (runuser), in a directory that user owns."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="ehy-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stderr or done.stdout}\n{log[-2000:]}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", opts, "-w", "-t", "60", "start")
        self._run("psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", "CREATE DATABASE ehy", "postgres")

    def restart(self) -> None:
        # -m fast: sessions are disconnected at once, open transactions roll back (what a
        # failover or an upgrade does to the app); pg_ctl keeps the options it was started with.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-m", "fast", "-w", "-t", "60", "restart")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/ehy"


class Load:
    """Anonymous submissions from a few clients, each with its own idempotency key. A failed
    one (no answer, or an error while a service is down) is remembered and retried at the end."""

    def __init__(self, url: str, qrs: list[str], mark: str) -> None:
        self.url, self.qrs, self.mark = url, qrs, mark
        self.inputs: dict[str, dict] = {}
        self.acked: dict[str, str] = {}
        self.unanswered: set[str] = set()
        self.replayed: set[str] = set()  # retried keys that had committed although unanswered
        self.stop = asyncio.Event()

    async def client(self, n: int) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=15) as http:
            i = 0
            while not self.stop.is_set():
                key = f"{self.mark}-{n}-{i}"
                i += 1
                self.inputs[key] = {"qrToken": self.qrs[(n * 997 + i) % len(self.qrs)], "text": f"服务重启测试 {key}:路灯不亮", "idempotencyKey": key}
                if not await self.send(http, key):
                    self.unanswered.add(key)
                    await asyncio.sleep(0.2)

    async def send(self, http: httpx.AsyncClient, key: str) -> bool:
        try:
            body = (await http.post("/graphql", json={"query": SUBMIT, "variables": {"i": self.inputs[key]}})).json()
        except (httpx.HTTPError, ValueError):
            return False
        if "errors" in body or not body.get("data"):
            return False
        answer = body["data"]["submitRequest"]
        self.acked[key] = answer["request"]["trackingCode"]
        if answer["replayed"]:
            self.replayed.add(key)
        return True


class Wall:
    """A requestCreated subscriber that reconnects with its last cursor whenever its socket is
    closed or the subscription ends; `received` lists every tracking code delivered, in order."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.server, self.token = server, token
        self.received: list[str] = []
        self.cursor = "0"  # the private database's log starts empty: everything is ours
        self.connections = 0
        self.ws: Any = None

    def drop(self) -> None:
        """Lose the connection, as a wall screen on a flaky network does; it resumes by itself."""
        if self.ws is not None:
            asyncio.get_running_loop().create_task(self.ws.close())

    async def flaky(self, stop: asyncio.Event, every: float = 0.5) -> None:
        """Drop the connection every so often while the load runs: each resume joins the live
        feed while events keep coming, the moment a gap or a repeat would slip in."""
        while not stop.is_set():
            await asyncio.sleep(every)
            self.drop()

    async def run(self) -> None:
        while True:
            try:
                await self._once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 — closed, refused, timed out: resume from the cursor
                await asyncio.sleep(0.5)

    async def _once(self) -> None:
        url = self.server.url.replace("http", "ws") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
            self.ws = ws
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}}))
            if json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "connection_ack":
                return
            await ws.send(json.dumps({"id": "wall", "type": "subscribe", "payload": {"query": SUB, "variables": {"after": self.cursor}}}))
            self.connections += 1
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                if msg["type"] != "next" or msg["payload"].get("errors") or not msg["payload"].get("data"):
                    return  # error or complete: subscribe again from the cursor
                event = msg["payload"]["data"]["requestCreated"]
                self.received.append(event["request"]["trackingCode"])
                self.cursor = event["cursor"]


async def _until(predicate: Any, timeout: float, what: str | Any) -> None:
    """Wait for `predicate`; `what` (or what it returns, when it is a function) says what timed out."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out: {what() if callable(what) else what}"
        await asyncio.sleep(0.2)


async def _login(server: LiveServer, username: str) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        body = (await http.post("/graphql", json={"query": "mutation($i: LoginInput!) { login(input: $i) { token } }",
                                                  "variables": {"i": {"username": username, "password": "demo"}}})).json()
    return body["data"]["login"]["token"]


async def _prepare(url: str) -> list[str]:
    from db import migrate
    from db.seed import seed_demo

    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url)
    try:
        await seed_demo(db, progress=False)
        async with db.read() as conn:
            return list((await conn.execute(select(Building.qr_token).order_by(Building.id).limit(300))).scalars())
    finally:
        await db.dispose()


async def test_the_app_recovers_by_itself_from_postgres_and_redis_restarts_under_load(settings: Any) -> None:
    missing = _missing()
    if missing:
        pytest.skip(missing)
    pg, redis = PrivatePostgres(), PrivateRedis()
    server: LiveServer | None = None
    tasks: list[asyncio.Task] = []
    try:
        await asyncio.to_thread(pg.start)
        await asyncio.to_thread(redis.start)
        qrs = await _prepare(pg.url)
        server = LiveServer(dataclasses.replace(settings, database_url=pg.url, broadcast_url=redis.url),
                            {"QR_LIMIT_PER_TOKEN": "1000000", "SWEEP_SECONDS": "3600"})
        await asyncio.to_thread(server.wait_ready)
        loop = asyncio.get_running_loop()
        wall = Wall(server, await _login(server, "dispatcher"))
        load = Load(server.url, qrs, uuid.uuid4().hex[:8])
        tasks = [asyncio.create_task(wall.run()), asyncio.create_task(wall.flaky(load.stop)),
                 *(asyncio.create_task(load.client(n)) for n in range(4))]

        await _until(lambda: len(load.acked) >= 20 and len(wall.received) >= 10, RECOVERY, "the load and the wall get going")
        # PostgreSQL restarts under load: the app must answer again without being touched. The
        # wall loses its socket at the same moment and resumes from its cursor while it can.
        wall.drop()
        await asyncio.to_thread(pg.restart)
        mark, since = len(load.acked), loop.time()
        await _until(lambda: len(load.acked) > mark, RECOVERY, "submissions answered again after the PostgreSQL restart")
        recovered = loop.time() - since
        await _until(lambda: len(load.acked) >= mark + 20, RECOVERY, "submissions answered again after the PostgreSQL restart")
        # Redis goes away and comes back (empty: pub/sub holds nothing).
        redis.stop()
        wall.drop()
        await asyncio.sleep(1.0)
        await asyncio.to_thread(redis.start)
        mark = len(load.acked)
        await _until(lambda: len(load.acked) >= mark + 20, RECOVERY, "submissions answered after the Redis restart")
        live = set(list(load.acked.values())[mark + 10:])
        await _until(lambda: live <= set(wall.received), RECOVERY, "live events reach the wall after the Redis restart")
        load.stop.set()
        await asyncio.gather(*tasks[1:])

        answered = len(load.acked)
        # The submitters retry what was not answered, with the same keys.
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            for key in sorted(load.unanswered):
                assert await load.send(http, key), key

        # Every request the database holds for this load, once per key; the wall got each once.
        r, k = Request.__table__, IdempotencyKey.__table__
        engine = make_engine(pg.url)
        try:
            async with engine.connect() as conn:
                per_text = (await conn.execute(select(r.c.text, func.count()).where(r.c.text.like(f"服务重启测试 {load.mark}-%"))
                                               .group_by(r.c.text))).all()
                stored = dict((await conn.execute(select(k.c.key, r.c.tracking_code).join(r, r.c.id == k.c.request_id))).all())
        finally:
            await engine.dispose()
        assert [t for t, n in per_text if n != 1] == []
        by_key = {key.split(":", 2)[2]: code for key, code in stored.items()}
        assert {key: by_key.get(key) for key in load.acked} == load.acked  # every acknowledged request is there
        created = set(by_key.values())
        assert len(created) == len(per_text) == len(load.inputs)
        await _until(lambda: set(wall.received) >= created, RECOVERY, lambda:
                     f"the wall catches up with every created request: {len(created - set(wall.received))} of {len(created)} missing, "
                     f"cursor {wall.cursor}, {wall.connections} subscriptions; server log {server.log.name}")
        assert sorted(wall.received) == sorted(created)  # each exactly once
        assert wall.connections >= 3  # it did resume, more than once
        print(f"\nservice restarts: acknowledged={answered} before the retries, "
              f"unanswered while a service was down={len(load.unanswered)} (all retried, {len(load.replayed)} had committed), requests={len(created)}, "
              f"wall received={len(wall.received)} over {wall.connections} subscriptions, duplicates=0; answering again "
              f"{recovered:.1f} s after PostgreSQL was back")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            server.stop()
        redis.stop()
        await asyncio.to_thread(pg.stop)
