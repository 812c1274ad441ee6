"""Fine triage (精细分流, SPEC §5.3): the center sets scope and subcategory; the community or
grid worker sets a MINOR tier or a PRIVATE kind; duplicates are merged; non-requests rejected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Assignment, Request, RequestReporter, Subcategory
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden, InvalidTransition, NotFound
from resolvers.requests import deadlines
from resolvers.requests.common import in_community_scope, load, move, require_actor_role, require_state, require_text
from resolvers.requests.intake import PHONE
from resolvers.requests.vocab import (
    MEDIATION_KINDS,
    RESOURCE_KINDS,
    EventKind,
    PrivateKind,
    Scope,
    State,
    Tier,
    UnitKind,
)
from resolvers.roles import Role


async def triage(
    session: AsyncSession, actor: Actor | None, request_id: int, *, scope: Scope, subcategory_id: int, version: int | None = None, note: str = ""
) -> Request:
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER)
    request = await load(session, request_id, version)
    require_state(request, "分类", "triage", State.SUBMITTED, State.TRIAGED)
    sub = await session.get(Subcategory, subcategory_id)
    if sub is None:
        raise NotFound("小类不存在", "No such subcategory", field="subcategoryId")
    request.scope = scope.value
    request.subcategory_id = sub.id
    request.category_id = sub.category_id
    # A MAJOR request still waits on the center (dispatch) under the triage deadline; a MINOR
    # or PRIVATE one is now the community's, which must take it up within its response time.
    policy = await deadlines.policy_for(session, sub.id)
    if scope is Scope.MAJOR:
        if request.due_kind != "TRIAGE":  # re-triaged from MINOR/PRIVATE: back on the center's clock
            deadlines.set_due(request, "TRIAGE", deadlines.triage_due(request.created_at, policy))
    else:
        hours = policy.minor_a_hours if scope is Scope.MINOR else policy.private_response_hours
        deadlines.set_due(request, "RESPONSE", deadlines.hours(utcnow(), hours))
    await move(session, request, State.TRIAGED, EventKind.TRIAGED.value, actor, note=note,
               data={"scope": scope.value, "subcategory": sub.code})
    return request


@dataclass
class MinorPlan:
    tier: Tier
    assignee_name: str | None = None
    assignee_title: str | None = None
    assignee_phone: str | None = None
    deadline: datetime | None = None
    work_plan: str | None = None
    progress_interval_days: int | None = None
    note: str = ""


async def classify_minor(session: AsyncSession, actor: Actor | None, request_id: int, plan: MinorPlan, version: int | None = None) -> Request:
    """Tier A: staff on site now. B: a named assignee and a deadline, shown to the resident.
    C: a work plan with progress reports at a fixed interval."""
    actor = require_actor_role(actor, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
    request = await load(session, request_id, version)
    if not in_community_scope(actor, request):
        raise Forbidden("该诉求不在您的社区或网格", "This request is outside your community or grid")
    if request.scope != Scope.MINOR.value:
        raise InvalidTransition("只有“小事”可以分档", "Only MINOR requests take a tier")
    require_state(request, "分档", "classify", State.TRIAGED, State.REOPENED)
    now = utcnow()
    policy = await deadlines.policy_for(session, request.subcategory_id)
    request.tier = plan.tier.value
    if plan.tier is Tier.A:
        deadline = deadlines.hours(now, policy.minor_a_hours)
        kind = "RESOLVE"
    elif plan.tier is Tier.B:
        name = require_text(plan.assignee_name, "承办人姓名", "assigneeName", 32)
        title = require_text(plan.assignee_title, "承办人职务", "assigneeTitle", 32)
        phone = require_text(plan.assignee_phone, "承办人电话", "assigneePhone", 20)
        if not PHONE.match(phone):
            raise BadUserInput("承办人电话格式不正确", "Malformed assigneePhone", field="assigneePhone")
        if plan.deadline is None or plan.deadline.tzinfo is None or plan.deadline <= now:
            raise BadUserInput("B档须设定一个将来的解决时限", "Tier B needs a future deadline", field="deadline")
        request.assignee_name, request.assignee_title, request.assignee_phone = name, title, phone
        from resolvers.calendar import Deadline

        deadline = Deadline(at=plan.deadline, estimated=False)
        kind = "RESOLVE"
    else:
        request.work_plan = require_text(plan.work_plan, "工作方案", "workPlan", 4000)
        interval = plan.progress_interval_days or policy.minor_c_progress_days
        if not 1 <= interval <= 31:
            raise BadUserInput("进展反馈周期须为 1–31 天", "progressIntervalDays must be 1–31", field="progressIntervalDays")
        request.progress_interval_days = interval
        deadline = deadlines.days(now, interval)
        kind = "PROGRESS"
    await _replace_assignment(session, request, UnitKind.COMMUNITY if actor.role is Role.COMMUNITY_WORKER else UnitKind.GRID,
                              request.community_id if actor.role is Role.COMMUNITY_WORKER else request.grid_id,
                              actor, label=request.assignee_name or "", accepted=True,
                              resolve_due_at=deadline.at if kind == "RESOLVE" else None)
    deadlines.set_due(request, kind, deadline)
    request.resolve_due_at = deadline.at if kind == "RESOLVE" else None
    if request.first_response_at is None:
        request.first_response_at = now
    await move(session, request, State.ACCEPTED, EventKind.CLASSIFIED.value, actor, note=plan.note,
               data={"tier": plan.tier.value, "assigneeName": request.assignee_name, "deadline": deadline.at.isoformat()})
    return request


async def assign_private(
    session: AsyncSession, actor: Actor | None, request_id: int, *, kind: PrivateKind, unit_kind: UnitKind,
    unit_id: int | None = None, assignee_label: str = "", version: int | None = None, note: str = "",
) -> Request:
    """MEDIATION goes to grid workers, building leaders or peacemakers; RESOURCE to a volunteer
    team or a social organisation (SPEC §5.3)."""
    actor = require_actor_role(actor, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
    request = await load(session, request_id, version)
    if not in_community_scope(actor, request):
        raise Forbidden("该诉求不在您的社区或网格", "This request is outside your community or grid")
    if request.scope != Scope.PRIVATE.value:
        raise InvalidTransition("只有“私事”可以指派调解或资源", "Only PRIVATE requests are assigned this way")
    require_state(request, "指派", "assign", State.TRIAGED, State.REOPENED)
    allowed = MEDIATION_KINDS if kind is PrivateKind.MEDIATION else RESOURCE_KINDS
    if unit_kind not in allowed:
        raise BadUserInput(
            f"{kind.value} 不能交给 {unit_kind.value}", f"{kind.value} cannot go to {unit_kind.value}", field="unitKind"
        )
    if unit_kind is UnitKind.GRID:
        if request.grid_id is None:
            raise BadUserInput("该诉求没有网格", "The request has no grid")
        unit_id = request.grid_id
    if unit_kind in (UnitKind.VOLUNTEER_TEAM, UnitKind.SOCIAL_ORG) and unit_id is not None:
        # A registered team of this community, or an active social organisation: linked by id,
        # named as registered unless the caller names the people going.
        registered = await _registered_name(session, request, unit_kind, unit_id)
        assignee_label = assignee_label or registered
    label = require_text(assignee_label, "承办人", "assigneeLabel", 64) if unit_kind is not UnitKind.GRID else (assignee_label or "网格员")
    now = utcnow()
    policy = await deadlines.policy_for(session, request.subcategory_id)
    request.private_kind = kind.value
    response = deadlines.hours(now, policy.private_response_hours)
    await _replace_assignment(session, request, unit_kind, unit_id or 0, actor, label=label, accepted=False, response_due_at=response.at)
    deadlines.set_due(request, "RESPONSE", response)
    await move(session, request, State.DISPATCHED, EventKind.DISPATCHED.value, actor, note=note,
               data={"kind": kind.value, "unitKind": unit_kind.value, "assignee": label,
                     "units": [{"kind": unit_kind.value, "id": unit_id or 0, "name": label, "role": "LEAD"}]})
    return request


async def _registered_name(session: AsyncSession, request: Request, unit_kind: UnitKind, unit_id: int) -> str:
    from db.models import SocialOrganisation, VolunteerTeam

    if unit_kind is UnitKind.VOLUNTEER_TEAM:
        team = await session.get(VolunteerTeam, unit_id)
        if team is None or team.community_id != request.community_id:
            raise BadUserInput("须为本社区的志愿服务队", "Give a volunteer team of the request's community", field="unitId")
        return team.name
    org = await session.get(SocialOrganisation, unit_id)
    if org is None or not org.active:
        raise BadUserInput("须为在册且有效的社会组织", "Give a registered, active social organisation", field="unitId")
    return org.name


async def _replace_assignment(session: AsyncSession, request: Request, unit_kind: UnitKind, unit_id: int | None,
                              actor: Actor, *, label: str, accepted: bool, response_due_at: datetime | None = None,
                              resolve_due_at: datetime | None = None) -> Assignment:
    now = utcnow()
    await session.execute(update(Assignment).where(Assignment.request_id == request.id, Assignment.active.is_(True)).values(active=False))
    assignment = Assignment(
        request_id=request.id, unit_kind=unit_kind.value, unit_id=unit_id or 0, assignee_label=label, role="LEAD",
        round=1, status="ACCEPTED" if accepted else "PENDING", active=True, assigned_at=now,
        responded_at=now if accepted else None, assigned_by_user_id=actor.user_id,
        response_due_at=response_due_at, resolve_due_at=resolve_due_at,
    )
    session.add(assignment)
    return assignment


async def merge(session: AsyncSession, actor: Actor | None, request_id: int, into_id: int, *, version: int | None = None, note: str = "") -> Request:
    """Merge a duplicate into a surviving request; its reporters follow the survivor."""
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
    if request_id == into_id:
        raise BadUserInput("不能与自身合并", "A request cannot be merged into itself")
    request = await load(session, request_id, version)
    target = await load(session, into_id)
    if actor.role is not Role.CENTER_DISPATCHER and not (in_community_scope(actor, request) and in_community_scope(actor, target)):
        raise Forbidden("只能合并本社区/网格内的诉求", "You can merge only requests within your community or grid")
    require_state(request, "合并", "merge", State.SUBMITTED, State.TRIAGED)
    if State(target.state) in (State.MERGED, State.REJECTED, State.CLOSED):
        raise InvalidTransition("目标诉求已结束,不能并入", "The surviving request has ended", state=target.state)
    request.merged_into_id = target.id
    reporters = (await session.execute(select(RequestReporter).where(RequestReporter.request_id == request.id))).scalars().all()
    existing = set((await session.execute(select(RequestReporter.source_request_id).where(RequestReporter.request_id == target.id))).scalars())
    for r in reporters:
        if r.source_request_id not in existing:
            session.add(RequestReporter(
                request_id=target.id, source_request_id=r.source_request_id, reporter_user_id=r.reporter_user_id,
                reporter_resident_id=r.reporter_resident_id, contact_name=r.contact_name, contact_phone=r.contact_phone,
            ))
    deadlines.set_due(request, None, None)
    await move(session, request, State.MERGED, EventKind.MERGED.value, actor, note=note, data={"into": target.tracking_code})
    await move(session, target, None, EventKind.MERGED_IN.value, actor, note=note, data={"from": request.tracking_code})
    return request


async def reject(session: AsyncSession, actor: Actor | None, request_id: int, *, reason: str, version: int | None = None) -> Request:
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER)
    request = await load(session, request_id, version)
    require_state(request, "驳回", "reject", State.SUBMITTED, State.TRIAGED)
    request.reject_reason = require_text(reason, "驳回理由", "reason", 500)
    deadlines.set_due(request, None, None)
    await move(session, request, State.REJECTED, EventKind.REJECTED.value, actor, note=request.reject_reason)
    return request
