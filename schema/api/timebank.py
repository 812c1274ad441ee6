"""Root fields of volunteers, volunteer teams and the time bank (时间银行)."""

from __future__ import annotations

from datetime import date

import strawberry
from sqlalchemy import or_, select

from db.models import CatalogueItem as ItemModel
from db.models import ServiceParticipant as ParticipantModel
from db.models import ServiceRecord as ServiceModel
from db.models import TimeBankAccount as AccountModel
from db.models import Volunteer as VolunteerModel
from db.models import VolunteerTeam as TeamModel
from db.models import VolunteerTeamMember as MemberModel
from resolvers import volunteers as volunteer_rules
from resolvers.access import require_actor
from resolvers.errors import Forbidden, NotFound
from resolvers.roles import Role
from resolvers.timebank import access, catalogue, ledger, redemption, service
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.permissions import SignedIn
from schema.types.timebank import (
    CatalogueItem,
    CatalogueItemKind,
    Redemption,
    ServiceRecord,
    ServiceRecordState,
    TimeBankAccount,
    TimeBankBooks,
    TimeBankEntry,
    Volunteer,
    VolunteerTeam,
    own_volunteer_id,
    visible_account,
)

V = VolunteerModel.__table__
T = TeamModel.__table__
M = MemberModel.__table__
I = ItemModel.__table__  # noqa: E741
S = ServiceModel.__table__
P = ParticipantModel.__table__
A = AccountModel.__table__


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


async def _community_row(info: Info, community_id: int):
    row = await info.context.loaders.community.load(community_id)
    if row is None:
        raise NotFound("社区不存在", "No such community")
    return row


# -- queries --------------------------------------------------------------------------------------

@strawberry.input(description="Filter volunteers.")
class VolunteerFilter:
    community_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name or skills (the community's own workers only "
                                                                      "match names; others match skills).")


@strawberry.input(description="Filter service records.")
class ServiceRecordFilter:
    community_id: strawberry.ID | None = None
    states: list[ServiceRecordState] | None = None
    volunteer_id: strawberry.ID | None = None


