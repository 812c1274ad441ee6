"""Subscription fields. Each resolver checks its arguments and the caller's rights, and turns them
into an `Interest` (schema/fanout.py): what the subscription wants, judged in memory on the events
the process's hub reads from the log once for everybody.

Over WebSocket the transport (schema/ws.py) runs the resolver with a `capture` hook in the context:
the resolver hands its Interest over instead of streaming, and the transport renders the client's
selection once per event for all identical subscriptions. Anywhere else (in-process callers of
`schema.subscribe`) the resolver streams itself, still fed by the hub.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from resolvers.access import require_actor
from resolvers.errors import BadUserInput, Forbidden
from resolvers.roles import Role, ScopeKind
from schema.api.requests_query import RequestFilter, filter_predicate
from schema.context import Info
from schema.fanout import Interest
from schema.ids import from_global_id
from schema.live_log import LogItem, primed_loaders
from schema.types.partners import CoTaskEvent
from schema.types.requests import RequestEvent


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


def _interest(info: Info, *, kinds: set[str] | None, filter: RequestFilter | None, request_id: int | None,
              after: str | None, keep: Any = None) -> Interest:
    actor = require_actor(info.context.actor)
    return Interest(
        actor=actor, kinds=frozenset(kinds) if kinds else None, request_id=request_id,
        filter=filter_predicate(filter, sqlite=info.context.db.dialect == "sqlite"), keep=keep, after=_cursor(after),
    )


async def _stream(info: Info, interest: Interest) -> AsyncGenerator[RequestEvent, None]:
    ctx = info.context
    capture = ctx.extra.get("capture")
    if capture is not None:
        capture(interest)  # the WebSocket transport takes it from here (schema/ws.py)
        return
    hub = ctx.extra["bus"].hub(ctx.db)
    async for item in hub.follow(interest):
        # Fresh loaders per event: a long-lived context must not serve stale rows (KNOWN-DEFECTS §5).
        ctx.loaders = primed_loaders(ctx.db, [item])
        yield RequestEvent.from_row(item.event)


@strawberry.type(description="Live requests.")
class RequestSubscription:
    @strawberry.subscription(description="Each new request you may see (the center's wall), filterable by street, community, category, scope.")
    async def request_created(self, info: Info, filter: RequestFilter | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        interest = _interest(info, kinds={"SUBMITTED"}, filter=filter, request_id=None, after=after)
        async for event in _stream(info, interest):
            yield event

    @strawberry.subscription(description="Every change of the requests you may see (filterable), or of one request (`id`).")
    async def request_updated(self, info: Info, filter: RequestFilter | None = None, id: strawberry.ID | None = None,
                              after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        rid = from_global_id(id, "Request")[1] if id else None
        async for event in _stream(info, _interest(info, kinds=None, filter=filter, request_id=rid, after=after)):
            yield event

    @strawberry.subscription(description=(
        "New assignments for a unit — a department's (street's, section's, community's, grid's) queue: dispatch, second "
        "dispatch, decision and private assignment events naming the unit. Without `unitId`, your own unit(s). You may "
        "subscribe only to units you act for (the center: any). The event's `data` lists the units."))
    async def unit_assignments(self, info: Info, unit_id: strawberry.ID | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        wanted = _units_for(info, unit_id)

        def names_unit(item: LogItem) -> bool:
            return any((u.get("kind"), u.get("id")) in wanted for u in item.data.get("units", []))

        interest = _interest(info, kinds=ASSIGNING, filter=None, request_id=None, after=after, keep=names_unit)
        async for event in _stream(info, interest):
            yield event

    @strawberry.subscription(description="Overdue alerts (挂牌督办): an OVERDUE event for each request you may see that passes its deadline.")
    async def overdue_alerts(self, info: Info, filter: RequestFilter | None = None, after: str | None = None) -> AsyncGenerator[RequestEvent, None]:
        async for event in _stream(info, _interest(info, kinds={"OVERDUE"}, filter=filter, request_id=None, after=after)):
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


@strawberry.type(description="Live co-building tasks.")
class PartnerSubscription:
    @strawberry.subscription(description=(
        "Every change of the co-building tasks you may see — for a partner, its own units' tasks only. Pass the last "
        "`cursor` as `after` to resume with no gap and no duplicate (the tasks' log has cursors of its own)."))
    async def co_task_updated(self, info: Info, after: str | None = None) -> AsyncGenerator[CoTaskEvent, None]:
        from schema.api.partners import co_task_stream

        async for event in co_task_stream(info, after):
            yield event


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws). Each yields an event envelope with its log `cursor`; pass the last cursor you saw as `after` to resume with no gap and no duplicate.")
class Subscription(RequestSubscription, PartnerSubscription):
    pass
