"""Inbound work orders (12345, Open311) and the outcome reports sent back to the 12345 platform."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Select, select
from strawberry.dataloader import DataLoader

from db.engine import Database
from db.models import CityOrder as OrderModel
from db.models import CityOrderCallback as CallbackModel
from db.models import Request as RequestModel
from resolvers.masking import mask_name, mask_phone
from resolvers.orders12345.address import public_part
from resolvers.requests import vocab
from resolvers.requests.common import STATE_ZH
from schema.context import Info
from schema.ids import to_global_id
from schema.types.places import Building
from schema.types.requests import Request, RequestState

O = OrderModel.__table__
CB = CallbackModel.__table__
R = RequestModel.__table__


@strawberry.enum(description="Where an inbound order came from.")
class OrderSource(Enum):
    CITY_12345 = "CITY_12345"
    OPEN311 = "OPEN311"


@strawberry.enum(description="How the order's address found its building.")
class AddressMatch(Enum):
    EXACT = "EXACT"
    NORMALISED = "NORMALISED"
    FUZZY = "FUZZY"
    NONE = "NONE"
    AMBIGUOUS = "AMBIGUOUS"
    CENTER = "CENTER"


@strawberry.enum(description="Delivery of an outcome report to the 12345 platform.")
class CallbackStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@strawberry.type(description="An outcome report owed to the 12345 platform: one per order and end state, delivered once.")
class OrderCallback:
    state: RequestState = strawberry.field(description="The end reported: CLOSED, REJECTED or MERGED.")
    status: CallbackStatus
    attempts: int = strawberry.field(description="Attempts in the current series (a retry from the console starts a new one).")
    next_attempt_at: datetime | None = strawberry.field(description="When the next attempt is due, while PENDING.")
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None = strawberry.field(description="HTTP status of the last answer; null when none came.")
    last_error: str = strawberry.field(description="Why the last attempt failed, empty when it did not.")
    created_at: datetime
    payload: str = strawberry.field(description="The JSON body sent (no personal data beyond the order number).")

    @classmethod
    def from_row(cls, row: Any) -> OrderCallback:
        return cls(state=vocab.State(row.state), status=CallbackStatus(row.status), attempts=row.attempts,
                   next_attempt_at=row.next_attempt_at if row.status == "PENDING" else None,
                   last_attempt_at=row.last_attempt_at, delivered_at=row.delivered_at, last_status_code=row.last_status_code,
                   last_error=row.last_error, created_at=row.created_at, payload=row.payload)


def order_select() -> Select[Any]:
    """Orders with what every list row shows of their request."""
    return select(O, R.c.state.label("request_state"), R.c.tracking_code.label("tracking_code"),
                  R.c.building_id.label("building_id")).join(R, R.c.id == O.c.request_id)


def _callbacks_loader(db: Database) -> DataLoader[int, list[Any]]:
    async def load(keys: Sequence[int]) -> list[list[Any]]:
        async with db.read() as conn:
            rows = (await conn.execute(select(CB).where(CB.c.order_id.in_(keys)).order_by(CB.c.id))).all()
        grouped: dict[int, list[Any]] = {}
        for r in rows:
            grouped.setdefault(r.order_id, []).append(r)
        return [grouped.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


@strawberry.type(description="An order from the city's 12345 platform or an Open311 client, and the request it created.")
class CityOrder:
    id: strawberry.ID = strawberry.field(description="Opaque global ID.")
    source: OrderSource
    order_no: str = strawberry.field(description="The platform's order number (Open311: the tracking code).")
    received_at: datetime = strawberry.field(description="When the platform took the call.")
    created_at: datetime = strawberry.field(description="When it reached us.")
    caller_name: str | None = strawberry.field(description="Masked (张*); the request's reporter shows it whole to the center, audited.")
    caller_phone: str | None = strawberry.field(description="Masked (138****1234).")
    address: str = strawberry.field(description="The address given, without unit and room.")
    category: str | None = strawberry.field(description="The platform's category, as sent.")
    attachments: list[str] = strawberry.field(description="Attachment links as sent (not fetched by us).")
    lat: float | None = strawberry.field(description="Open311: the position given.")
    long: float | None = strawberry.field(description="Open311: the position given.")
    match: AddressMatch = strawberry.field(description="How the address found its building, or why it did not; CENTER once placed by hand.")
    match_note: str = strawberry.field(description="Why no building was chosen (e.g. 3 栋楼符合该地址).")
    placed_at: datetime | None = strawberry.field(description="When the center placed it by hand.")
    tracking_code: str = strawberry.field(description="The request's tracking code.")
    request_state: RequestState = strawberry.field(description="The request's current state.")
    request_state_label: str = strawberry.field(description="Chinese label of the request's state.")
    placed: bool = strawberry.field(description="The request has a building (matched, or placed by the center).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> CityOrder:
        return cls(
            id=strawberry.ID(to_global_id("CityOrder", row.id)), row=row, source=OrderSource(row.source), order_no=row.order_no,
            received_at=row.received_at, created_at=row.created_at, caller_name=mask_name(row.caller_name),
            caller_phone=mask_phone(row.caller_phone), address=public_part(row.address), category=row.category,
            attachments=list(json.loads(row.attachments or "[]")), lat=row.lat, long=row.long, match=AddressMatch(row.match),
            match_note=row.match_note, placed_at=row.placed_at, tracking_code=row.tracking_code,
            request_state=vocab.State(row.request_state), request_state_label=STATE_ZH[row.request_state],
            placed=row.building_id is not None,
        )

    @strawberry.field(description="The request the order created.")
    async def request(self, info: Info) -> Request:
        return Request.from_row(await info.context.loaders.request.load(self.row.request_id))

    @strawberry.field(description="The request's building: matched from the address or placed by the center; null while 待定位.")
    async def building(self, info: Info) -> Building | None:
        if self.row.building_id is None:
            return None
        return Building.from_row(await info.context.loaders.building.load(self.row.building_id))

    @strawberry.field(description="Outcome reports to the 12345 platform, oldest first (none for Open311 orders).")
    async def callbacks(self, info: Info) -> list[OrderCallback]:
        loader = info.context.extra.setdefault("order_callbacks", _callbacks_loader(info.context.db))
        return [OrderCallback.from_row(r) for r in await loader.load(self.row.id)]

    @strawberry.field(description="The status of the latest outcome report; null when none is owed yet.")
    async def callback_status(self, info: Info) -> CallbackStatus | None:
        loader = info.context.extra.setdefault("order_callbacks", _callbacks_loader(info.context.db))
        rows = await loader.load(self.row.id)
        return CallbackStatus(rows[-1].status) if rows else None