@strawberry.type(description="Volunteer and time-bank queries.")
class TimeBankQuery:
    @strawberry.field(permission_classes=[SignedIn], description=(
        "志愿者 of communities you may read (the community's workers, its street, the center, the admin and the district leader), "
        "newest first; a VOLUNTEER sees only itself. Names and phones whole only for the community's own workers."))
    async def volunteers(self, info: Info, filter: VolunteerFilter | None = None, first: int | None = None,
                         after: str | None = None) -> Connection[Volunteer]:
        actor = require_actor(info.context.actor)
        me = await own_volunteer_id(info)
        visible = access.community_column_readable(V.c.community_id, actor)
        if me is not None:
            visible = or_(visible, V.c.id == me)
        stmt = select(V).where(visible)
        if filter is not None:
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(V.c.community_id == cid)
            if (tid := _pk(filter.team_id, "VolunteerTeam")) is not None:
                stmt = stmt.where(V.c.id.in_(select(M.c.volunteer_id).where(M.c.team_id == tid)))
            if filter.active is not None:
                stmt = stmt.where(V.c.active.is_(filter.active))
            if filter.search and filter.search.strip():
                needle = f"%{filter.search.strip()[:32]}%"
                # Searching masked names would reveal them: only the community's own workers match names.
                by_name = V.c.name.like(needle) if actor.role is Role.COMMUNITY_WORKER else None
                stmt = stmt.where(or_(V.c.skills.like(needle), by_name) if by_name is not None else V.c.skills.like(needle))
        page = await paginate(info.context.db, stmt, [V.c.created_at, V.c.id], lambda r: r, first=first, after=after, descending=True)
        built = await Volunteer.present_many(info, [e.node for e in page.edges])
        for edge, node in zip(page.edges, built, strict=True):
            edge.node = node
        return page  # type: ignore[return-value]

    @strawberry.field(permission_classes=[SignedIn], description=(
        "志愿服务队 of a community: for whoever reads the community and for its own volunteers; FORBIDDEN otherwise."))
    async def volunteer_teams(self, info: Info, community_id: strawberry.ID) -> list[VolunteerTeam]:
        community = await _community_row(info, from_global_id(community_id, "Community")[1])
        if not access.sees_catalogue(info.context.actor, community):
            raise Forbidden("无权查看该社区的志愿服务队", "You may not see this community's volunteer teams")
        async with info.context.db.read() as conn:
            rows = (await conn.execute(select(T).where(T.c.community_id == community.id).order_by(T.c.name, T.c.id))).all()
        return [VolunteerTeam.from_row(r) for r in rows]

    @strawberry.field(permission_classes=[SignedIn], description=(
        "A time-bank account with its balance and lines; null when it does not exist or you may not see it (a volunteer sees only "
        "its own)."))
    async def time_bank_account(self, info: Info, id: strawberry.ID) -> TimeBankAccount | None:
        return await visible_account(info, from_global_id(id, "TimeBankAccount")[1])

    @strawberry.field(permission_classes=[SignedIn], description="The signed-in VOLUNTEER's own account; null for other logins.")
    async def my_time_bank(self, info: Info) -> TimeBankAccount | None:
        me = await own_volunteer_id(info)
        if me is None:
            return None
        async with info.context.db.read() as conn:
            row = (await conn.execute(select(A).where(A.c.volunteer_id == me))).first()
        return TimeBankAccount.from_row(row) if row is not None else None

    @strawberry.field(permission_classes=[SignedIn], description=(
        "A community's catalogue of redeemable services and items, in catalogue order: for whoever reads the community and its own "
        "volunteers. Inactive items only for the community's own workers with includeInactive."))
    async def catalogue(self, info: Info, community_id: strawberry.ID, include_inactive: bool = False) -> list[CatalogueItem]:
        community = await _community_row(info, from_global_id(community_id, "Community")[1])
        if not access.sees_catalogue(info.context.actor, community):
            raise Forbidden("无权查看该社区的兑换目录", "You may not see this community's catalogue")
        stmt = select(I).where(I.c.community_id == community.id)
        if not (include_inactive and access.is_worker_of(info.context.actor, community.id)):
            stmt = stmt.where(I.c.active.is_(True))
        async with info.context.db.read() as conn:
            rows = (await conn.execute(stmt.order_by(I.c.position, I.c.id))).all()
        return [CatalogueItem.from_row(r) for r in rows]

    @strawberry.field(permission_classes=[SignedIn], description=(
        "Totals of a community's time-bank books, summed from the lines: issued, outstanding, redeemed, and total (always 0). "
        "For the community's workers, its street, the center, the admin and the district leader."))
    async def time_bank_books(self, info: Info, community_id: strawberry.ID) -> TimeBankBooks:
        community = await _community_row(info, from_global_id(community_id, "Community")[1])
        if not access.can_read_community(info.context.actor, community):
            raise Forbidden("无权查看该社区的时间银行账簿", "You may not see this community's time-bank books")
        async with info.context.db.read() as conn:
            b = await ledger.books(conn, community.id)
        return TimeBankBooks(community_pk=community.id, balanced=b["total"] == 0 and b["issued"] == b["outstanding"] + b["redeemed"], **b)

    @strawberry.field(permission_classes=[SignedIn], description=(
        "Service records, newest first: of communities you may read; a VOLUNTEER sees those it took part in."))
    async def service_records(self, info: Info, filter: ServiceRecordFilter | None = None, first: int | None = None,
                              after: str | None = None) -> Connection[ServiceRecord]:
        actor = require_actor(info.context.actor)
        me = await own_volunteer_id(info)
        visible = access.community_column_readable(S.c.community_id, actor)
        if me is not None:
            visible = or_(visible, S.c.id.in_(select(P.c.service_id).where(P.c.volunteer_id == me)))
        stmt = select(S).where(visible)
        if filter is not None:
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(S.c.community_id == cid)
            if filter.states:
                stmt = stmt.where(S.c.state.in_([s.value for s in filter.states]))
            if (vid := _pk(filter.volunteer_id, "Volunteer")) is not None:
                stmt = stmt.where(S.c.id.in_(select(P.c.service_id).where(P.c.volunteer_id == vid)))
        return await paginate(info.context.db, stmt, [S.c.created_at, S.c.id], ServiceRecord.from_row, first=first, after=after,
                              descending=True)


