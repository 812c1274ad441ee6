"""The center places a request that arrived without a building (an address nobody could match)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Building, CityOrder, Request
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, NotFound
from resolvers.orders12345.accept import place_of
from resolvers.requests.common import load, move, require_actor_role, require_state
from resolvers.requests.vocab import EventKind, State
from resolvers.roles import Role

# ADMIN too: the console's 12345 page lives in the admin shell, run by platform operators.
PLACERS = (Role.CENTER_DISPATCHER, Role.ADMIN)


async def place_request(session: AsyncSession, actor: Actor | None, request_id: int, building_id: int, *,
                        version: int | None = None, note: str = "") -> Request:
    """Set building, grid, community and street from the building, as intake would have. Only
    before anyone has taken the request up (SUBMITTED or TRIAGED): later, units and grid workers
    hold it by its place, and moving it would pull it from under them."""
    actor = require_actor_role(actor, *PLACERS)
    request = await load(session, request_id, version)
    require_state(request, "定位", "place", State.SUBMITTED, State.TRIAGED)
    building = await session.get(Building, building_id)
    if building is None:
        raise NotFound("楼栋不存在", "No such building", field="buildingId")
    if request.building_id == building.id:
        raise BadUserInput("诉求已在该楼栋", "The request is already at this building", field="buildingId")
    if len(note) > 500:
        raise BadUserInput("说明过长(最多 500 字)", "Note too long (at most 500 characters)", field="note")
    before = request.building_id
    for column, value in place_of(building).items():
        setattr(request, column, value)
    order = (await session.execute(select(CityOrder).where(CityOrder.request_id == request.id))).scalar_one_or_none()
    if order is not None:
        order.match, order.match_note = "CENTER", ""
        order.placed_by_user_id, order.placed_at = actor.user_id, utcnow()
    await move(session, request, None, EventKind.PLACED.value, actor, note=note.strip(),
               data={"building": building.code, "buildingName": building.name, "from": before})
    return request
