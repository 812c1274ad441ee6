"""Shared steps of every transition: load with a version check, move state, stage the event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Assignment, Request, StreetSection
from resolvers import events
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, Forbidden, InvalidTransition, NotFound
from resolvers.requests.vocab import State, UnitKind
from resolvers.roles import Role, ScopeKind

STATE_ZH = {
    "SUBMITTED": "已提交", "TRIAGED": "已分类", "DISPATCHED": "已派单", "ACCEPTED": "已受理",
    "IN_PROGRESS": "办理中", "RESOLVED": "已办结", "CLOSED": "已关闭", "DISPUTED": "有异议",
    "REDISPATCHED": "二次分流", "ESCALATED": "已提级", "DECIDED": "已裁定", "MERGED": "已合并",
    "REJECTED": "已驳回", "REOPENED": "已重办",
}


async def load(session: AsyncSession, request_id: int, expected_version: int | None = None) -> Request:
    request = await session.get(Request, request_id)
    if request is None:
        raise NotFound("诉求不存在", "No such request")
    if expected_version is not None and request.version != expected_version:
        raise Conflict(
            f"该诉求已被他人更新(当前版本 {request.version}),请刷新后重试",
            f"The request changed (now version {request.version}); reload and retry",
            currentVersion=request.version,
        )
    return request


def require_state(request: Request, action_zh: str, action_en: str, *allowed: State) -> None:
    if State(request.state) not in allowed:
        raise InvalidTransition(
            f"诉求处于“{STATE_ZH[request.state]}”状态,不能{action_zh}",
            f"Cannot {action_en} a request in state {request.state}",
            state=request.state,
        )


async def move(
    session: AsyncSession,
    request: Request,
    to: State | None,
    kind: str,
    actor: Actor | None,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> None:
    """Bump the version with a compare-and-set, so of two concurrent writers exactly one wins."""
    before_state, before_version = request.state, request.version
    now = utcnow()
    values: dict[str, Any] = {"version": before_version + 1, "updated_at": now}
    if to is not None:
        values["state"] = to.value
    # Flush the other attribute changes first; then the guarded version bump decides the race.
    await session.flush()
    result = await session.execute(
        update(Request.__table__)
        .where(Request.__table__.c.id == request.id, Request.__table__.c.version == before_version)
        .values(**values)
    )
    if result.rowcount != 1:
        raise Conflict()
    request.version = before_version + 1
    request.updated_at = now
    if to is not None:
        request.state = to.value
    events.stage(session, request, kind, actor, from_state=before_state, note=note, data=data, actor_label=actor_label)


async def active_assignments(session: AsyncSession, request_id: int) -> list[Assignment]:
    return list(
        (await session.execute(select(Assignment).where(Assignment.request_id == request_id, Assignment.active.is_(True)).order_by(Assignment.id))).scalars()
    )


async def section_street(session: AsyncSession, section_id: int) -> int | None:
    return (await session.execute(select(StreetSection.street_id).where(StreetSection.id == section_id))).scalar()


async def actor_holds_unit(session: AsyncSession, actor: Actor, kind: str, unit_id: int) -> bool:
    """Does the actor act for this unit? (A street officer also acts for its street's sections.)"""
    k = UnitKind(kind)
    if k is UnitKind.DEPARTMENT:
        return actor.role is Role.DEPARTMENT_HANDLER and unit_id in actor.ids(ScopeKind.DEPARTMENT)
    if k is UnitKind.STREET:
        return actor.role is Role.STREET_OFFICER and unit_id in actor.ids(ScopeKind.STREET)
    if k is UnitKind.SECTION:
        if actor.role is not Role.STREET_OFFICER:
            return False
        return unit_id in actor.ids(ScopeKind.SECTION) or (await section_street(session, unit_id)) in actor.ids(ScopeKind.STREET)
    if k is UnitKind.COMMUNITY:
        return actor.role is Role.COMMUNITY_WORKER and unit_id in actor.ids(ScopeKind.COMMUNITY)
    if k is UnitKind.GRID:
        return actor.role is Role.GRID_WORKER and unit_id in actor.ids(ScopeKind.GRID)
    return False


def require_actor_role(actor: Actor | None, *roles: Role) -> Actor:
    from resolvers.access import require_actor

    actor = require_actor(actor)
    if actor.role not in roles:
        raise Forbidden()
    return actor


def require_text(value: str | None, zh: str, en: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise BadUserInput(f"{zh}不能为空", f"{en} is required")
    if len(value) > limit:
        raise BadUserInput(f"{zh}过长(最多 {limit} 字)", f"{en} is too long (at most {limit} characters)")
    return value


def in_community_scope(actor: Actor, request: Request) -> bool:
    if actor.role is Role.COMMUNITY_WORKER:
        return request.community_id in actor.ids(ScopeKind.COMMUNITY)
    if actor.role is Role.GRID_WORKER:
        return request.grid_id in actor.ids(ScopeKind.GRID)
    return False