# -- mutations ------------------------------------------------------------------------------------

@strawberry.input(description="Register a volunteer with a community (its own workers).")
class RegisterVolunteerInput:
    community_id: strawberry.ID
    name: str
    phone: str | None = None
    skills: str | None = strawberry.field(default=None, description="What the volunteer offers (≤ 200 characters).")
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="A resident of this community, if the volunteer is one.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="A VOLUNTEER login scoped to this community.")


@strawberry.type(description="The volunteer after a change.")
class VolunteerPayload:
    volunteer: Volunteer


@strawberry.input(description="Change a volunteer's details or retire them; omitted fields stay. An empty phone clears it.")
class UpdateVolunteerInput:
    id: strawberry.ID
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT.")
    name: str | None = None
    phone: str | None = None
    skills: str | None = None
    active: bool | None = strawberry.field(default=None, description="An inactive volunteer earns and redeems nothing; its account stays.")


@strawberry.input(description="A new volunteer team.")
class CreateVolunteerTeamInput:
    community_id: strawberry.ID
    name: str
    description: str | None = None
    member_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Volunteers of this community (≤ 500).")
    leader_id: strawberry.ID | None = strawberry.field(default=None, description="The team leader (队长), a volunteer of this community.")


@strawberry.input(description="Add a volunteer to a team.")
class AddTeamMemberInput:
    team_id: strawberry.ID
    volunteer_id: strawberry.ID
    is_leader: bool = False


@strawberry.type(description="The team after a change.")
class VolunteerTeamPayload:
    team: VolunteerTeam


@strawberry.input(description="A service volunteers gave. The community worker names the volunteers or a team (then all its active "
                              "members unless named); a VOLUNTEER records only its own service.")
class RecordServiceInput:
    community_id: strawberry.ID
    description: str
    served_on: date
    minutes: int = strawberry.field(description="1–1440.")
    volunteer_ids: list[strawberry.ID] | None = None
    team_id: strawberry.ID | None = None
    request_id: strawberry.ID | None = strawberry.field(default=None, description="A request of this community the service answered "
                                                                                    "(e.g. a PRIVATE request of kind RESOURCE).")


@strawberry.input(description="Confirm (and credit) or reject a service record.")
class ServiceStepInput:
    id: strawberry.ID
    version: int | None = strawberry.field(default=None, description="The version you saw; a stale one is a CONFLICT (a confirmed "
                                                                      "service is returned as it is: confirming again credits nothing).")


@strawberry.type(description="The service record after a change.")
class ServiceRecordPayload:
    service: ServiceRecord


@strawberry.input(description="A new item of a community's catalogue.")
class AddCatalogueItemInput:
    community_id: strawberry.ID
    name: str
    kind: CatalogueItemKind
    price: int = strawberry.field(description="Tenths of a point per unit (10 = 1 point), 1–100000.")
    description: str | None = None
    stock: int | None = strawberry.field(default=None, description="Units available; omit for unlimited.")


@strawberry.input(description="Change a catalogue item; omitted fields stay.")
class UpdateCatalogueItemInput:
    id: strawberry.ID
    version: int | None = None
    name: str | None = None
    description: str | None = None
    price: int | None = None
    stock: int | None = None
    unlimited_stock: bool = strawberry.field(default=False, description="Make the stock unlimited.")
    active: bool | None = None


@strawberry.type(description="The catalogue item after a change.")
class CatalogueItemPayload:
    item: CatalogueItem


@strawberry.input(description="Redeem points for an item. A VOLUNTEER redeems from its own account (accountId optional); the community "
                              "worker names the volunteer's account. The same idempotencyKey again returns the first redemption.")
class RedeemInput:
    item_id: strawberry.ID
    quantity: int = strawberry.field(default=1, description="1–99.")
    idempotency_key: str = strawberry.field(description="8–80 characters, unique per redemption the client means.")
    account_id: strawberry.ID | None = None


@strawberry.type(description="The redemption and the account after it.")
class RedeemPayload:
    redemption: Redemption
    account: TimeBankAccount


