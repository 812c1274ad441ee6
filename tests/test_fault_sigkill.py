"""Durability against a crash: the app under uvicorn is killed with SIGKILL in the middle of a
load of anonymous QR submissions, restarted on the same database, and every submission whose
answer was lost is retried with its idempotency key. Every acknowledged request is there with its
event, no submission exists twice, and a retry of one that had committed returns the original.

Also: the SQLite connections the app opens run with the pragmas this relies on."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import func, select, text

from db.engine import Database, make_engine
from db.models import Building, IdempotencyKey, Request, RequestEvent
from tests.conftest import BACKEND, RUN_ID, LiveServer, _pg_admin, _postgres_admin_url

SUBMIT = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { replayed request { trackingCode } } }"
CLIENTS = 6
KILL_AFTER = 60  # acknowledged submissions before the kill


async def test_the_app_s_connections_run_with_durable_settings(db: Any) -> None:
    if db.dialect == "sqlite":
        # Read and write connections alike (they come from two engines).
        for engine in (db.engine, db.write_engine):
            async with engine.connect() as conn:
                pragma = {name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                          for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
            assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 10000}  # 2 = FULL
    else:
        async with db.read() as conn:
            # The app never trades durability for speed per session.
            assert (await conn.execute(text("SHOW synchronous_commit"))).scalar_one() == "on"


@pytest_asyncio.fixture
async def scratch_url() -> Any:
    """A fresh database with the demo district (no requests), dropped afterwards."""
    from db import migrate
    from db.seed import seed_demo

    if BACKEND == "postgres":
        name = f"ehy_sigkill_{RUN_ID}_{uuid.uuid4().hex[:6]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = _postgres_admin_url().rsplit("/", 1)[0] + "/" + name
    else:
        name = ""
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp(prefix='ehy-sigkill-')) / 'db.sqlite3'}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url)
    await seed_demo(db, progress=False)
    await db.dispose()
    yield url
    if name:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server(settings: Any, url: str) -> LiveServer:
    return LiveServer(dataclasses.replace(settings, database_url=url), {"QR_LIMIT_PER_TOKEN": "1000000", "SWEEP_SECONDS": "3600"})


class Load:
    """Concurrent anonymous submissions, each with its own idempotency key; `acked` holds the
    tracking code of every answered one, `lost` the keys whose answer never came."""

    def __init__(self, server: LiveServer, qrs: list[str], mark: str) -> None:
        self.server, self.qrs, self.mark = server, qrs, mark
        self.acked: dict[str, str] = {}
        self.lost: set[str] = set()
        self.inputs: dict[str, dict] = {}
        self.enough = asyncio.Event()

    def make(self, client: int, i: int) -> str:
        key = f"{self.mark}-{client}-{i}"
        self.inputs[key] = {"qrToken": self.qrs[(client * 1000 + i) % len(self.qrs)], "text": f"断电测试 {key}:楼道积水", "idempotencyKey": key}
        return key

    async def client(self, n: int) -> None:
        async with httpx.AsyncClient(base_url=self.server.url, timeout=30) as http:
            for i in range(100_000):
                key = self.make(n, i)
                try:
                    r = await http.post("/graphql", json={"query": SUBMIT, "variables": {"i": self.inputs[key]}})
                    body = r.json()
                except httpx.HTTPError:
                    self.lost.add(key)
                    return  # the server is gone
                assert "errors" not in body, body["errors"]
                self.acked[key] = body["data"]["submitRequest"]["request"]["trackingCode"]
                if len(self.acked) >= KILL_AFTER:
                    self.enough.set()


async def test_sigkill_mid_load_loses_no_acknowledged_request_and_duplicates_none(settings: Any, scratch_url: str) -> None:
    url = scratch_url
    async with connect(url) as conn:
        qrs = list((await conn.execute(select(Building.qr_token).order_by(Building.id).limit(200))).scalars())
    server = _server(settings, url)
    await asyncio.to_thread(server.wait_ready)
    load = Load(server, qrs, uuid.uuid4().hex[:8])
    clients = [asyncio.create_task(load.client(n)) for n in range(CLIENTS)]
    try:
        await asyncio.wait_for(load.enough.wait(), 120)
        await _kill_between_commit_and_answer(url, load, server)
        server.proc.wait(timeout=10)
        await asyncio.wait_for(asyncio.gather(*clients), 60)
    finally:
        for task in clients:
            task.cancel()
        server.stop()
    acked, lost = dict(load.acked), set(load.lost)
    assert len(lost) == CLIENTS, lost  # each client lost exactly the answer it was waiting for

    # What reached the database before the kill, among the lost answers.
    committed = await _codes_by_key(url, list(lost))

    restarted = _server(settings, url)
    await asyncio.to_thread(restarted.wait_ready)
    retried: dict[str, tuple[bool, str]] = {}
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=30) as http:
            for key in sorted(lost):
                body = (await http.post("/graphql", json={"query": SUBMIT, "variables": {"i": load.inputs[key]}})).json()
                assert "errors" not in body, body["errors"]
                answer = body["data"]["submitRequest"]
                retried[key] = (answer["replayed"], answer["request"]["trackingCode"])
    finally:
        restarted.stop()

    # A retry returns the original when it had committed, and is created once otherwise.
    for key, (replayed, code) in retried.items():
        assert replayed == (key in committed), (key, replayed, committed)
        if key in committed:
            assert code == committed[key]

    # Every acknowledged request is there, once, with its SUBMITTED event; no key made two.
    everything = {**acked, **{k: code for k, (_, code) in retried.items()}}
    found = await _codes_by_key(url, list(everything))
    assert found == everything
    r, e = Request.__table__, RequestEvent.__table__
    async with connect(url) as conn:
        per_text = (await conn.execute(select(r.c.text, func.count()).where(r.c.text.like(f"断电测试 {load.mark}-%")).group_by(r.c.text))).all()
        events = (await conn.execute(select(e.c.request_id, e.c.kind).join(r, r.c.id == e.c.request_id)
                                     .where(r.c.text.like(f"断电测试 {load.mark}-%")))).all()
    duplicates = [t for t, n in per_text if n != 1]
    assert duplicates == [] and len(per_text) == len(everything)
    assert sorted(kind for _, kind in events) == ["SUBMITTED"] * len(everything)
    print(f"\nSIGKILL [{BACKEND}]: acknowledged={len(acked)} found after restart={len(set(acked) & set(found))} "
          f"answers lost={len(lost)} (committed before the kill={len(committed)}) retried={len(retried)} "
          f"(replayed={sum(1 for r_, _ in retried.values() if r_)}) duplicates={len(duplicates)}")


async def _kill_between_commit_and_answer(url: str, load: Load, server: LiveServer, tries: int = 40) -> None:
    """SIGKILL mid-load, preferably while a submission has committed but its answer has not gone
    out (the case idempotent retries exist for). That window is a few milliseconds, so the server
    is frozen (SIGSTOP) at random moments and looked at; if none is caught, it is killed anyway.
    Either way every client has a submission in flight."""
    k = IdempotencyKey.__table__
    pid = server.proc.pid
    async with connect(url) as conn:
        for _ in range(tries):
            os.kill(pid, signal.SIGSTOP)
            await asyncio.sleep(0.05)  # answers already sent reach their clients
            stored = (await conn.execute(select(k.c.key).where(k.c.key.like(f"qr:%:{load.mark}-%")))).scalars().all()
            await conn.rollback()  # a fresh snapshot for the next look
            if any(key.split(":", 2)[2] not in load.acked for key in stored):
                break
            os.kill(pid, signal.SIGCONT)
            await asyncio.sleep(random.uniform(0.005, 0.05))
    os.kill(pid, signal.SIGKILL)


@contextlib.asynccontextmanager
async def connect(url: str) -> AsyncIterator[Any]:
    """A short-lived connection to `url` (the fault test's own database, not the session's)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()


async def _codes_by_key(url: str, keys: list[str]) -> dict[str, str]:
    """{idempotency key: tracking code} of the requests stored under those keys."""
    k, r = IdempotencyKey.__table__, Request.__table__
    async with connect(url) as conn:
        rows = (await conn.execute(select(k.c.key, r.c.tracking_code).join(r, r.c.id == k.c.request_id))).all()
    wanted = set(keys)
    # Stored keys are scoped to the building: "qr:<building id>:<key>".
    return {stored.split(":", 2)[2]: code for stored, code in rows if stored.startswith("qr:") and stored.split(":", 2)[2] in wanted}
