"""Funds and the funded service projects (民需服务项目).

A project: PROPOSED → AWARDED (by contest: 公益创投大赛 or 路演答辩, from one fund's yearly budget)
→ RUNNING → COMPLETED; or PROPOSED → REJECTED. An award raises the fund's `awarded_fen` with a
single conditional UPDATE (`... WHERE awarded_fen + amount <= budget_fen`): PostgreSQL re-checks the
condition after waiting for a concurrent award's row lock, SQLite runs writers one at a time, so
two awards can never together overspend a fund. Totals of events and people served are computed
from the events, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Community, Fund, ServiceProject, ServiceProjectEvent, Street
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, InvalidTransition, NotFound
from resolvers.society.access import require_community_runner, require_manager
from resolvers.society.organisations import get_organisation
from resolvers.society.vocab import (
    DEFAULT_BUDGET_FEN,
    FUND_NAME,
    PROJECT_STATE_ZH,
    ContestKind,
    FundKind,
    ProjectState,
    check_year,
    clean_text,
    fen_to_yuan,
    local_today,
)

MAX_PEOPLE_PER_EVENT = 100_000


@dataclass
class ProposalInput:
    title: str
    organisation_id: int
    fund_id: int
    requested_fen: int
    community_id: int | None = None
    street_id: int | None = None
    description: str | None = None


@dataclass
class AwardInput:
    contest_kind: ContestKind
    contest_name: str
    contest_on: date
    amount_fen: int


@dataclass
class EventInput:
    held_on: date
    title: str
    people_served: int
    note: str | None = None


# -- funds ----------------------------------------------------------------------------------------

async def set_fund_budget(session: AsyncSession, actor: Actor, kind: FundKind, year: int, budget_fen: int | None) -> Fund:
    """Open a fund's year (default budget: 3 M / 4.2 M yuan) or change its budget; a budget is
    never set below what was already awarded from it."""
    require_manager(actor)
    check_year(year)
    kind = FundKind(kind)
    budget = DEFAULT_BUDGET_FEN[kind] if budget_fen is None else budget_fen
    fund = (await session.execute(select(Fund).where(Fund.kind == kind.value, Fund.year == year))).scalar_one_or_none()
    if fund is None:
        fund = Fund(kind=kind.value, year=year, name=f"{year}年{FUND_NAME[kind]}", budget_fen=budget, awarded_fen=0, version=1)
        session.add(fund)
        await session.flush()
        return fund
    done = await session.execute(
        update(Fund).where(Fund.id == fund.id, Fund.awarded_fen <= budget)
        .values(budget_fen=budget, version=Fund.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        await session.refresh(fund)
        raise BadUserInput(f"预算不能低于已立项金额 {fen_to_yuan(fund.awarded_fen)} 元",
                           f"The budget cannot be below the {fen_to_yuan(fund.awarded_fen)} yuan already awarded",
                           field="budgetYuan", awardedYuan=str(fen_to_yuan(fund.awarded_fen)))
    await session.refresh(fund)
    return fund


# -- projects -------------------------------------------------------------------------------------

async def _project(session: AsyncSession, project_id: int) -> ServiceProject:
    project = (await session.execute(
        select(ServiceProject).where(ServiceProject.id == project_id).with_for_update())).scalar_one_or_none()
    if project is None:
        raise NotFound("服务项目不存在", "No such service project")
    return project


def _version(project: ServiceProject, version: int | None) -> None:
    if version is not None and version != project.version:
        raise Conflict(currentVersion=project.version)


def _expect(project: ServiceProject, *states: ProjectState) -> None:
    if project.state not in {s.value for s in states}:
        wanted = "、".join(PROJECT_STATE_ZH[s.value] for s in states)
        raise InvalidTransition(f"项目当前为“{PROJECT_STATE_ZH[project.state]}”,此操作仅限“{wanted}”",
                                f"The project is {project.state}; this needs {' or '.join(s.value for s in states)}",
                                state=project.state)


def _touch(project: ServiceProject, state: ProjectState | None = None) -> None:
    if state is not None:
        project.state = state.value
    project.version += 1
    project.updated_at = utcnow()


async def propose_project(session: AsyncSession, actor: Actor, data: ProposalInput) -> ServiceProject:
    """民需服务项目申报: by the center, or a community's workers for their own community."""
    if (data.community_id is None) == (data.street_id is None):
        raise BadUserInput("须指定服务社区或服务街道(二选一)", "Give either the community or the street served, not both", field="communityId")
    if data.community_id is not None:
        require_community_runner(actor, data.community_id)
        community = await session.get(Community, data.community_id)
        if community is None:
            raise NotFound("社区不存在", "No such community")
        street_id = community.street_id
    else:
        require_manager(actor)
        if (await session.get(Street, data.street_id)) is None:
            raise NotFound("街道不存在", "No such street")
        street_id = data.street_id
    title = clean_text(data.title, "title", max_len=120)
    description = clean_text(data.description, "description", max_len=4000, required=False)
    org = await get_organisation(session, data.organisation_id)
    if not org.active:
        raise BadUserInput("该组织已停用,不能承接项目", "The organisation is inactive", field="organisationId")
    fund = await session.get(Fund, data.fund_id)
    if fund is None:
        raise NotFound("资金不存在", "No such fund")
    if data.requested_fen > fund.budget_fen:
        raise BadUserInput("申请金额超过该资金年度预算", "The amount asked exceeds the fund's yearly budget", field="requestedYuan")
    project = ServiceProject(
        title=title, description=description, organisation_id=org.id, street_id=street_id, community_id=data.community_id,
        fund_id=fund.id, requested_fen=data.requested_fen, state=ProjectState.PROPOSED.value, created_by_user_id=actor.user_id, version=1,
    )
    session.add(project)
    await session.flush()
    return project


