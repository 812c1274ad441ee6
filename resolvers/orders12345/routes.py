"""The 12345 platform's door: ``POST /api/12345/orders`` (format in the package docstring)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse

from db.models import Building
from resolvers.orders12345.accept import Accepted, accept_order, find_order
from resolvers.orders12345.config import link_config
from resolvers.orders12345.inbound import CITY_12345, Problem, parse_order
from resolvers.orders12345.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify
from schema.ids import to_global_id

MAX_BODY = 64 * 1024


def error(status: int, code: str, zh: str, en: str, problems: list[Problem] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": zh, "messageEn": en}
    if problems is not None:
        body["problems"] = [p.as_json() for p in problems]
    return JSONResponse({"error": body}, status_code=status)


@asynccontextmanager
async def unit(http: HttpRequest) -> AsyncIterator[AsyncSession]:
    """One unit of work, as a GraphQL mutation has (events written last, the live doorbell rung
    after commit)."""
    from schema.edge import write_unit

    state = http.app.state
    async with write_unit(SimpleNamespace(db=state.db, extra={"bus": getattr(state, "bus", None)})) as session:
        yield session


async def read_body(http: HttpRequest) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY (read no further than that)."""
    declared = http.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in http.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def answer(session: AsyncSession, accepted: Accepted) -> dict[str, Any]:
    request = accepted.request
    building = await session.get(Building, request.building_id) if request.building_id else None
    return {
        "orderNo": accepted.order.order_no,
        "requestId": to_global_id("Request", request.id),
        "trackingCode": request.tracking_code,
        "state": request.state,
        "match": accepted.order.match,
        "building": None if building is None else {
            "id": to_global_id("Building", building.id), "name": building.name, "address": building.address},
        "replayed": accepted.replayed,
    }


async def receive_order(http: HttpRequest) -> JSONResponse:
    cfg = link_config()
    if not cfg.secret:
        return error(503, "NOT_CONFIGURED", "未配置 12345 接口密钥", "CITY12345_SECRET is not set")
    raw = await read_body(http)
    if raw is None:
        return error(413, "TOO_LARGE", f"工单过大(最多 {MAX_BODY // 1024} KiB)", f"The body is larger than {MAX_BODY} bytes")
    try:
        verify(cfg.secret, http.headers.get(TIMESTAMP_HEADER), http.headers.get(SIGNATURE_HEADER), raw)
    except SignatureError as exc:
        return error(401, exc.code, exc.zh, exc.en)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return error(400, "MALFORMED_JSON", "工单不是有效的 JSON", "The body is not valid JSON")
    parsed = parse_order(body)
    if isinstance(parsed, list):
        return error(400, "INVALID_ORDER", "工单内容有误", "The order has problems; see problems", parsed)
    try:
        async with unit(http) as session:
            accepted = await accept_order(session, parsed)
            result = await answer(session, accepted)
    except IntegrityError:
        # Lost a race with a concurrent delivery of the same order (its row committed first).
        async with unit(http) as session:
            accepted = await find_order(session, CITY_12345, parsed.order_no)
            if accepted is None:
                raise
            result = await answer(session, accepted)
    return JSONResponse(result, status_code=200 if accepted.replayed else 201)
