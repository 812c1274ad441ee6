"""An inbound order becomes a request — once per order number, however often it is delivered.

The steps mirror `resolvers.requests.intake.submit_request` (tracking code, search bigrams,
suggested subcategory, triage deadline, reporter row, SUBMITTED event), with the platform as the
reporter's channel instead of a signed-in user or a QR code.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Building, CityOrder, Request, RequestReporter, Subcategory
from resolvers import events
from resolvers.orders12345.address import Match, match_building, public_part
from resolvers.orders12345.inbound import CITY_12345, OrderIn
from resolvers.requests import deadlines
from resolvers.requests.classify import bigrams
from resolvers.requests.intake import _suggestion, tracking_code
from resolvers.requests.vocab import Channel, EventKind, State

SOURCE_LABEL = {CITY_12345: "12345热线", "OPEN311": "Open311"}


@dataclass
class Accepted:
    order: CityOrder
    request: Request
    replayed: bool


def place_of(building: Building | None) -> dict[str, Any]:
    """The request's place, derived from its building (SPEC §5.1)."""
    if building is None:
        return {"building_id": None, "grid_id": None, "community_id": None, "street_id": None}
    return {"building_id": building.id, "grid_id": building.grid_id, "community_id": building.community_id,
            "street_id": building.street_id}


def _location_note(data: OrderIn) -> str:
    """Where, for whoever sees the request: the address without unit and room, or the position."""
    if data.address.strip():
        return public_part(data.address)[:200]
    if data.lat is not None and data.long is not None:
        return f"坐标 {data.lat:.5f},{data.long:.5f}"
    return ""


async def subcategory_for(session: AsyncSession, category: str | None) -> int | None:
    """The platform's category when it names one of our subcategories: 噪音扰民, 居住环境/噪音扰民
    or a subcategory code. Anything else is left to the center's triage."""
    if not category:
        return None
    s = unicodedata.normalize("NFKC", category).strip()
    leaf = re.split(r"[/\\>|·、-]", s)[-1].strip()
    t = Subcategory.__table__
    ids = (await session.execute(
        select(t.c.id).where((t.c.name == leaf) | (func.lower(t.c.code) == s.lower())).limit(2)
    )).scalars().all()
    return ids[0] if len(ids) == 1 else None


async def _serialise(session: AsyncSession, source: str, order_no: str) -> None:
    # Two deliveries of one order at once: on PostgreSQL the second waits here until the first
    # commits, then finds its row. (SQLite's write transactions are serial already.)
    if (await session.connection()).dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"city-order:{source}:{order_no}".encode()).digest()[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


async def find_order(session: AsyncSession, source: str, order_no: str) -> Accepted | None:
    order = (await session.execute(
        select(CityOrder).where(CityOrder.source == source, CityOrder.order_no == order_no)
    )).scalar_one_or_none()
    if order is None:
        return None
    return Accepted(order=order, request=await session.get(Request, order.request_id), replayed=True)


async def accept_order(session: AsyncSession, data: OrderIn) -> Accepted:
    if data.order_no is not None:
        await _serialise(session, data.source, data.order_no)
        existing = await find_order(session, data.source, data.order_no)
        if existing is not None:
            return existing

    match: Match = await match_building(session, data.address)
    building = await session.get(Building, match.building_id) if match.building_id else None
    now = utcnow()
    text_ = data.text.strip()
    title = text_.splitlines()[0][:30]
    suggested = data.subcategory_id or await subcategory_for(session, data.category) or await _suggestion(session, text_)
    request = Request(
        tracking_code=tracking_code(),
        channel=Channel.CITY_HOTLINE.value,
        title=title,
        text=text_,
        search_terms=bigrams(title + " " + text_),
        occurred_at=min(data.received_at, now),
        created_at=now,
        updated_at=now,
        location_note=_location_note(data),
        contact_name=data.caller_name,
        contact_phone=data.caller_phone,
        state=State.SUBMITTED.value,
        suggested_subcategory_id=suggested,
        version=1,
        **place_of(building),
    )
    policy = await deadlines.policy_for(session, None)
    deadlines.set_due(request, "TRIAGE", deadlines.triage_due(now, policy))
    session.add(request)
    await session.flush()
    session.add(RequestReporter(request_id=request.id, source_request_id=request.id,
                                contact_name=request.contact_name, contact_phone=request.contact_phone))
    order = CityOrder(
        source=data.source, order_no=data.order_no or request.tracking_code, received_at=data.received_at, created_at=now,
        caller_name=data.caller_name, caller_phone=data.caller_phone, text=text_, address=data.address,
        category=data.category, attachments=json.dumps(data.attachments, ensure_ascii=False), lat=data.lat, long=data.long,
        request_id=request.id, match=match.how, match_note=match.note,
    )
    session.add(order)
    await session.flush()
    events.stage(session, request, EventKind.SUBMITTED.value, None, actor_label=SOURCE_LABEL.get(data.source, data.source),
                 data={"channel": request.channel, "source": data.source, "orderNo": order.order_no, "match": match.how,
                       "photos": 0, "attachments": len(data.attachments)})
    return Accepted(order=order, request=request, replayed=False)
