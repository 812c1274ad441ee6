"""The HTTP edge's bookkeeping, as one ASGI middleware around every route.

* A request id for every HTTP request and every WebSocket connection: an incoming X-Request-ID
  is kept when it is well formed (a proxy's or a client's correlation id), else one is made. It
  is echoed in the response's X-Request-ID header (the WebSocket handshake's too), held in a
  context variable for the duration — log records (schema/logs.py), masked internal errors
  (`extensions.requestId`) and audit rows carry it — and inherited by every task the request
  starts.
* Metrics (schema/metrics.py): HTTP requests by method, route template and status, and their
  latency; open WebSocket connections.
* A refusal answered at the HTTP level — a 401/403 response (a bad token, a bad signature, a
  signed link gone stale, /metrics from outside), or a WebSocket closed with 4401/4403 — leaves an
  audit row, rate-limited per client address like every anonymous refusal
  (resolvers/audit_refusals.py). Refusals inside a GraphQL operation are audited with their actor
  by schema/errors.py instead, and are answered with 200.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
import time
from collections.abc import Coroutine
from contextvars import ContextVar
from typing import Any

from schema import metrics

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# The background worker (sweeper, outbox sender, refusal sink…) a task runs for: work no request
# asked for, whose log lines and statements still need an owner.
WORKER: ContextVar[str | None] = ContextVar("worker", default=None)
HEADER = "x-request-id"
# What a proxy or client may hand us: uuids, nginx's $request_id, trace ids — nothing that could
# break a log line or a header.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
_REFUSED_STATUS = (401, 403)
_REFUSED_CLOSE = (4401, 4403)


def current_request_id() -> str | None:
    return REQUEST_ID.get()


def current_worker() -> str | None:
    return WORKER.get()


def start_worker(coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
    """Run a long-lived background worker as a task of its own name, marked as that worker for
    everything it does and every task it starts."""
    context = contextvars.copy_context()
    context.run(WORKER.set, name)
    return asyncio.create_task(coro, name=name, context=context)


def new_request_id() -> str:
    return os.urandom(16).hex()  # what uuid4().hex carries, less its fixed bits, without building a UUID


def accepted_request_id(value: str | None) -> str | None:
    return value if value is not None and _WELL_FORMED.fullmatch(value) else None


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


class ObservabilityMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = accepted_request_id(_header(scope, HEADER.encode())) or new_request_id()
        echo = (HEADER.encode(), rid.encode())
        seen: dict[str, Any] = {"status": 500, "accepted": False, "close": None}
        started = time.perf_counter()

        async def send_with_id(message: dict[str, Any]) -> None:
            t = message["type"]
            if t == "http.response.start":
                seen["status"] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), echo]}
            elif t == "websocket.accept":
                message = {**message, "headers": [*message.get("headers", ()), echo]}
                seen["accepted"] = True
                metrics.WS_CONNECTIONS.inc()
            elif t == "websocket.close":
                seen["close"] = message.get("code", 1000)
            await send(message)

        token = REQUEST_ID.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
            if kind == "http":
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                metrics.observe_http(scope.get("method", ""), route, seen["status"], time.perf_counter() - started)
                if seen["status"] in _REFUSED_STATUS:
                    _audit_refusal(scope, f"HTTP {seen['status']}", rid)
            else:
                if seen["accepted"]:
                    metrics.WS_CONNECTIONS.dec()
                if seen["close"] in _REFUSED_CLOSE:
                    _audit_refusal(scope, f"WebSocket close {seen['close']}", rid)


def _audit_refusal(scope: dict[str, Any], what: str, rid: str) -> None:
    app = scope.get("app")
    sink = getattr(getattr(app, "state", None), "audit_sink", None)
    if sink is None:
        return
    client = scope.get("client")
    path = scope.get("path", "")
    sink.record(actor_user_id=None, client=client[0] if client else "", target=f"{scope['type'].upper()} {path}"[:128],
                detail=f"{what} request_id={rid}")
