"""Loading requests through the visibility rules (resolvers/requests/visibility.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Request as RequestModel
from resolvers.requests.dispatch import _NAMED
from resolvers.requests.visibility import SEES_ALL, visible
from resolvers.roles import Role, ScopeKind
from schema.context import Info


async def load_visible(info: Info, request_id: int) -> Any:
    from schema.types.requests import Request

    row = await visible_row(info, request_id)
    return None if row is None else Request.from_row(row)


async def visible_row(info: Info, request_id: int) -> Any:
    actor = info.context.actor
    if actor is None:
        return None
    row = await info.context.loaders.request.load(request_id)
    if row is None:
        return None
    # The live fan-out has already judged the event's own request visible to this view, in memory
    # on the same rows (schema/fanout.py): no second, per-render SQL check.
    if actor.role in SEES_ALL or request_id in info.context.extra.get("visible_requests", ()):
        return row
    t = RequestModel.__table__
    async with info.context.db.read() as conn:
        # One row: probed, not a hash of the unit's whole history.
        ok = (await conn.execute(select(t.c.id).where(t.c.id == request_id, visible(actor, bounded=True)))).first()
    return row if ok else None


async def is_current_handler(info: Info, row: Any) -> bool:
    actor = info.context.actor
    if actor is None:
        return False
    for a in await info.context.loaders.assignments_of_request.load(row.id):
        if not a.active:
            continue
        kind, uid = a.unit_kind, a.unit_id
        if kind == "DEPARTMENT" and actor.role is Role.DEPARTMENT_HANDLER and uid in actor.ids(ScopeKind.DEPARTMENT):
            return True
        if kind == "STREET" and actor.role is Role.STREET_OFFICER and uid in actor.ids(ScopeKind.STREET):
            return True
        if kind == "SECTION" and actor.role is Role.STREET_OFFICER:
            section = await info.context.loaders.street_section.load(uid)
            if uid in actor.ids(ScopeKind.SECTION) or (section and section.street_id in actor.ids(ScopeKind.STREET)):
                return True
        if kind == "COMMUNITY" and actor.role is Role.COMMUNITY_WORKER and uid in actor.ids(ScopeKind.COMMUNITY):
            return True
        if kind == "GRID" and actor.role is Role.GRID_WORKER and uid in actor.ids(ScopeKind.GRID):
            return True
        if kind in _NAMED and (
            (actor.role is Role.COMMUNITY_WORKER and row.community_id in actor.ids(ScopeKind.COMMUNITY))
            or (actor.role is Role.GRID_WORKER and row.grid_id in actor.ids(ScopeKind.GRID))
        ):
            return True
    return False