async def award_project(session: AsyncSession, actor: Actor, project_id: int, data: AwardInput, version: int | None = None) -> ServiceProject:
    """立项: the contest's verdict, paid from the project's fund within its remaining budget."""
    require_manager(actor)
    project = await _project(session, project_id)
    _version(project, version)
    _expect(project, ProjectState.PROPOSED)
    contest_name = clean_text(data.contest_name, "contestName", max_len=128)
    if data.contest_on > local_today():
        raise BadUserInput("评审日期不能晚于今天", "The contest date is in the future", field="contestOn")
    if data.amount_fen > project.requested_fen:
        raise BadUserInput("立项金额不能超过申请金额", "The award cannot exceed the amount asked", field="amountYuan",
                           requestedYuan=str(fen_to_yuan(project.requested_fen)))
    # The one statement that spends the fund: atomic, and re-checked under the row lock.
    spent = await session.execute(
        update(Fund).where(Fund.id == project.fund_id, Fund.awarded_fen + data.amount_fen <= Fund.budget_fen)
        .values(awarded_fen=Fund.awarded_fen + data.amount_fen, version=Fund.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        left = (await session.execute(select(Fund.budget_fen - Fund.awarded_fen).where(Fund.id == project.fund_id))).scalar_one()
        raise BadUserInput(f"资金余额不足:剩余 {fen_to_yuan(left)} 元", f"Not enough left in the fund: {fen_to_yuan(left)} yuan remain",
                           field="amountYuan", reason="BUDGET_EXCEEDED", remainingYuan=str(fen_to_yuan(left)))
    project.awarded_fen = data.amount_fen
    project.contest_kind = ContestKind(data.contest_kind).value
    project.contest_name = contest_name
    project.contest_on = data.contest_on
    project.awarded_at = utcnow()
    _touch(project, ProjectState.AWARDED)
    await session.flush()
    return project


async def reject_project(session: AsyncSession, actor: Actor, project_id: int, reason: str, version: int | None = None) -> ServiceProject:
    require_manager(actor)
    project = await _project(session, project_id)
    _version(project, version)
    _expect(project, ProjectState.PROPOSED)
    project.reject_reason = clean_text(reason, "reason", max_len=2000)
    _touch(project, ProjectState.REJECTED)
    await session.flush()
    return project


async def start_project(session: AsyncSession, actor: Actor, project_id: int, version: int | None = None) -> ServiceProject:
    project = await _project(session, project_id)
    require_community_runner(actor, project.community_id)
    _version(project, version)
    _expect(project, ProjectState.AWARDED)
    project.started_at = utcnow()
    _touch(project, ProjectState.RUNNING)
    await session.flush()
    return project


async def record_event(session: AsyncSession, actor: Actor, project_id: int, data: EventInput,
                       version: int | None = None) -> tuple[ServiceProject, ServiceProjectEvent]:
    project = await _project(session, project_id)
    require_community_runner(actor, project.community_id)
    _version(project, version)
    _expect(project, ProjectState.RUNNING)
    title = clean_text(data.title, "title", max_len=120)
    note = clean_text(data.note, "note", max_len=4000, required=False)
    if not 0 <= data.people_served <= MAX_PEOPLE_PER_EVENT:
        raise BadUserInput(f"服务人数须在 0–{MAX_PEOPLE_PER_EVENT} 之间", f"peopleServed must be 0–{MAX_PEOPLE_PER_EVENT}", field="peopleServed")
    if data.held_on > local_today():
        raise BadUserInput("活动日期不能晚于今天", "The event date is in the future", field="heldOn")
    if project.contest_on is not None and data.held_on < project.contest_on:
        raise BadUserInput("活动日期不能早于立项评审日期", "The event date is before the project was awarded", field="heldOn")
    event = ServiceProjectEvent(project_id=project.id, held_on=data.held_on, title=title, people_served=data.people_served,
                                note=note, recorded_by_user_id=actor.user_id)
    session.add(event)
    _touch(project)
    await session.flush()
    return project, event


async def complete_project(session: AsyncSession, actor: Actor, project_id: int, summary: str, version: int | None = None) -> ServiceProject:
    project = await _project(session, project_id)
    require_community_runner(actor, project.community_id)
    _version(project, version)
    _expect(project, ProjectState.RUNNING)
    text = clean_text(summary, "summary", max_len=4000)
    events = (await session.execute(select(func.count()).where(ServiceProjectEvent.project_id == project.id))).scalar_one()
    if events == 0:
        raise InvalidTransition("项目尚未记录任何活动,不能结项", "A project with no events recorded cannot be completed", state=project.state)
    project.summary = text
    project.completed_at = utcnow()
    _touch(project, ProjectState.COMPLETED)
    await session.flush()
    return project
