"""Structured logs (issue #9, part 5): JSON lines with the request id of the HTTP request or
WebSocket connection, the same id the client gets in X-Request-ID and in a masked error."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import logging
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
import websockets

from config import Settings
from schema.logs import JsonFormatter, configure_logging, remove_logging

QUERY = '{ requestByTrackingCode(code: "NO-SUCH-CODE") { state } }'


async def test_x_request_id_is_echoed_or_made(http: httpx.AsyncClient) -> None:
    mine = "req-" + uuid.uuid4().hex
    r = await http.get("/healthz", headers={"x-request-id": mine})
    assert r.headers["x-request-id"] == mine
    for bad in ("short", "has spaces in it", "x" * 200, "ünïcode-1234".encode()):
        made = (await http.get("/healthz", headers={"x-request-id": bad})).headers["x-request-id"]
        assert made != bad and len(made) == 32 and int(made, 16) >= 0
    a, b = [(await http.get("/healthz")).headers["x-request-id"] for _ in range(2)]
    assert a != b  # one per request


async def test_a_masked_internal_error_is_logged_as_json_with_the_clients_request_id(settings: Settings) -> None:
    """A real fault: a database without its tables. The client learns nothing but a code and the
    request id; the log line under that id has the traceback."""
    from app import create_app

    empty = Path(tempfile.mkdtemp(prefix="ehy-empty-")) / "empty.sqlite3"
    # Already in WAL mode, as every migrated database is: otherwise the app's first connections
    # race to switch the new file's journal and one may fail "database is locked" instead.
    with contextlib.closing(sqlite3.connect(empty)) as made:
        made.execute("PRAGMA journal_mode=WAL")
    broken = create_app(dataclasses.replace(settings, database_url=f"sqlite+aiosqlite:///{empty}", photo_dir=empty.parent))
    buffer = io.StringIO()
    handler = configure_logging("json", "INFO", stream=buffer)
    try:
        async with broken.router.lifespan_context(broken):
            transport = httpx.ASGITransport(app=broken, client=("127.0.0.1", 50001))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                rid = "support-" + uuid.uuid4().hex
                r = await client.post("/graphql", json={"query": QUERY}, headers={"x-request-id": rid})
                generated = await client.post("/graphql", json={"query": QUERY})
    finally:
        remove_logging(handler)
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and error["extensions"]["requestId"] == rid
    assert r.headers["x-request-id"] == rid and "no such table" not in r.text
    assert generated.json()["errors"][0]["extensions"]["requestId"] == generated.headers["x-request-id"]

    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]  # every line is one JSON object
    mine = [e for e in lines if e.get("request_id") == rid and e["logger"] == "ehuying.errors"]
    assert len(mine) == 1
    entry = mine[0]
    assert entry["level"] == "ERROR" and entry["message"].startswith("internal error at")
    assert "no such table" in entry["exception"] and entry["time"].endswith("Z")
    assert any(e.get("request_id") == generated.headers["x-request-id"] for e in lines)


def test_json_lines_carry_extra_fields_and_nothing_breaks_a_line() -> None:
    record = logging.LogRecord("ehuying.test", logging.WARNING, __file__, 1, "第 %d 行\n换行", (2,), None)
    record.deleted = 7
    record.request_id = "rid-12345678"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line) == {**json.loads(line), "level": "WARNING", "logger": "ehuying.test", "message": "第 2 行\n换行",
                                "request_id": "rid-12345678", "deleted": 7}


async def test_a_websocket_connection_has_its_request_id(live_server: Any) -> None:
    mine = "ws-" + uuid.uuid4().hex
    async with websockets.connect(live_server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"],
                                  additional_headers={"X-Request-ID": mine}, open_timeout=30) as ws:
        assert ws.response.headers["x-request-id"] == mine
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
