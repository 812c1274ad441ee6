"""Open311 GeoReport v2, so that existing 311 apps and kiosks can submit and follow requests.

* ``GET /open311/v2/services.json`` — the taxonomy's subcategories as services
  (``service_code`` = subcategory code, ``group`` = category).
* ``POST /open311/v2/requests.json`` — form-encoded: ``api_key`` (one of ``OPEN311_API_KEYS``),
  ``service_code``, ``description``, and ``address_string`` or ``lat`` + ``long``; optional
  ``first_name``, ``last_name``, ``phone``, ``media_url`` (``email``, ``device_id`` and
  ``attribute[…]`` are accepted and ignored). Answers ``[{"service_request_id", "service_notice",
  "account_id": null}]``; the id is the request's tracking code. The address is matched to a
  building like a 12345 order's; a position alone leaves the request for the center to place.
* ``GET /open311/v2/requests/{service_request_id}.json`` — status ``open``/``closed`` and public
  progress only: no name, phone, address or text beyond the title.

Errors are Open311's ``[{"code": <HTTP status>, "description": "…"}]``: 400 bad input, 403 bad
api_key, 404 unknown service or request, 429 too many submissions for one key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse

from db.base import utcnow
from db.models import Category, Community, Request, Subcategory
from resolvers import ratelimit
from resolvers.errors import RateLimited
from resolvers.orders12345.accept import accept_order
from resolvers.orders12345.config import link_config
from resolvers.orders12345.inbound import OPEN311, OrderIn, normalise_phone
from resolvers.orders12345.routes import unit
from resolvers.requests.common import STATE_ZH
from resolvers.requests.vocab import TERMINAL, State

_CLOSED = frozenset(s.value for s in TERMINAL)


def o311_error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


async def services(http: HttpRequest) -> JSONResponse:
    s, c = Subcategory.__table__, Category.__table__
    async with http.app.state.db.read() as conn:
        rows = (await conn.execute(
            select(s.c.code, s.c.name, s.c.name_en, s.c.keywords, c.c.name.label("group"))
            .join(c, c.c.id == s.c.category_id).order_by(c.c.position, s.c.position)
        )).all()
    return JSONResponse([
        {"service_code": r.code, "service_name": r.name, "description": f"{r.name} / {r.name_en}", "metadata": False,
         "type": "realtime", "keywords": ",".join(r.keywords.split()), "group": r.group}
        for r in rows
    ])


def _key_ok(given: str) -> bool:
    keys = link_config().open311_keys
    # Every key compared, in constant time: neither which key nor how much of it matched leaks.
    return bool(given) and sum(hmac.compare_digest(given.encode(), k.encode()) for k in keys) == 1


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


async def post_request(http: HttpRequest) -> JSONResponse:
    try:
        form = await http.form(max_files=0, max_fields=100)
    except Exception:  # noqa: BLE001 — a body that is not a form is the client's error
        return o311_error(400, "Expected application/x-www-form-urlencoded fields")
    f = {k: (v if isinstance(v, str) else "") for k, v in form.items()}
    api_key = f.get("api_key", "").strip()
    if not _key_ok(api_key):
        return o311_error(403, "Invalid api_key")
    problems = []
    code = f.get("service_code", "").strip()
    description = f.get("description", "").strip()
    address = f.get("address_string", "").strip()
    lat, long_ = _float(f.get("lat")), _float(f.get("long"))
    if not code:
        problems.append("service_code is required")
    if not description:
        problems.append("description is required")
    elif len(description) > 2000:
        problems.append("description is longer than 2000 characters")
    if not address and (lat is None or long_ is None):
        problems.append("address_string or lat and long are required")
    if len(address) > 200:
        problems.append("address_string is longer than 200 characters")
    if (lat is not None and not -90 <= lat <= 90) or (long_ is not None and not -180 <= long_ <= 180):
        problems.append("lat/long out of range")
    name = (f.get("last_name", "").strip() + f.get("first_name", "").strip())[:32] or None  # 姓 before 名
    phone = None
    if f.get("phone", "").strip():
        phone = normalise_phone(f["phone"])
        if phone is None:
            problems.append("phone is not a valid number")
    media = f.get("media_url", "").strip()
    if media and (not media.startswith(("http://", "https://")) or len(media) > 500):
        problems.append("media_url must be an http(s) URL")
    if problems:
        return o311_error(400, "; ".join(problems))
    s = Subcategory.__table__
    async with http.app.state.db.read() as conn:
        sub = (await conn.execute(select(s.c.id, s.c.name).where(s.c.code == code))).first()
    if sub is None:
        return o311_error(404, f"service_code {code} not found")
    order = OrderIn(source=OPEN311, order_no=None, received_at=utcnow(), text=description, address=address,
                    caller_name=name, caller_phone=phone, category=sub.name, subcategory_id=sub.id,
                    attachments=[media] if media else [], lat=lat, long=long_)
    cfg = link_config()
    try:
        async with unit(http) as session:
            key = "open311:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
            await ratelimit.hit(session, key, cfg.open311_limit_per_hour, 3600)
            accepted = await accept_order(session, order)
            code_ = accepted.request.tracking_code
            placed = accepted.request.building_id is not None
    except RateLimited:
        return o311_error(429, "Too many requests for this api_key; try again later")
    notice = (f"已受理,查询码 {code_}。智慧呼应中心将在 30 分钟内分类派单。"
              + ("" if placed else "地址待中心定位。")
              + f" Received; follow it with code {code_}.")
    return JSONResponse([{"service_request_id": code_, "service_notice": notice, "account_id": None}])


async def get_request(http: HttpRequest) -> JSONResponse:
    code = http.path_params["code"].strip().upper()
    r, s, c = Request.__table__, Subcategory.__table__, Community.__table__
    async with http.app.state.db.read() as conn:
        row = (await conn.execute(
            select(r.c.tracking_code, r.c.title, r.c.state, r.c.created_at, r.c.updated_at, r.c.resolve_due_at,
                   r.c.resolution, s.c.code.label("service_code"), s.c.name.label("service_name"),
                   c.c.name.label("community"))
            # The service the center filed it under, else the one asked for (kept as the suggestion).
            .select_from(r.outerjoin(s, s.c.id == func.coalesce(r.c.subcategory_id, r.c.suggested_subcategory_id))
                         .outerjoin(c, c.c.id == r.c.community_id))
            .where(r.c.tracking_code == code)
        )).first()
    if row is None:
        return o311_error(404, f"service_request_id {code} not found")
    closed = row.state in _CLOSED
    notes = STATE_ZH[row.state] + (f":{row.resolution}" if row.resolution and row.state in (State.RESOLVED.value, State.CLOSED.value) else "")
    return JSONResponse([{
        "service_request_id": row.tracking_code,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": row.service_name,
        "service_code": row.service_code,
        "description": row.title,
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": row.created_at.isoformat(),
        "updated_datetime": row.updated_at.isoformat(),
        "expected_datetime": row.resolve_due_at.isoformat() if row.resolve_due_at else None,
        "address": row.community,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }])
