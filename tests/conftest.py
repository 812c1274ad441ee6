"""Shared fixtures: one migrated, demo-seeded database per test session on the backend the
runner chose (SQLite file, or a fresh PostgreSQL database created and dropped here), and the
real ASGI app with its lifespan running."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import event, text

from config import Settings, normalise_database_url
from schema.observability import current_worker

BACKEND = os.environ.get("EHY_TEST_BACKEND", "sqlite")
RUN_ID = uuid.uuid4().hex[:10]
# The console's browser tests share their module-scoped fixtures (server, browser, …).
pytest_plugins = ["tests.browser_fixtures"]


def _postgres_admin_url() -> str:
    return normalise_database_url(os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))


async def _pg_admin(sql: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(_postgres_admin_url(), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Any:
    """A fresh, migrated database URL for this session; dropped afterwards."""
    from db import migrate

    if BACKEND == "postgres":
        name = f"ehy_test_{RUN_ID}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        base = _postgres_admin_url().rsplit("/", 1)[0]
        url = f"{base}/{name}"
        migrate.upgrade(url)
        yield url
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        tmp = Path(tempfile.mkdtemp(prefix="ehy-test-"))
        url = f"sqlite+aiosqlite:///{tmp / 'test.sqlite3'}"
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def broadcast_url() -> str:
    if BACKEND == "postgres" and os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    return "memory://"


@pytest.fixture(scope="session")
def settings(database_url: str, broadcast_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        broadcast_url=broadcast_url,
        secret_key="test-secret-" + RUN_ID,
        demo=True,
        host="127.0.0.1",
        port=0,
        channel_prefix=f"ehy-test-{RUN_ID}:",
        # Every test shares one client address; the per-address limit has its own test.
        qr_limit_per_client=(100_000, 3600),
        photo_dir=Path(tempfile.mkdtemp(prefix="ehy-photos-")),
    )


@pytest_asyncio.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    from app import create_app
    from db.seed import seed_demo

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await seed_demo(application.state.db, progress=False)
        yield application


@pytest_asyncio.fixture(scope="session")
async def db(app: Any) -> Any:
    return app.state.db


class GQL:
    """A tiny GraphQL client over the real ASGI app."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token: str | None = None

    async def post(self, query: str, variables: dict | None = None, *, token: str | None = None, **kw: Any) -> dict:
        headers = {"accept": "application/graphql-response+json"}
        tok = token or self.token
        if tok:
            headers["authorization"] = f"Bearer {tok}"
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kw)
        body = response.json()
        body["_status"] = response.status_code
        return body

    async def ok(self, query: str, variables: dict | None = None, **kw: Any) -> dict:
        body = await self.post(query, variables, **kw)
        assert "errors" not in body, body.get("errors")
        return body["data"]

    async def login(self, username: str, password: str = "demo") -> str:
        data = await self.ok(
            "mutation($i: LoginInput!) { login(input: $i) { token } }",
            {"i": {"username": username, "password": password}},
        )
        return data["login"]["token"]


@pytest_asyncio.fixture(scope="session")
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def tokens(http: httpx.AsyncClient) -> dict[str, str]:
    """A token for every demo login, signed in once per session."""
    gql = GQL(http)
    names = ["admin", "dispatcher", "street", "community", "grid", "leader", "fieldhead",
             "department", "district", "partner", "volunteer", "evaluator"]
    return {name: await gql.login(name) for name in names}


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GQL:
    return GQL(http)


class StatementCounter:
    """Statements of the code under test: a background worker's (the refusal sink flushing an
    earlier test's rows, the sweeper) land in the window by chance and are not counted."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []
        self.parameters: list[Any] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if current_worker() is not None:
            return
        self.count += 1
        self.statements.append(statement)
        self.parameters.append(parameters)


@pytest.fixture
def count_statements(db: Any):
    """Count SQL statements the app's engine runs inside a `with count_statements() as c:` block."""
    import contextlib

    @contextlib.contextmanager
    def counting():
        counter = StatementCounter()
        # PostgreSQL reads have a pool of their own, SQLite writes an engine of their own.
        engines = {db.engine.sync_engine, db.read_engine.sync_engine, db.write_engine.sync_engine}
        for engine in engines:
            event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", counter)

    return counting


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """The app under uvicorn in its own process, on the session's database."""

    def __init__(self, settings: Settings, extra_env: dict[str, str] | None = None) -> None:
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "BROADCAST_URL": settings.broadcast_url,
            "SECRET_KEY": settings.secret_key,
            "DEMO": "1",
            "CHANNEL_PREFIX": settings.channel_prefix,
            "QR_LIMIT_PER_CLIENT": "100000",
            **(extra_env or {}),
        }
        root = Path(__file__).resolve().parent.parent
        self.log = tempfile.NamedTemporaryFile(prefix="ehy-server-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + Path(self.log.name).read_text()[-3000:])
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("server did not start: " + Path(self.log.name).read_text()[-3000:])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()


@pytest_asyncio.fixture(scope="session")
async def live_server(app: Any, settings: Settings) -> AsyncIterator[LiveServer]:
    server = LiveServer(settings)
    await asyncio.to_thread(server.wait_ready)
    yield server
    server.stop()
