"""Inbound work orders for the center and platform operators: the list, placing a request that
came without a building, and sending an outcome report to the 12345 platform again."""

from __future__ import annotations

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.orders12345 import callbacks as _callbacks  # noqa: F401 — registers the outcome-report event hook
from resolvers.orders12345.callbacks import retry_callbacks
from resolvers.orders12345.placing import place_request
from resolvers.requests.common import require_actor_role
from resolvers.roles import Role
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.types.orders import CB, O, R, CallbackStatus, CityOrder, OrderSource, order_select
from schema.types.requests import Request

WHO = "CENTER_DISPATCHER and ADMIN only (FORBIDDEN for others)."


@strawberry.input(description="Filters of the inbound order list; all optional, combined with AND.")
class CityOrderFilter:
    source: OrderSource | None = None
    unplaced: bool | None = strawberry.field(default=None, description="true: only orders whose request has no building yet (待定位).")
    callback_status: CallbackStatus | None = strawberry.field(default=None, description="Only orders with an outcome report in this status.")
    order_no: str | None = strawberry.field(default=None, description="One order number exactly.")


@strawberry.type(description="Inbound work order queries.")
class OrdersQuery:
    @strawberry.field(description="Inbound orders (12345 and Open311), newest first, with their request's place and state and "
                                  "the delivery of their outcome reports. Keyset pagination, at most 100 a page. " + WHO)
    async def city_orders(self, info: Info, filter: CityOrderFilter | None = None, first: int | None = None, after: str | None = None,
                          last: int | None = None, before: str | None = None) -> Connection[CityOrder]:
        require_actor_role(info.context.actor, Role.CENTER_DISPATCHER, Role.ADMIN)
        stmt = order_select()
        if filter is not None:
            if filter.source is not None:
                stmt = stmt.where(O.c.source == filter.source.value)
            if filter.unplaced is not None:
                stmt = stmt.where(R.c.building_id.is_(None) if filter.unplaced else R.c.building_id.is_not(None))
            if filter.callback_status is not None:
                stmt = stmt.where(O.c.id.in_(select(CB.c.order_id).where(CB.c.status == filter.callback_status.value)))
            if filter.order_no:
                stmt = stmt.where(O.c.order_no == filter.order_no.strip())
        return await paginate(info.context.db, stmt, [O.c.created_at, O.c.id], CityOrder.from_row,
                              first=first, after=after, last=last, before=before, descending=True)


@strawberry.input(description="Place a request at a building.")
class PlaceRequestInput:
    id: strawberry.ID = strawberry.field(description="The request.")
    building_id: strawberry.ID = strawberry.field(description="The building it is about; grid, community and street follow from it.")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")
    note: str = strawberry.field(default="", description="Why this building (at most 500 characters); kept in the history.")


@strawberry.type(description="The request placed, and its inbound order if it came from one.")
class PlaceRequestPayload:
    request: Request
    order: CityOrder | None


@strawberry.input(description="Which order's outcome reports to send again.")
class RetryOrderCallbackInput:
    order_no: str = strawberry.field(description="The 12345 order number.")


@strawberry.type(description="The order, with its outcome reports due again now.")
class RetryOrderCallbackPayload:
    order: CityOrder


async def _order_of(session: AsyncSession, *, request_id: int | None = None, order_id: int | None = None) -> CityOrder | None:
    stmt = order_select().where(O.c.request_id == request_id if request_id is not None else O.c.id == order_id)
    row = (await session.execute(stmt)).first()
    return None if row is None else CityOrder.from_row(row)


@strawberry.type(description="Inbound work order mutations.")
class OrdersMutation:
    @strawberry.mutation(description="Place a request that has no building (an unmatched 12345 address, a hotline item) at a "
                                     "building: building, grid, community and street are set as intake sets them and a PLACED "
                                     "event is appended. Only while SUBMITTED or TRIAGED (INVALID_TRANSITION later). " + WHO)
    async def place_request(self, info: Info, input: PlaceRequestInput) -> PlaceRequestPayload:
        request_id = from_global_id(input.id, "Request")[1]
        building_id = from_global_id(input.building_id, "Building")[1]
        async with write_unit(info.context) as session:
            request = await place_request(session, info.context.actor, request_id, building_id, version=input.version, note=input.note)
            await session.flush()
            order = await _order_of(session, request_id=request.id)
        return PlaceRequestPayload(request=Request.from_row(request), order=order)

    @strawberry.mutation(description="Send an order's undelivered outcome reports (PENDING or FAILED) again now, with a fresh "
                                     "series of attempts; audited. A report already delivered is never sent again: with none "
                                     "left, INVALID_TRANSITION. " + WHO)
    async def retry_order_callback(self, info: Info, input: RetryOrderCallbackInput) -> RetryOrderCallbackPayload:
        async with write_unit(info.context) as session:
            order = await retry_callbacks(session, info.context.actor, input.order_no)
            await session.flush()
            result = await _order_of(session, order_id=order.id)
        return RetryOrderCallbackPayload(order=result)
