"""The MAJOR path (大事, SPEC §5.3): dispatch to a lead unit with co-handlers; accept or dispute;
the street's second dispatch; escalation with a joint explanation; the district's final decision."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Assignment, Department, Request, Street, StreetSection
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden, InvalidTransition, NotFound
from resolvers.requests import deadlines
from resolvers.requests.common import (
    active_assignments,
    actor_holds_unit,
    in_community_scope,
    load,
    move,
    require_actor_role,
    require_state,
    require_text,
)
from resolvers.requests.vocab import MAJOR_LEAD_KINDS, EventKind, Scope, State, UnitKind
from resolvers.roles import Role, ScopeKind

_UNIT_MODELS = {UnitKind.DEPARTMENT: Department, UnitKind.STREET: Street, UnitKind.SECTION: StreetSection}


@dataclass(frozen=True)
class UnitRef:
    kind: UnitKind
    id: int


async def _check_units(session: AsyncSession, lead: UnitRef, co: list[UnitRef]) -> list[tuple[UnitRef, str]]:
    units = [lead, *co]
    if len(set(units)) != len(units):
        raise BadUserInput("牵头单位与协办单位不能重复", "Lead and co-handlers must be different units", field="coHandlers")
    if len(co) > 10:
        raise BadUserInput("协办单位最多 10 个", "At most 10 co-handlers", field="coHandlers")
    named = []
    for u in units:
        if u.kind not in MAJOR_LEAD_KINDS:
            raise BadUserInput("大事只能派给区直部门、街道或街道科室", "MAJOR requests go to departments, streets or street sections")
        # FOR SHARE (PostgreSQL): a unit being retired at this moment (resolvers/admin/units.py) waits for us, or we for it.
        row = await session.get(_UNIT_MODELS[u.kind], u.id, with_for_update={"read": True})
        if row is None:
            raise NotFound("承办单位不存在", f"No such {u.kind.value.lower()}")
        if getattr(row, "active", True) is False:
            raise BadUserInput(f"“{row.name}”已停用,不能派单", f"{row.name} is retired and takes no new requests",
                               field="lead" if u == lead else "coHandlers")
        named.append((u, row.name))
    return named


async def _assign_round(session: AsyncSession, request: Request, actor: Actor, lead: UnitRef, co: list[UnitRef], round_: int, *, accepted: bool = False) -> list[dict]:
    named = await _check_units(session, lead, co)
    now = utcnow()
    policy = await deadlines.policy_for(session, request.subcategory_id)
    table = await deadlines.holiday_table(session)
    response = deadlines.hours(now, policy.major_response_hours)
    resolve = deadlines.working_days(now, policy.major_resolve_working_days, table)
    await session.execute(update(Assignment).where(Assignment.request_id == request.id, Assignment.active.is_(True)).values(active=False))
    for i, (u, name) in enumerate(named):
        session.add(Assignment(
            request_id=request.id, unit_kind=u.kind.value, unit_id=u.id, assignee_label=name, role="LEAD" if i == 0 else "CO",
            round=round_, status="ACCEPTED" if accepted and i == 0 else "PENDING", active=True, assigned_at=now,
            response_due_at=None if accepted and i == 0 else response.at, responded_at=now if accepted and i == 0 else None,
            resolve_due_at=resolve.at, assigned_by_user_id=actor.user_id,
        ))
    request.resolve_due_at = resolve.at
    if accepted:
        deadlines.set_due(request, "RESOLVE", resolve)
    else:
        deadlines.set_due(request, "RESPONSE", response)
    return [{"kind": u.kind.value, "id": u.id, "name": n, "role": "LEAD" if i == 0 else "CO"} for i, (u, n) in enumerate(named)]


async def dispatch(session: AsyncSession, actor: Actor | None, request_id: int, *, lead: UnitRef, co: list[UnitRef] | None = None,
                   version: int | None = None, note: str = "") -> Request:
    actor = require_actor_role(actor, Role.CENTER_DISPATCHER)
    request = await load(session, request_id, version)
    if request.scope != Scope.MAJOR.value:
        raise InvalidTransition("只有“大事”由中心派单", "Only MAJOR requests are dispatched by the center", state=request.state)
    require_state(request, "派单", "dispatch", State.TRIAGED, State.REOPENED)
    units = await _assign_round(session, request, actor, lead, co or [], 1)
    await move(session, request, State.DISPATCHED, EventKind.DISPATCHED.value, actor, note=note, data={"units": units, "round": 1})
    return request


# Assignees that are people or teams, not units with logins: the community or grid worker
# in whose place the request lies acts (accepts, reports) for them.
_NAMED = {UnitKind.BUILDING_LEADER.value, UnitKind.PEACEMAKER.value, UnitKind.VOLUNTEER_TEAM.value, UnitKind.SOCIAL_ORG.value}


async def my_assignment(session: AsyncSession, actor: Actor, request: Request, *, lead_only: bool = False) -> Assignment:
    for a in await active_assignments(session, request.id):
        if lead_only and a.role != "LEAD":
            continue
        if await actor_holds_unit(session, actor, a.unit_kind, a.unit_id):
            return a
        if a.unit_kind in _NAMED and in_community_scope(actor, request):
            return a
    raise Forbidden("该诉求未派给您的单位", "This request is not assigned to your unit")


_my_assignment = my_assignment


async def accept(session: AsyncSession, actor: Actor | None, request_id: int, *, version: int | None = None, note: str = "") -> Request:
    """The lead accepts (the request moves on); a co-handler accepts its own part."""
    actor = require_actor_role(actor, Role.DEPARTMENT_HANDLER, Role.STREET_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER)
    request = await load(session, request_id, version)
    mine = await _my_assignment(session, actor, request)
    if mine.role == "CO":
        # A co-handler confirms its part while the lead is working too.
        require_state(request, "受理", "accept", State.DISPATCHED, State.REDISPATCHED, State.DECIDED, State.ACCEPTED, State.IN_PROGRESS)
    else:
        require_state(request, "受理", "accept", State.DISPATCHED, State.REDISPATCHED, State.DECIDED)
    if mine.status != "PENDING":
        raise InvalidTransition("您已答复过该诉求", "Your unit has already responded")
    now = utcnow()
    mine.status, mine.responded_at = "ACCEPTED", now
    if request.first_response_at is None:
        request.first_response_at = now
    if mine.role == "CO":
        await move(session, request, None, EventKind.CO_ACCEPTED.value, actor, note=note, data={"unit": mine.assignee_label})
        return request
    if request.scope == Scope.PRIVATE.value:
        policy = await deadlines.policy_for(session, request.subcategory_id)
        table = await deadlines.holiday_table(session)
        resolve = deadlines.working_days(now, policy.major_resolve_working_days, table)
        request.resolve_due_at = resolve.at
        deadlines.set_due(request, "RESOLVE", resolve)
    else:
        deadlines.set_due(request, "RESOLVE", deadlines.Deadline(at=request.resolve_due_at, estimated=False) if request.resolve_due_at else None)
    await move(session, request, State.ACCEPTED, EventKind.ACCEPTED.value, actor, note=note, data={"unit": mine.assignee_label})
    return request


async def dispute(session: AsyncSession, actor: Actor | None, request_id: int, *, reason: str, version: int | None = None) -> Request:
    """The lead disputes (with a reason). After the district's decision there is no dispute."""
    actor = require_actor_role(actor, Role.DEPARTMENT_HANDLER, Role.STREET_OFFICER)
    request = await load(session, request_id, version)
    if State(request.state) is State.DECIDED:
        raise InvalidTransition("区委区政府的裁定为最终决定,不能再提异议", "The district's decision is final and cannot be disputed", state=request.state)
    require_state(request, "提出异议", "dispute", State.DISPATCHED, State.REDISPATCHED)
    mine = await _my_assignment(session, actor, request)
    if mine.role != "LEAD":
        raise Forbidden("只有牵头单位可以提出异议", "Only the lead unit may dispute")
    if mine.status != "PENDING":
        raise InvalidTransition("您已答复过该诉求", "Your unit has already responded")
    text = require_text(reason, "异议理由", "reason", 1000)
    now = utcnow()
    mine.status, mine.responded_at, mine.dispute_reason = "DISPUTED", now, text
    if request.first_response_at is None:
        request.first_response_at = now
    deadlines.set_due(request, "REDISPATCH" if mine.round == 1 else "DECISION",
                      deadlines.hours(now, deadlines.REDISPATCH_HOURS) if mine.round == 1
                      else deadlines.working_days(now, deadlines.DECISION_WORKING_DAYS, await deadlines.holiday_table(session)))
    await move(session, request, State.DISPUTED, EventKind.DISPUTED.value, actor, note=text, data={"unit": mine.assignee_label, "round": mine.round})
    return request


