"""Handling to the end: progress reports, resolution, closing, reopening (SPEC §5.4)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Request
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.requests import deadlines
from resolvers.requests.common import load, move, require_actor_role, require_state, require_text
from resolvers.requests.dispatch import my_assignment
from resolvers.requests.vocab import EventKind, State, Tier
from resolvers.roles import Role

HANDLERS = (Role.DEPARTMENT_HANDLER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER)


async def report_progress(session: AsyncSession, actor: Actor | None, request_id: int, *, note: str, version: int | None = None) -> Request:
    actor = require_actor_role(actor, *HANDLERS)
    request = await load(session, request_id, version)
    require_state(request, "反馈进展", "report progress on", State.ACCEPTED, State.IN_PROGRESS, State.REOPENED)
    await my_assignment(session, actor, request, lead_only=True)
    text = require_text(note, "进展说明", "note", 2000)
    if request.tier == Tier.C.value and request.progress_interval_days:
        # Tier C: each report starts the next interval.
        deadlines.set_due(request, "PROGRESS", deadlines.days(utcnow(), request.progress_interval_days))
    await move(session, request, State.IN_PROGRESS, EventKind.PROGRESS.value, actor, note=text)
    return request


async def resolve(session: AsyncSession, actor: Actor | None, request_id: int, *, resolution: str, version: int | None = None) -> Request:
    actor = require_actor_role(actor, *HANDLERS)
    request = await load(session, request_id, version)
    require_state(request, "办结", "resolve", State.ACCEPTED, State.IN_PROGRESS, State.REOPENED)
    mine = await my_assignment(session, actor, request, lead_only=True)
    request.resolution = require_text(resolution, "办理结果", "resolution", 4000)
    now = utcnow()
    request.resolved_at = now
    mine.status = "DONE"
    # The resident has 7 calendar days to rate; the clock no longer runs against the handler.
    deadlines.set_due(request, None, None)
    elapsed = (now - request.created_at).total_seconds()
    await move(session, request, State.RESOLVED, EventKind.RESOLVED.value, actor, note=request.resolution,
               data={"elapsedSeconds": int(elapsed)})
    return request


async def why_not_resolvable(session: AsyncSession, actor: Actor, request: Request) -> tuple[str, str] | None:
    """Why `actor` cannot resolve `request` now, as (Chinese, English), or None when it can.
    Asked before resolving as a consequence of something else (a co-building task completed, a
    deliberation agreed), so that nothing is written for a request the caller does not handle."""
    from resolvers.requests.common import STATE_ZH

    if State(request.state) not in (State.ACCEPTED, State.IN_PROGRESS, State.REOPENED):
        return (f"诉求处于“{STATE_ZH[request.state]}”状态,不能由此办结", f"The request is {request.state}; it cannot be resolved from here")
    if actor.role not in HANDLERS:
        return ("只有承办该诉求的工作人员才能办结", "Only those handling the request may resolve it")
    try:
        await my_assignment(session, actor, request, lead_only=True)
    except Forbidden:
        return ("该诉求不由您的单位承办", "The request is not handled by your unit")
    return None


async def close(session: AsyncSession, actor: Actor | None, request_id: int, *, note: str = "", version: int | None = None) -> Request:
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER)
    request = await load(session, request_id, version)
    require_state(request, "关闭", "close", State.RESOLVED)
    request.closed_at = utcnow()
    await move(session, request, State.CLOSED, EventKind.CLOSED.value, actor, note=note)
    return request


async def reopen(session: AsyncSession, actor: Actor | None, request_id: int, *, reason: str, version: int | None = None) -> Request:
    """The center refuses a resolution as unreasonable: the same handlers go on."""
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER)
    request = await load(session, request_id, version)
    require_state(request, "重办", "reopen", State.RESOLVED)
    await reopen_request(session, request, actor, require_text(reason, "重办理由", "reason", 1000), by="CENTER")
    return request


async def reopen_request(session: AsyncSession, request: Request, actor: Actor | None, reason: str, *, by: str) -> None:
    from sqlalchemy import update

    from db.models import Assignment

    now = utcnow()
    policy = await deadlines.policy_for(session, request.subcategory_id)
    table = await deadlines.holiday_table(session)
    due = deadlines.working_days(now, policy.major_resolve_working_days, table)
    await session.execute(
        update(Assignment).where(Assignment.request_id == request.id, Assignment.active.is_(True), Assignment.role == "LEAD")
        .values(status="ACCEPTED", resolve_due_at=due.at)
    )
    request.resolved_at = None
    request.resolve_due_at = due.at
    deadlines.set_due(request, "RESOLVE", due)
    await move(session, request, State.REOPENED, EventKind.REOPENED.value, actor, note=reason, data={"by": by})


def forbid(zh: str, en: str) -> None:
    raise Forbidden(zh, en)
