"""GraphQL types of four-society linkage (四社联动): social organisations and agencies, community
partnerships, funds and funded service projects with their events."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from decimal import InvalidOperation
from typing import Any, NewType

import strawberry
from strawberry.exceptions import StrawberryGraphQLError
from sqlalchemy import func, select
from strawberry.dataloader import DataLoader

from db.engine import Database
from db.models import CommunityPartnership as PartnershipModel
from db.models import Fund as FundModel
from db.models import ServiceProject as ProjectModel
from db.models import ServiceProjectEvent as EventModel
from db.models import SocialOrganisation as OrgModel
from resolvers.audit import record_personal_read
from resolvers.masking import mask_name, mask_phone
from resolvers.society import access as society_access
from resolvers.society.vocab import CONTEST_KIND_ZH, FUND_KIND_ZH, ORG_KIND_ZH, PROJECT_STATE_ZH, fen_to_yuan, local_today
from schema.context import Info
from schema.ids import to_global_id
from schema.types.node import Node
from schema.types.places import Community, Street

O = OrgModel.__table__
CP = PartnershipModel.__table__
F = FundModel.__table__
P = ProjectModel.__table__
E = EventModel.__table__


def _parse_yuan(value: Any) -> Decimal:
    # Strings and integers only: a JSON float is never taken for money.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise StrawberryGraphQLError("金额须为字符串形式的十进制数,如 \"1234.50\"", extensions={
            "code": "BAD_USER_INPUT", "messageEn": 'An amount of yuan is a decimal string such as "1234.50" (or an integer)'})
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise StrawberryGraphQLError(f"金额格式不正确:{str(value)[:40]}", extensions={
            "code": "BAD_USER_INPUT", "messageEn": f"Not an amount of yuan: {str(value)[:40]}"}) from None
    return amount


# A named scalar keeps this domain's own coded errors without touching the shared schema config
# (StrawberryConfig.scalar_map, the non-deprecated route, lives in schema/__init__.py).
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    Yuan = strawberry.scalar(
        NewType("Yuan", Decimal),
        description=('An exact amount of yuan (元) as a decimal string with two decimals, e.g. "3000000.00". Input: a string '
                     '(or an integer) with at most two decimals; floats are refused. Stored as integer fen (分).'),
        serialize=lambda v: f"{Decimal(v).quantize(Decimal('0.01'))}",
        parse_value=_parse_yuan,
    )


@strawberry.enum(description="社会组织 or 社工机构.")
class SocialOrganisationKind(Enum):
    SOCIAL_ORGANISATION = strawberry.enum_value("SOCIAL_ORGANISATION", description="社会组织 — a registered social organisation.")
    SOCIAL_WORK_AGENCY = strawberry.enum_value("SOCIAL_WORK_AGENCY", description="社工机构 — a professional social-work agency.")


@strawberry.enum(description="Where a service project's money comes from.")
class FundKind(Enum):
    ANNUAL_ALLOCATION = strawberry.enum_value("ANNUAL_ALLOCATION", description="每年财政划拨 — the yearly district allocation (3,000,000 yuan).")
    SPECIAL_FUND = strawberry.enum_value("SPECIAL_FUND", description="社区专项基金 — the community special fund (4,200,000 yuan).")


@strawberry.enum(description="How a project was awarded to an organisation.")
class ContestKind(Enum):
    VENTURE_CONTEST = strawberry.enum_value("VENTURE_CONTEST", description="公益创投大赛 — venture-philanthropy contest.")
    ROADSHOW = strawberry.enum_value("ROADSHOW", description="路演答辩 — roadshow and defence.")


@strawberry.enum(description="State of a service project: PROPOSED → AWARDED → RUNNING → COMPLETED, or PROPOSED → REJECTED.")
class ServiceProjectState(Enum):
    PROPOSED = strawberry.enum_value("PROPOSED", description="申报中 — put forward, awaiting the contest.")
    AWARDED = strawberry.enum_value("AWARDED", description="已立项 — won, money committed from the fund.")
    RUNNING = strawberry.enum_value("RUNNING", description="实施中 — being carried out; events are recorded.")
    COMPLETED = strawberry.enum_value("COMPLETED", description="已结项 — finished.")
    REJECTED = strawberry.enum_value("REJECTED", description="未立项 — not awarded.")


@strawberry.enum(description="Whether personal data in an object is shown whole or masked.")
class ContactView(Enum):
    WHOLE = strawberry.enum_value("WHOLE", description="Shown whole (the read is audited).")
    MASKED = strawberry.enum_value("MASKED", description="Masked, e.g. 张* and 138****1234.")


# -- per-operation loaders (kept here, not in schema/loaders.py) ---------------------------------

class SocietyLoaders:
    def __init__(self, db: Database, info: Info) -> None:
        async def by_id(table: Any, keys: Sequence[int]) -> list[Any]:
            async with db.read() as conn:
                rows = (await conn.execute(select(table).where(table.c.id.in_(set(keys))))).all()
            found = {r.id: r for r in rows}
            return [found.get(k) for k in keys]

        async def partnerships(keys: Sequence[int]) -> list[list[Any]]:
            async with db.read() as conn:
                rows = (await conn.execute(select(CP).where(CP.c.organisation_id.in_(set(keys))).order_by(CP.c.id))).all()
            out: dict[int, list[Any]] = {k: [] for k in keys}
            for r in rows:
                out[r.organisation_id].append(r)
            return [out[k] for k in keys]

        async def events(keys: Sequence[int]) -> list[list[Any]]:
            async with db.read() as conn:
                rows = (await conn.execute(select(E).where(E.c.project_id.in_(set(keys))).order_by(E.c.held_on, E.c.id))).all()
            out: dict[int, list[Any]] = {k: [] for k in keys}
            for r in rows:
                out[r.project_id].append(r)
            return [out[k] for k in keys]

        async def totals(keys: Sequence[int]) -> list[tuple[int, int]]:
            async with db.read() as conn:
                rows = (await conn.execute(
                    select(E.c.project_id, func.count(), func.coalesce(func.sum(E.c.people_served), 0))
                    .where(E.c.project_id.in_(set(keys))).group_by(E.c.project_id))).all()
            found = {r[0]: (int(r[1]), int(r[2])) for r in rows}
            return [found.get(k, (0, 0)) for k in keys]

        async def fund_projects(keys: Sequence[int]) -> list[int]:
            async with db.read() as conn:
                rows = (await conn.execute(select(P.c.fund_id, func.count()).where(
                    P.c.fund_id.in_(set(keys)), P.c.state.in_(("AWARDED", "RUNNING", "COMPLETED"))).group_by(P.c.fund_id))).all()
            found = {r[0]: int(r[1]) for r in rows}
            return [found.get(k, 0) for k in keys]

        async def audit(keys: Sequence[int]) -> list[bool]:
            # One audit entry for all organisations whose contact this operation showed whole.
            await record_personal_read(db, info.context.actor, "SocialOrganisation", sorted(set(keys)), info.context.client)
            return [True for _ in keys]

        self.organisation: DataLoader[int, Any] = DataLoader(load_fn=lambda keys: by_id(O, keys))
        self.fund: DataLoader[int, Any] = DataLoader(load_fn=lambda keys: by_id(F, keys))
        self.partnerships: DataLoader[int, list[Any]] = DataLoader(load_fn=partnerships)
        self.events: DataLoader[int, list[Any]] = DataLoader(load_fn=events)
        self.totals: DataLoader[int, tuple[int, int]] = DataLoader(load_fn=totals)
        self.fund_projects: DataLoader[int, int] = DataLoader(load_fn=fund_projects)
        self.audit_contact: DataLoader[int, bool] = DataLoader(load_fn=audit)


def loaders(info: Info) -> SocietyLoaders:
    extra = info.context.extra
    if "society_loaders" not in extra:
        extra["society_loaders"] = SocietyLoaders(info.context.db, info)
    return extra["society_loaders"]


def _is_current(row: Any, today: date) -> bool:
    return bool(row.active) and row.starts_on <= today and (row.ends_on is None or row.ends_on >= today)


# -- types ----------------------------------------------------------------------------------------

@strawberry.type(description="社区合伙人 — a social-work agency's partnership with a community: the space the community "
                             "provides and the services the agency gives in return (以空间换服务).")
class CommunityPartnership:
    space: str = strawberry.field(description="The space provided, e.g. 活动室 60㎡.")
    services: str = strawberry.field(description="The services promised in return.")
    starts_on: date = strawberry.field(description="First day of the partnership.")
    ends_on: date | None = strawberry.field(description="Last day, or null when open-ended.")
    active: bool = strawberry.field(description="False once ended or suspended.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    community_pk: strawberry.Private[int]
    organisation_pk: strawberry.Private[int]
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> CommunityPartnership:
        return cls(space=row.space, services=row.services, starts_on=row.starts_on, ends_on=row.ends_on, active=row.active,
                   version=row.version, community_pk=row.community_id, organisation_pk=row.organisation_id, row=row)

    @strawberry.field(description="True when active and today (Asia/Shanghai) is within its dates.")
    def current(self) -> bool:
        return _is_current(self.row, local_today())

    @strawberry.field(description="The partner community.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))

    @strawberry.field(description="The agency.")
    async def organisation(self, info: Info) -> SocialOrganisation | None:
        row = await loaders(info).organisation.load(self.organisation_pk)
        return None if row is None else SocialOrganisation.from_row(row)


@strawberry.type(description="社会组织 / 社工机构 — an organisation that takes funded service projects or partners with communities.")
class SocialOrganisation(Node):
    kind: SocialOrganisationKind = strawberry.field(description="Social organisation or social-work agency.")
    name: str = strawberry.field(description="Registered name.")
    registration_no: str = strawberry.field(description="登记证号 / 统一社会信用代码 (unique).")
    service_areas: str = strawberry.field(description="What it serves, in its own words (elderly, dementia care, children, ...).")
    active: bool = strawberry.field(description="False when it no longer takes work.")
    created_at: datetime = strawberry.field(description="When it was registered here.")
    updated_at: datetime = strawberry.field(description="Last change.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> SocialOrganisation:
        return cls(id=strawberry.ID(to_global_id("SocialOrganisation", row.id)), kind=SocialOrganisationKind(row.kind), name=row.name,
                   registration_no=row.registration_no, service_areas=row.service_areas, active=row.active, created_at=row.created_at,
                   updated_at=row.updated_at, version=row.version, row=row)

    @strawberry.field(description="Chinese label of the kind.")
    def kind_label(self) -> str:
        return ORG_KIND_ZH[self.row.kind]

    async def _view(self, info: Info) -> ContactView:
        actor = info.context.actor
        if actor is None or actor.role not in society_access.MANAGERS and actor.role.value != "COMMUNITY_WORKER":
            return ContactView.MASKED
        today = local_today()
        partnered = {p.community_id for p in await loaders(info).partnerships.load(self.row.id) if _is_current(p, today)}
        return ContactView.WHOLE if society_access.sees_contacts_whole(actor, partnered) else ContactView.MASKED

    @strawberry.field(description="How the contact is shown to you: WHOLE for the center, the admin and the workers of a "
                                  "community it currently partners with; MASKED for everyone else.")
    async def contact_view(self, info: Info) -> ContactView:
        return await self._view(info)

    @strawberry.field(description="Contact person (personal data: masked unless contactView is WHOLE; whole reads are audited).")
    async def contact_name(self, info: Info) -> str | None:
        if self.row.contact_name and await self._view(info) is ContactView.WHOLE:
            await loaders(info).audit_contact.load(self.row.id)
            return self.row.contact_name
        return mask_name(self.row.contact_name)

    @strawberry.field(description="Contact phone (personal data: masked unless contactView is WHOLE; whole reads are audited).")
    async def contact_phone(self, info: Info) -> str | None:
        if self.row.contact_phone and await self._view(info) is ContactView.WHOLE:
            await loaders(info).audit_contact.load(self.row.id)
            return self.row.contact_phone
        return mask_phone(self.row.contact_phone)

    @strawberry.field(description="社区合伙人: its partnerships with communities (agencies only), oldest first.")
    async def partnerships(self, info: Info) -> list[CommunityPartnership]:
        return [CommunityPartnership.from_row(r) for r in await loaders(info).partnerships.load(self.row.id)]


@strawberry.type(description="资金 — one fund's budget for one year, and how much of it is awarded.")
class Fund(Node):
    kind: FundKind = strawberry.field(description="The yearly allocation or the special fund.")
    year: int = strawberry.field(description="Budget year.")
    name: str = strawberry.field(description="Chinese name, e.g. 2026年社区专项基金.")
    version: int = strawberry.field(description="Changes with every award or budget change.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Fund:
        return cls(id=strawberry.ID(to_global_id("Fund", row.id)), kind=FundKind(row.kind), year=row.year, name=row.name,
                   version=row.version, row=row)

    @strawberry.field(description="Chinese label of the kind.")
    def kind_label(self) -> str:
        return FUND_KIND_ZH[self.row.kind]

    @strawberry.field(description="The year's budget in yuan (exact decimal, two places).")
    def budget(self) -> Yuan:
        return fen_to_yuan(self.row.budget_fen)  # type: ignore[return-value]

    @strawberry.field(description="Awarded to projects so far, in yuan.")
    def awarded(self) -> Yuan:
        return fen_to_yuan(self.row.awarded_fen)  # type: ignore[return-value]

    @strawberry.field(description="Budget minus awarded, in yuan: the most a new award may take.")
    def remaining(self) -> Yuan:
        return fen_to_yuan(self.row.budget_fen - self.row.awarded_fen)  # type: ignore[return-value]

    @strawberry.field(description="Number of projects awarded from it (awarded, running or completed).")
    async def awarded_projects(self, info: Info) -> int:
        return await loaders(info).fund_projects.load(self.row.id)


@strawberry.type(description="An event a service project held.")
class ServiceProjectEvent:
    held_on: date = strawberry.field(description="Day it was held (Asia/Shanghai).")
    title: str = strawberry.field(description="What it was, e.g. 激活大脑·记忆训练小组第3期.")
    people_served: int = strawberry.field(description="How many people it served.")
    note: str = strawberry.field(description="Free notes.")
    created_at: datetime = strawberry.field(description="When it was recorded.")

    @classmethod
    def from_row(cls, row: Any) -> ServiceProjectEvent:
        return cls(held_on=row.held_on, title=row.title, people_served=row.people_served, note=row.note, created_at=row.created_at)


@strawberry.type(description="民需服务项目 — a service project an organisation won by contest and carries out for a community or street.")
class ServiceProject(Node):
    title: str = strawberry.field(description="Title, e.g. 激活大脑·关爱失智群众.")
    description: str = strawberry.field(description="What the project does.")
    state: ServiceProjectState = strawberry.field(description="Where it is in its life.")
    requested: Yuan = strawberry.field(description="Amount asked, in yuan.")
    awarded: Yuan | None = strawberry.field(description="Amount awarded, in yuan (null before the award).")
    contest_kind: ContestKind | None = strawberry.field(description="How it was awarded.")
    contest_name: str | None = strawberry.field(description="The contest, e.g. 2026年芝罘区公益创投大赛.")
    contest_on: date | None = strawberry.field(description="Day of the contest's verdict.")
    reject_reason: str | None = strawberry.field(description="Why it was not awarded.")
    summary: str | None = strawberry.field(description="The completion summary.")
    awarded_at: datetime | None = strawberry.field(description="When the award was recorded.")
    started_at: datetime | None = strawberry.field(description="When it started running.")
    completed_at: datetime | None = strawberry.field(description="When it was completed.")
    created_at: datetime = strawberry.field(description="When it was proposed.")
    updated_at: datetime = strawberry.field(description="Last change.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> ServiceProject:
        return cls(
            id=strawberry.ID(to_global_id("ServiceProject", row.id)), title=row.title, description=row.description,
            state=ServiceProjectState(row.state), requested=fen_to_yuan(row.requested_fen), awarded=fen_to_yuan(row.awarded_fen),  # type: ignore[arg-type]
            contest_kind=ContestKind(row.contest_kind) if row.contest_kind else None, contest_name=row.contest_name,
            contest_on=row.contest_on, reject_reason=row.reject_reason, summary=row.summary, awarded_at=row.awarded_at,
            started_at=row.started_at, completed_at=row.completed_at, created_at=row.created_at, updated_at=row.updated_at,
            version=row.version, row=row,
        )

    @strawberry.field(description="Chinese label of the state.")
    def state_label(self) -> str:
        return PROJECT_STATE_ZH[self.row.state]

    @strawberry.field(description="Chinese label of the contest kind.")
    def contest_kind_label(self) -> str | None:
        return CONTEST_KIND_ZH.get(self.row.contest_kind) if self.row.contest_kind else None

    @strawberry.field(description="The organisation that carries it out.")
    async def organisation(self, info: Info) -> SocialOrganisation:
        return SocialOrganisation.from_row(await loaders(info).organisation.load(self.row.organisation_id))

    @strawberry.field(description="The fund it is paid from.")
    async def fund(self, info: Info) -> Fund:
        return Fund.from_row(await loaders(info).fund.load(self.row.fund_id))

    @strawberry.field(description="The community served; null when it serves the whole street.")
    async def community(self, info: Info) -> Community | None:
        if self.row.community_id is None:
            return None
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))

    @strawberry.field(description="The street served (the community's street for a community project).")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.loaders.street.load(self.row.street_id))

    @strawberry.field(description="Its events, oldest first.")
    async def events(self, info: Info) -> list[ServiceProjectEvent]:
        return [ServiceProjectEvent.from_row(r) for r in await loaders(info).events.load(self.row.id)]

    @strawberry.field(description="Number of events held — counted from the events, not stored.")
    async def event_count(self, info: Info) -> int:
        return (await loaders(info).totals.load(self.row.id))[0]

    @strawberry.field(description="People served over all its events — summed from the events, not stored.")
    async def people_served(self, info: Info) -> int:
        return (await loaders(info).totals.load(self.row.id))[1]


async def resolve_society_node(info: Info, type_name: str, pk: int) -> Any:
    """`node(id:)` for this domain: null when it does not exist or the caller may not see it."""
    actor = info.context.actor
    if type_name in ("SocialOrganisation", "Fund"):
        if not society_access.is_reader(actor):
            return None
        if type_name == "Fund":
            row = await loaders(info).fund.load(pk)
            return None if row is None else Fund.from_row(row)
        row = await loaders(info).organisation.load(pk)
        return None if row is None else SocialOrganisation.from_row(row)
    async with info.context.db.read() as conn:
        row = (await conn.execute(select(P).where(P.c.id == pk, society_access.projects_visible(actor)))).first()
    return None if row is None else ServiceProject.from_row(row)