def _require_street_of(actor: Actor, request: Request) -> None:
    if actor.role is not Role.STREET_OFFICER or request.street_id not in actor.ids(ScopeKind.STREET):
        raise Forbidden("只有属地街道可以牵头二次分流或提级", "Only the request's own street leads second dispatch and escalation")


async def _dispute_round(session: AsyncSession, request: Request) -> int:
    from sqlalchemy import func, select

    return (await session.execute(select(func.max(Assignment.round)).where(Assignment.request_id == request.id))).scalar() or 1


async def redispatch(session: AsyncSession, actor: Actor | None, request_id: int, *, lead: UnitRef, co: list[UnitRef] | None = None,
                     version: int | None = None, note: str = "") -> Request:
    """二次分流: after a first-round dispute, the street sends it to another unit."""
    actor = require_actor_role(actor, Role.STREET_OFFICER)
    request = await load(session, request_id, version)
    require_state(request, "二次分流", "redispatch", State.DISPUTED)
    _require_street_of(actor, request)
    if await _dispute_round(session, request) != 1:
        raise InvalidTransition("二次分流后再有异议,须联合说明并提交区委区政府", "A second dispute escalates to the district; no third dispatch")
    units = await _assign_round(session, request, actor, lead, co or [], 2)
    await move(session, request, State.REDISPATCHED, EventKind.REDISPATCHED.value, actor, note=note, data={"units": units, "round": 2})
    return request


