from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from sqlalchemy import select

from db.models import Request as RequestModel
from db.models import RequestEvent as EventModel
from resolvers.access import require_actor
from resolvers.errors import BadUserInput, Forbidden
from resolvers.roles import Role, ScopeKind
from resolvers.requests.visibility import visible
from schema.api.requests_query import RequestFilter, apply_filter
from schema.context import Info
from schema.ids import from_global_id
from schema.live import wait_for_bell
from schema.loaders import Loaders
from schema.types.requests import RequestEvent

E = EventModel.__table__
R = RequestModel.__table__
BATCH = 200


def _cursor(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        value = int(after)
    except ValueError:
        raise BadUserInput("无效的事件游标", "Malformed event cursor") from None
    if value < 0:
        raise BadUserInput("无效的事件游标", "Malformed event cursor")
    return value


async def _stream(info: Info, *, kinds: set[str] | None, filter: RequestFilter | None, request_id: int | None,
                  after: str | None, keep: Callable[[Any], bool] | None = None) -> AsyncGenerator[RequestEvent, None]:
    ctx = info.context
    actor = require_actor(ctx.actor)
    last = _cursor(after)
    bus = ctx.extra["bus"]
    async with bus.doorbell() as bell:
        if last is None:
            async with ctx.db.read() as conn:
                last = (await conn.execute(select(E.c.seq).order_by(E.c.seq.desc()).limit(1))).scalar() or 0
        while True:
            await wait_for_bell(bell)
            while True:
                async with ctx.db.read() as conn:
                    # Read the log's top first: every seq up to it is committed (seqs follow
                    # commit order), so after this page nothing at or below it can still appear.
                    top = (await conn.execute(select(E.c.seq).order_by(E.c.seq.desc()).limit(1))).scalar() or 0
                    stmt = select(E).join(R, R.c.id == E.c.request_id).where(E.c.seq > last, E.c.seq <= top, visible(actor))
                    if kinds:
                        stmt = stmt.where(E.c.kind.in_(kinds))
                    if request_id is not None:
                        stmt = stmt.where(E.c.request_id == request_id)
                    rows = (await conn.execute(apply_filter(stmt, filter).order_by(E.c.seq).limit(BATCH))).all()
                # Fresh loaders per batch: a WebSocket shares one context for hours (KNOWN-DEFECTS §5).
                ctx.loaders = Loaders(ctx.db)
                for row in rows:
                    last = row.seq
                    if keep is None or keep(row):
                        yield RequestEvent.from_row(row)
                if len(rows) < BATCH:
                    last = max(last, top)
                    break


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws). Each yields an event envelope with its log `cursor`; pass the last cursor you saw as `after` to resume with no gap and no duplicate.")
class Subscription:
    @strawberry.subscription(description="Each new request you may see (the center's wall), filterable by street, community, category, scope.")
    async def request_created(self, info: Info, filter: RequestFilter | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        async for event in _stream(info, kinds={"SUBMITTED"}, filter=filter, request_id=None, after=after):
            yield event

    @strawberry.subscription(description="Every change of the requests you may see (filterable), or of one request (`id`).")
    async def request_updated(self, info: Info, filter: RequestFilter | None = None, id: strawberry.ID | None = None,
                              after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        rid = from_global_id(id, "Request")[1] if id else None
        async for event in _stream(info, kinds=None, filter=filter, request_id=rid, after=after):
            yield event

    @strawberry.subscription(description=(
        "New assignments for a unit — a department's (street's, section's, community's, grid's) queue: dispatch, second "
        "dispatch, decision and private assignment events naming the unit. Without `unitId`, your own unit(s). You may "
        "subscribe only to units you act for (the center: any). The event's `data` lists the units."))
    async def unit_assignments(self, info: Info, unit_id: strawberry.ID | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        wanted = _units_for(info, unit_id)

        def names_unit(row: Any) -> bool:
            units = json.loads(row.data or "{}").get("units", [])
            return any((u.get("kind"), u.get("id")) in wanted for u in units)

        async for event in _stream(info, kinds=ASSIGNING, filter=None, request_id=None, after=after, keep=names_unit):
            yield event

    @strawberry.subscription(description="Overdue alerts (挂牌督办): an OVERDUE event for each request you may see that passes its deadline.")
    async def overdue_alerts(self, info: Info, filter: RequestFilter | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        async for event in _stream(info, kinds={"OVERDUE"}, filter=filter, request_id=None, after=after):
            yield event


ASSIGNING = {"DISPATCHED", "REDISPATCHED", "DECIDED"}
_UNIT_OF_TYPE = {"Department": "DEPARTMENT", "Street": "STREET", "StreetSection": "SECTION", "Community": "COMMUNITY", "Grid": "GRID"}
_SCOPE_UNIT = {ScopeKind.DEPARTMENT: "DEPARTMENT", ScopeKind.STREET: "STREET", ScopeKind.SECTION: "SECTION",
               ScopeKind.COMMUNITY: "COMMUNITY", ScopeKind.GRID: "GRID"}


def _units_for(info: Info, unit_id: strawberry.ID | None) -> set[tuple[str, int]]:
    """The (kind, id) pairs a unit subscription may follow; FORBIDDEN for someone else's unit."""
    actor = require_actor(info.context.actor)
    own = {(_SCOPE_UNIT[k], i) for k, ids in actor.scopes.items() if k in _SCOPE_UNIT for i in ids}
    if unit_id is None:
        if not own:
            raise BadUserInput("您没有所属单位,请指定 unitId", "You act for no unit; give unitId")
        return own
    type_name, pk = from_global_id(unit_id)
    if type_name not in _UNIT_OF_TYPE:
        raise BadUserInput("unitId 须为部门、街道、科室、社区或网格", "unitId must be a Department, Street, StreetSection, Community or Grid")
    pair = (_UNIT_OF_TYPE[type_name], pk)
    if pair not in own and actor.role not in (Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER):
        raise Forbidden("不能订阅其他单位的待办", "You may not follow another unit's queue")
    return {pair}