@strawberry.input(description="Correct an entry by a reversing entry (the community's own workers).")
class ReverseEntryInput:
    entry_id: strawberry.ID
    reason: str


@strawberry.type(description="The reversing entry.")
class ReverseEntryPayload:
    entry: TimeBankEntry


@strawberry.input(description="A community's rate of points for service.")
class SetTimeBankRateInput:
    community_id: strawberry.ID
    units_per_hour: int = strawberry.field(description="Tenths of a point per hour of service (default 10 = 1 point an hour).")


@strawberry.type(description="The rate now in force.")
class TimeBankRatePayload:
    units_per_hour: int


def _ids(gids: list[strawberry.ID] | None, type_name: str) -> list[int]:
    return [from_global_id(g, type_name)[1] for g in gids or []]


async def _volunteer_row(session, pk: int):  # noqa: ANN001, ANN202
    return (await session.execute(select(V).where(V.c.id == pk))).first()


@strawberry.type(description="Volunteer and time-bank mutations.")
class TimeBankMutation:
    @strawberry.mutation(description="志愿者登记: register a volunteer with the community; a time-bank account is opened for it.")
    async def register_volunteer(self, info: Info, input: RegisterVolunteerInput) -> VolunteerPayload:
        async with write_unit(info.context) as session:
            v = await volunteer_rules.register_volunteer(
                session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1], name=input.name,
                phone=input.phone, skills=input.skills or "", resident_id=_pk(input.resident_id, "Resident"), user_id=_pk(input.user_id, "User"))
            row = await _volunteer_row(session, v.id)
        return VolunteerPayload(volunteer=Volunteer.build(info, row))

    @strawberry.mutation(description="Change a volunteer's details or retire them (the community's own workers).")
    async def update_volunteer(self, info: Info, input: UpdateVolunteerInput) -> VolunteerPayload:
        async with write_unit(info.context) as session:
            v = await volunteer_rules.update_volunteer(session, info.context.actor, from_global_id(input.id, "Volunteer")[1], version=input.version,
                                                       name=input.name, phone=input.phone, skills=input.skills, active=input.active)
            row = await _volunteer_row(session, v.id)
        return VolunteerPayload(volunteer=Volunteer.build(info, row))

    @strawberry.mutation(description="Create a volunteer team (志愿服务队) of the community.")
    async def create_volunteer_team(self, info: Info, input: CreateVolunteerTeamInput) -> VolunteerTeamPayload:
        async with write_unit(info.context) as session:
            team = await volunteer_rules.create_team(
                session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1], name=input.name,
                description=input.description or "", member_ids=_ids(input.member_ids, "Volunteer"), leader_id=_pk(input.leader_id, "Volunteer"))
        return VolunteerTeamPayload(team=VolunteerTeam.from_row(team))

    @strawberry.mutation(description="Add a volunteer of the community to one of its teams.")
    async def add_team_member(self, info: Info, input: AddTeamMemberInput) -> VolunteerTeamPayload:
        async with write_unit(info.context) as session:
            team = await volunteer_rules.add_team_member(session, info.context.actor, from_global_id(input.team_id, "VolunteerTeam")[1],
                                                         from_global_id(input.volunteer_id, "Volunteer")[1], is_leader=input.is_leader)
        return VolunteerTeamPayload(team=VolunteerTeam.from_row(team))

    @strawberry.mutation(description="Record a service; it earns points once the community worker confirms it.")
    async def record_service(self, info: Info, input: RecordServiceInput) -> ServiceRecordPayload:
        async with write_unit(info.context) as session:
            record = await service.record_service(
                session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1], description=input.description,
                served_on=input.served_on, minutes=input.minutes, volunteer_ids=_ids(input.volunteer_ids, "Volunteer"),
                team_id=_pk(input.team_id, "VolunteerTeam"), request_id=_pk(input.request_id, "Request"))
        return ServiceRecordPayload(service=ServiceRecord.from_row(record))

    @strawberry.mutation(description=(
        "Confirm a service (the community's own workers): each participant is credited minutes × the community's rate in one entry, "
        "in the same transaction. Confirming a confirmed service again returns it and credits nothing."))
    async def confirm_service(self, info: Info, input: ServiceStepInput) -> ServiceRecordPayload:
        async with write_unit(info.context) as session:
            record = await service.confirm_service(session, info.context.actor, from_global_id(input.id, "ServiceRecord")[1], version=input.version)
        return ServiceRecordPayload(service=ServiceRecord.from_row(record))

    @strawberry.mutation(description="Reject a service that was not confirmed (it earns nothing).")
    async def reject_service(self, info: Info, input: ServiceStepInput) -> ServiceRecordPayload:
        async with write_unit(info.context) as session:
            record = await service.reject_service(session, info.context.actor, from_global_id(input.id, "ServiceRecord")[1], version=input.version)
        return ServiceRecordPayload(service=ServiceRecord.from_row(record))

    @strawberry.mutation(description="Add a service or item to the community's catalogue.")
    async def add_catalogue_item(self, info: Info, input: AddCatalogueItemInput) -> CatalogueItemPayload:
        async with write_unit(info.context) as session:
            item = await catalogue.add_item(session, info.context.actor, community_id=from_global_id(input.community_id, "Community")[1],
                                            name=input.name, kind=input.kind.value, price=input.price, description=input.description or "",
                                            stock=input.stock)
        return CatalogueItemPayload(item=CatalogueItem.from_row(item))

    @strawberry.mutation(description="Change a catalogue item (name, description, price, stock, offered or not).")
    async def update_catalogue_item(self, info: Info, input: UpdateCatalogueItemInput) -> CatalogueItemPayload:
        async with write_unit(info.context) as session:
            item = await catalogue.update_item(session, info.context.actor, from_global_id(input.id, "CatalogueItem")[1], version=input.version,
                                               name=input.name, description=input.description, price=input.price, stock=input.stock,
                                               unlimited_stock=input.unlimited_stock, active=input.active)
        return CatalogueItemPayload(item=CatalogueItem.from_row(item))

    @strawberry.mutation(description=(
        "Redeem points for a catalogue item. INSUFFICIENT_POINTS when the balance does not cover it, OUT_OF_STOCK when the stock "
        "does not; a retry with the same idempotencyKey returns the first redemption and debits nothing more."))
    async def redeem(self, info: Info, input: RedeemInput) -> RedeemPayload:
        async with write_unit(info.context) as session:
            row = await redemption.redeem(session, info.context.actor, item_id=from_global_id(input.item_id, "CatalogueItem")[1],
                                          quantity=input.quantity, idempotency_key=input.idempotency_key,
                                          account_id=_pk(input.account_id, "TimeBankAccount"))
            account = (await session.execute(select(A).where(A.c.id == row.account_id))).first()
        return RedeemPayload(redemption=Redemption.from_row(row), account=TimeBankAccount.from_row(account))

    @strawberry.mutation(description=(
        "冲正: correct an entry with a reversing entry (every line negated), with a reason. A redemption's stock comes back; a reversed "
        "credit marks its service REVERSED. Each entry is reversed at most once (INVALID_TRANSITION); a credit already spent cannot "
        "be reversed (INSUFFICIENT_POINTS)."))
    async def reverse_entry(self, info: Info, input: ReverseEntryInput) -> ReverseEntryPayload:
        from db.models import TimeBankEntry as EntryModel

        async with write_unit(info.context) as session:
            new_id = await ledger.reverse_entry(session, info.context.actor, from_global_id(input.entry_id, "TimeBankEntry")[1], input.reason)
            row = (await session.execute(select(EntryModel.__table__).where(EntryModel.__table__.c.id == new_id))).first()
        return ReverseEntryPayload(entry=TimeBankEntry.from_row(row))

    @strawberry.mutation(description="Set the community's points rate (tenths of a point per hour of service).")
    async def set_time_bank_rate(self, info: Info, input: SetTimeBankRateInput) -> TimeBankRatePayload:
        async with write_unit(info.context) as session:
            units = await ledger.set_rate(session, info.context.actor, from_global_id(input.community_id, "Community")[1], input.units_per_hour)
        return TimeBankRatePayload(units_per_hour=units)