async def escalate(session: AsyncSession, actor: Actor | None, request_id: int, *, joint_explanation: str, version: int | None = None) -> Request:
    """After the second dispatch is disputed too: the street and the unit explain jointly."""
    actor = require_actor_role(actor, Role.STREET_OFFICER)
    request = await load(session, request_id, version)
    require_state(request, "提级", "escalate", State.DISPUTED)
    _require_street_of(actor, request)
    if await _dispute_round(session, request) != 2:
        raise InvalidTransition("首次异议应先由街道二次分流", "A first dispute goes to second dispatch before escalation")
    request.escalation_note = require_text(joint_explanation, "联合说明", "jointExplanation", 4000)
    deadlines.set_due(request, "DECISION", deadlines.working_days(utcnow(), deadlines.DECISION_WORKING_DAYS, await deadlines.holiday_table(session)))
    await move(session, request, State.ESCALATED, EventKind.ESCALATED.value, actor, note=request.escalation_note)
    return request


async def decide(session: AsyncSession, actor: Actor | None, request_id: int, *, lead: UnitRef, co: list[UnitRef] | None = None,
                 version: int | None = None, note: str = "") -> Request:
    """The district decides the responsible unit; final — no dispute, no backflow (回流)."""
    actor = require_actor_role(actor, Role.DISTRICT_LEADER)
    request = await load(session, request_id, version)
    require_state(request, "裁定", "decide", State.ESCALATED)
    units = await _assign_round(session, request, actor, lead, co or [], 3)
    await move(session, request, State.DECIDED, EventKind.DECIDED.value, actor, note=note, data={"units": units, "round": 3})
    return request
