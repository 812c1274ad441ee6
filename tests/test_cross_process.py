"""Across processes: two app processes on PostgreSQL share events through Redis, and a Redis
restart mid-stream loses nothing (a private Redis on a spare port, never the shared one)."""

import asyncio
import json
import shutil
import subprocess
import tempfile
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import BACKEND, LiveServer, free_port
from tests.loop_helpers import qr_token_in

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="needs PostgreSQL + Redis (the CI's second pass)")

SUB = "subscription($after: String) { requestCreated(after: $after) { cursor request { trackingCode } } }"


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="ehy-redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
                return
            import time

            time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.proc:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


async def _ws(server: LiveServer, token: str, after: str | None = None) -> Any:
    ws = await websockets.connect(server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUB, "variables": {"after": after}}}))
    await asyncio.sleep(0.3)
    return ws


async def _next_code(ws: Any, timeout: float = 30) -> tuple[str, str]:
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if msg["type"] == "next":
            data = msg["payload"]["data"]["requestCreated"]
            return data["request"]["trackingCode"], data["cursor"]
        assert msg["type"] != "error", msg


async def _submit(server: LiveServer, qr: str, text: str) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        r = await client.post("/graphql", json={"query": "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode } } }",
                                                "variables": {"i": {"qrToken": qr, "text": text}}})
    return r.json()["data"]["submitRequest"]["request"]["trackingCode"]


async def _servers(settings: Any, redis_url: str, n: int = 2) -> list[LiveServer]:
    servers = [LiveServer(settings, {"BROADCAST_URL": redis_url, "SWEEP_SECONDS": "3600"}) for _ in range(n)]
    for s in servers:
        await asyncio.to_thread(s.wait_ready)
    return servers


async def test_a_request_submitted_on_one_process_reaches_a_subscriber_on_another(app: Any, settings: Any, tokens: dict[str, str], db: Any) -> None:
    a, b = await _servers(settings, settings.broadcast_url)
    try:
        ws = await _ws(a, tokens["dispatcher"])
        code = await _submit(b, await qr_token_in(db, "进德社区", 3), "跨进程:B 提交,A 推送")
        got, _ = await _next_code(ws, timeout=10)  # far below the 30 s safety sweep: pushed, not swept
        assert got == code
        await ws.close()
    finally:
        a.stop()
        b.stop()


async def test_redis_restart_mid_stream_loses_nothing(app: Any, settings: Any, tokens: dict[str, str], db: Any) -> None:
    redis = PrivateRedis()
    redis.start()
    a, b = await _servers(settings, redis.url)
    qr = await qr_token_in(db, "进德社区", 4)
    try:
        ws = await _ws(a, tokens["dispatcher"])
        first = await _submit(b, qr, "重启前")
        got, cursor = await _next_code(ws, timeout=10)
        assert got == first

        redis.stop()
        during = await _submit(b, qr, "Redis 停机期间提交")  # acknowledged: it is in the database
        await asyncio.sleep(1)
        redis.start()

        # The subscriber that stayed connected gets what passed during the outage, then live ones.
        got, _ = await _next_code(ws, timeout=25)
        assert got == during
        after = await _submit(b, qr, "重启后")
        got, _ = await _next_code(ws, timeout=15)
        assert got == after
        await ws.close()

        # A subscriber resuming from the cursor before the outage misses nothing.
        ws2 = await _ws(b, tokens["dispatcher"], after=cursor)
        replayed = [(await _next_code(ws2, timeout=15))[0] for _ in range(2)]
        assert replayed == [during, after]
        await ws2.close()
    finally:
        a.stop()
        b.stop()
        redis.stop()
