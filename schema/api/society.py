"""Root fields of four-society linkage (四社联动): organisations, partnerships, funds, projects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry
from sqlalchemy import Select, exists, false, or_, select, true
from sqlalchemy.exc import IntegrityError

from resolvers.errors import Conflict
from resolvers.society import access as society_access
from resolvers.society import organisations, projects
from resolvers.society.vocab import ContestKind as ContestKindV
from resolvers.society.vocab import FundKind as FundKindV
from resolvers.society.vocab import OrgKind, check_year, local_today, yuan_to_fen
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.permissions import SignedIn
from schema.types.society import (
    CP,
    F,
    O,
    P,
    CommunityPartnership,
    ContestKind,
    Fund,
    FundKind,
    ServiceProject,
    ServiceProjectEvent,
    ServiceProjectState,
    SocialOrganisation,
    SocialOrganisationKind,
    Yuan,
)

R = TypeVar("R")

First = Annotated[int | None, strawberry.argument(description="Page size (default 20, at most 100; more is BAD_USER_INPUT).")]
After = Annotated[str | None, strawberry.argument(description="Continue after this cursor (an edge's `cursor` or `pageInfo.endCursor`).")]
Year = Annotated[int | None, strawberry.argument(description="Budget year; default this year (Asia/Shanghai).")]


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def _write(info: Info, fn: Callable[..., Awaitable[R]], *args: Any, **kwargs: Any) -> R:
    """One write unit; a unique key lost to a concurrent writer is a CONFLICT, not an internal error."""
    try:
        async with write_unit(info.context) as session:
            return await fn(session, info.context.actor, *args, **kwargs)
    except IntegrityError:
        raise Conflict("与他人同时提交的记录冲突,请刷新后重试", "A concurrent change conflicted with this one; reload and retry") from None


# -- queries --------------------------------------------------------------------------------------

@strawberry.input(description="Filter the organisation register.")
class SocialOrganisationFilter:
    kind: SocialOrganisationKind | None = strawberry.field(default=None, description="Only this kind.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="Only agencies with a partnership (current or not) with this community.")
    search: str | None = strawberry.field(default=None, description="Part of the name or service areas.")
    active: bool | None = strawberry.field(default=None, description="Only active (true) or inactive (false) organisations.")


@strawberry.input(description="Filter service projects.")
class ServiceProjectFilter:
    fund_id: strawberry.ID | None = strawberry.field(default=None, description="Paid from this fund.")
    fund_kind: FundKind | None = strawberry.field(default=None, description="Paid from a fund of this kind.")
    state: ServiceProjectState | None = strawberry.field(default=None, description="In this state.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="Serving this community.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="Serving this street (its communities' projects included).")
    organisation_id: strawberry.ID | None = strawberry.field(default=None, description="Carried out by this organisation.")
    year: int | None = strawberry.field(default=None, description="Paid from a fund of this budget year.")


@strawberry.type(description="Four-society queries.")
class SocietyQuery:
    @strawberry.field(permission_classes=[SignedIn], description=(
        "社会组织与社工机构 — the register, in order of registration. Readable by the center, the admin, the district leader, street "
        "officers and community workers (empty for other roles). Contacts are masked except for the center, the admin "
        "and the workers of a community the agency currently partners with. At most 100 a page."))
    async def social_organisations(self, info: Info, filter: Annotated[SocialOrganisationFilter | None, strawberry.argument(description="What to list.")] = None,
                                   first: First = None, after: After = None) -> Connection[SocialOrganisation]:
        stmt: Select = select(O).where(true() if society_access.is_reader(info.context.actor) else false())
        if filter is not None:
            if filter.kind is not None:
                stmt = stmt.where(O.c.kind == filter.kind.value)
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(exists().where(CP.c.organisation_id == O.c.id, CP.c.community_id == cid))
            if filter.search:
                pattern = _like(filter.search.strip()[:64])
                stmt = stmt.where(or_(O.c.name.like(pattern, escape="\\"), O.c.service_areas.like(pattern, escape="\\")))
            if filter.active is not None:
                stmt = stmt.where(O.c.active.is_(filter.active))
        return await paginate(info.context.db, stmt, [O.c.id], SocialOrganisation.from_row, first=first, after=after)

    @strawberry.field(permission_classes=[SignedIn], description=(
        "民需服务项目 you may read, newest first: the district (center, admin, district leader) all; a street officer its "
        "streets'; a community worker its communities'; other roles none. At most 100 a page."))
    async def service_projects(self, info: Info, filter: Annotated[ServiceProjectFilter | None, strawberry.argument(description="What to list.")] = None,
                               first: First = None, after: After = None) -> Connection[ServiceProject]:
        stmt: Select = select(P).where(society_access.projects_visible(info.context.actor))
        if filter is not None:
            if (fid := _pk(filter.fund_id, "Fund")) is not None:
                stmt = stmt.where(P.c.fund_id == fid)
            if filter.state is not None:
                stmt = stmt.where(P.c.state == filter.state.value)
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(P.c.community_id == cid)
            if (sid := _pk(filter.street_id, "Street")) is not None:
                stmt = stmt.where(P.c.street_id == sid)
            if (oid := _pk(filter.organisation_id, "SocialOrganisation")) is not None:
                stmt = stmt.where(P.c.organisation_id == oid)
            if filter.year is not None or filter.fund_kind is not None:
                funds = select(F.c.id)
                if filter.year is not None:
                    funds = funds.where(F.c.year == check_year(filter.year))
                if filter.fund_kind is not None:
                    funds = funds.where(F.c.kind == filter.fund_kind.value)
                stmt = stmt.where(P.c.fund_id.in_(funds))
        return await paginate(info.context.db, stmt, [P.c.created_at, P.c.id], ServiceProject.from_row, first=first, after=after, descending=True)

    @strawberry.field(permission_classes=[SignedIn], description=(
        "资金 — the funds of a budget year (default: this year, Asia/Shanghai) with budget, awarded and remaining. "
        "Readable by the roles that read the organisation register; empty for others."))
    async def funds(self, info: Info, year: Year = None) -> list[Fund]:
        if not society_access.is_reader(info.context.actor):
            return []
        y = check_year(year) if year is not None else local_today().year
        async with info.context.db.read() as conn:
            rows = (await conn.execute(select(F).where(F.c.year == y).order_by(F.c.kind, F.c.id))).all()
        return [Fund.from_row(r) for r in rows]


# -- mutations ------------------------------------------------------------------------------------

@strawberry.input(description="Open a fund's budget year or change its budget (ADMIN, CENTER_DISPATCHER).")
class SetFundBudgetInput:
    kind: FundKind = strawberry.field(description="Which fund.")
    year: int = strawberry.field(description="Budget year.")
    budget: Yuan | None = strawberry.field(default=None, description=(
        "Budget in yuan (two decimals at most); default 3,000,000 for ANNUAL_ALLOCATION and 4,200,000 for SPECIAL_FUND. "
        "Never below what is already awarded."))


@strawberry.type(description="The fund after a change.")
class FundPayload:
    fund: Fund = strawberry.field(description="The fund.")


@strawberry.input(description="Register a social organisation or social-work agency (ADMIN, CENTER_DISPATCHER).")
class CreateSocialOrganisationInput:
    kind: SocialOrganisationKind = strawberry.field(description="Social organisation or social-work agency.")
    name: str = strawberry.field(description="Registered name (≤ 128 characters).")
    registration_no: str = strawberry.field(description="登记证号 / 统一社会信用代码: 6–32 digits, capital letters or hyphens; unique.")
    contact_name: str | None = strawberry.field(default=None, description="Contact person (personal data).")
    contact_phone: str | None = strawberry.field(default=None, description="Contact phone (personal data).")
    service_areas: str | None = strawberry.field(default=None, description="What it serves (≤ 2000 characters).")


@strawberry.input(description="Change an organisation (ADMIN, CENTER_DISPATCHER); omitted fields stay as they are.")
class UpdateSocialOrganisationInput:
    id: strawberry.ID = strawberry.field(description="The SocialOrganisation.")
    name: str | None = strawberry.field(default=None, description="New name.")
    contact_name: str | None = strawberry.field(default=None, description="New contact person; empty string clears it.")
    contact_phone: str | None = strawberry.field(default=None, description="New contact phone; empty string clears it.")
    service_areas: str | None = strawberry.field(default=None, description="New service areas.")
    active: bool | None = strawberry.field(default=None, description="Deactivate (false) or reactivate (true).")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The organisation after a change.")
class SocialOrganisationPayload:
    organisation: SocialOrganisation = strawberry.field(description="The organisation.")


@strawberry.input(description="社区合伙人: create or change an agency's partnership with a community (the community's "
                              "workers, or the center).")
class SetCommunityPartnershipInput:
    organisation_id: strawberry.ID = strawberry.field(description="A SocialOrganisation of kind SOCIAL_WORK_AGENCY.")
    community_id: strawberry.ID = strawberry.field(description="The community.")
    space: str = strawberry.field(description="The space provided, e.g. 活动室 60㎡ (≤ 128 characters).")
    services: str = strawberry.field(description="The services promised in return (≤ 4000 characters).")
    starts_on: date = strawberry.field(description="First day.")
    ends_on: date | None = strawberry.field(default=None, description="Last day; null for open-ended. Not before startsOn.")
    active: bool = strawberry.field(default=True, description="False ends or suspends the partnership.")
    version: int | None = strawberry.field(default=None, description="When changing: the version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The partnership after a change.")
class CommunityPartnershipPayload:
    partnership: CommunityPartnership = strawberry.field(description="The partnership.")


@strawberry.input(description="申报 a service project: the center for any community or street, a community's workers for their own community.")
class ProposeProjectInput:
    title: str = strawberry.field(description="Title (≤ 120 characters).")
    description: str | None = strawberry.field(default=None, description="What it will do (≤ 4000 characters).")
    organisation_id: strawberry.ID = strawberry.field(description="The SocialOrganisation that would carry it out (active).")
    fund_id: strawberry.ID = strawberry.field(description="The Fund (kind and year) it applies to.")
    requested: Yuan = strawberry.field(description="Amount asked in yuan (positive, two decimals at most).")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="The community served; or give streetId.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="The street served (whole street; center only); or give communityId.")


@strawberry.input(description="立项 (ADMIN, CENTER_DISPATCHER): the contest's verdict and the amount, from the project's fund.")
class AwardProjectInput:
    id: strawberry.ID = strawberry.field(description="The ServiceProject (PROPOSED).")
    contest_kind: ContestKind = strawberry.field(description="公益创投大赛 or 路演答辩.")
    contest_name: str = strawberry.field(description="The contest's name (≤ 128 characters).")
    contest_on: date = strawberry.field(description="Day of the verdict; not in the future.")
    amount: Yuan = strawberry.field(description="Amount awarded in yuan: positive, at most the amount asked and the fund's remaining budget.")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="A project step that needs only the project.")
class ProjectStepInput:
    id: strawberry.ID = strawberry.field(description="The ServiceProject.")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Record an event a RUNNING project held (the served community's workers, or the center).")
class RecordProjectEventInput:
    id: strawberry.ID = strawberry.field(description="The ServiceProject.")
    held_on: date = strawberry.field(description="Day it was held; not in the future, not before the award.")
    title: str = strawberry.field(description="What it was (≤ 120 characters).")
    people_served: int = strawberry.field(description="People served, 0–100000.")
    note: str | None = strawberry.field(default=None, description="Free notes.")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="结项: complete a RUNNING project that has recorded events.")
class CompleteProjectInput:
    id: strawberry.ID = strawberry.field(description="The ServiceProject.")
    summary: str = strawberry.field(description="What it achieved (≤ 4000 characters).")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="不予立项 (ADMIN, CENTER_DISPATCHER): reject a PROPOSED project with a reason.")
class RejectProjectInput:
    id: strawberry.ID = strawberry.field(description="The ServiceProject.")
    reason: str = strawberry.field(description="Why (≤ 2000 characters).")
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The project after a change.")
class ServiceProjectPayload:
    project: ServiceProject = strawberry.field(description="The project.")


@strawberry.type(description="The project and the event just recorded.")
class RecordProjectEventPayload:
    project: ServiceProject = strawberry.field(description="The project, with its totals.")
    event: ServiceProjectEvent = strawberry.field(description="The event recorded.")


def _project_id(gid: strawberry.ID) -> int:
    return from_global_id(gid, "ServiceProject")[1]


@strawberry.type(description="Four-society mutations: each takes one input object and returns a payload.")
class SocietyMutation:
    @strawberry.mutation(description="Open a fund's budget year or change its budget (ADMIN, CENTER_DISPATCHER).")
    async def set_fund_budget(self, info: Info, input: SetFundBudgetInput) -> FundPayload:
        budget = None if input.budget is None else yuan_to_fen(input.budget, "budget")
        fund = await _write(info, projects.set_fund_budget, FundKindV(input.kind.value), input.year, budget)
        return FundPayload(fund=Fund.from_row(fund))

    @strawberry.mutation(description="Register a social organisation or social-work agency (ADMIN, CENTER_DISPATCHER).")
    async def create_social_organisation(self, info: Info, input: CreateSocialOrganisationInput) -> SocialOrganisationPayload:
        data = organisations.OrganisationInput(kind=OrgKind(input.kind.value), name=input.name, registration_no=input.registration_no,
                                               contact_name=input.contact_name, contact_phone=input.contact_phone, service_areas=input.service_areas)
        org = await _write(info, organisations.create_organisation, data)
        return SocialOrganisationPayload(organisation=SocialOrganisation.from_row(org))

    @strawberry.mutation(description="Change an organisation's name, contact, service areas or active flag (ADMIN, CENTER_DISPATCHER).")
    async def update_social_organisation(self, info: Info, input: UpdateSocialOrganisationInput) -> SocialOrganisationPayload:
        change = organisations.OrganisationChange(name=input.name, contact_name=input.contact_name, contact_phone=input.contact_phone,
                                                  service_areas=input.service_areas, active=input.active, version=input.version)
        org = await _write(info, organisations.update_organisation, from_global_id(input.id, "SocialOrganisation")[1], change)
        return SocialOrganisationPayload(organisation=SocialOrganisation.from_row(org))

    @strawberry.mutation(description="社区合伙人: create or change an agency's partnership with a community (its workers, or the center).")
    async def set_community_partnership(self, info: Info, input: SetCommunityPartnershipInput) -> CommunityPartnershipPayload:
        data = organisations.PartnershipInput(
            organisation_id=from_global_id(input.organisation_id, "SocialOrganisation")[1],
            community_id=from_global_id(input.community_id, "Community")[1], space=input.space, services=input.services,
            starts_on=input.starts_on, ends_on=input.ends_on, active=input.active, version=input.version)
        row = await _write(info, organisations.set_partnership, data)
        return CommunityPartnershipPayload(partnership=CommunityPartnership.from_row(row))

    @strawberry.mutation(description="申报 a service project (center; a community's workers for their own community).")
    async def propose_project(self, info: Info, input: ProposeProjectInput) -> ServiceProjectPayload:
        data = projects.ProposalInput(
            title=input.title, description=input.description,
            organisation_id=from_global_id(input.organisation_id, "SocialOrganisation")[1], fund_id=from_global_id(input.fund_id, "Fund")[1],
            requested_fen=yuan_to_fen(input.requested, "requested"), community_id=_pk(input.community_id, "Community"),
            street_id=_pk(input.street_id, "Street"))
        project = await _write(info, projects.propose_project, data)
        return ServiceProjectPayload(project=ServiceProject.from_row(project))

    @strawberry.mutation(description="立项 (ADMIN, CENTER_DISPATCHER): award a PROPOSED project by contest, within the fund's remaining budget "
                                     "(BAD_USER_INPUT with reason BUDGET_EXCEEDED otherwise — also when a concurrent award took the money).")
    async def award_project(self, info: Info, input: AwardProjectInput) -> ServiceProjectPayload:
        data = projects.AwardInput(contest_kind=ContestKindV(input.contest_kind.value), contest_name=input.contest_name,
                                   contest_on=input.contest_on, amount_fen=yuan_to_fen(input.amount, "amount"))
        project = await _write(info, projects.award_project, _project_id(input.id), data, version=input.version)
        return ServiceProjectPayload(project=ServiceProject.from_row(project))

    @strawberry.mutation(description="开始实施: an AWARDED project starts RUNNING (the served community's workers, or the center).")
    async def start_project(self, info: Info, input: ProjectStepInput) -> ServiceProjectPayload:
        project = await _write(info, projects.start_project, _project_id(input.id), version=input.version)
        return ServiceProjectPayload(project=ServiceProject.from_row(project))

    @strawberry.mutation(description="Record an event of a RUNNING project (the served community's workers, or the center).")
    async def record_project_event(self, info: Info, input: RecordProjectEventInput) -> RecordProjectEventPayload:
        data = projects.EventInput(held_on=input.held_on, title=input.title, people_served=input.people_served, note=input.note)
        project, event = await _write(info, projects.record_event, _project_id(input.id), data, version=input.version)
        return RecordProjectEventPayload(project=ServiceProject.from_row(project), event=ServiceProjectEvent.from_row(event))

    @strawberry.mutation(description="结项: complete a RUNNING project with at least one event (the served community's workers, or the center).")
    async def complete_project(self, info: Info, input: CompleteProjectInput) -> ServiceProjectPayload:
        project = await _write(info, projects.complete_project, _project_id(input.id), input.summary, version=input.version)
        return ServiceProjectPayload(project=ServiceProject.from_row(project))

    @strawberry.mutation(description="不予立项 (ADMIN, CENTER_DISPATCHER): reject a PROPOSED project with a reason.")
    async def reject_project(self, info: Info, input: RejectProjectInput) -> ServiceProjectPayload:
        project = await _write(info, projects.reject_project, _project_id(input.id), input.reason, version=input.version)
        return ServiceProjectPayload(project=ServiceProject.from_row(project))
