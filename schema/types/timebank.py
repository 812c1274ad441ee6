"""GraphQL types of volunteers, volunteer teams and the time bank (时间银行).

Amounts are integers in tenths of a point (10 = 1 point); `…Points` fields give the same value
as an exact decimal string ("12.5"). Who sees what is decided by resolvers/timebank/access.py:
the `visible_*` helpers below return None for what the caller may not see.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import select

from db.models import (
    CatalogueItem as CatalogueItemModel,
    Redemption as RedemptionModel,
    ServiceParticipant as ServiceParticipantModel,
    ServiceRecord as ServiceRecordModel,
    TimeBankAccount as AccountModel,
    TimeBankEntry as EntryModel,
    TimeBankLine as LineModel,
    Volunteer as VolunteerModel,
    VolunteerTeam as TeamModel,
    VolunteerTeamMember as MemberModel,
)
from resolvers.audit import record_personal_read
from resolvers.masking import mask_name, mask_phone
from resolvers.timebank import access
from resolvers.timebank.ledger import points_text
from schema.context import Info
from schema.ids import to_global_id
from schema.loaders import _by_id, _children
from schema.pagination import Connection, paginate
from schema.types.node import Node
from schema.types.people import PersonalDataView
from schema.types.places import Community

V = VolunteerModel.__table__
A = AccountModel.__table__
L = LineModel.__table__
E = EntryModel.__table__


class TimeBankLoaders:
    """This domain's DataLoaders, one set per operation (hung on the operation's Loaders)."""

    def __init__(self, db: Any) -> None:
        self.volunteer = _by_id(db, V)
        self.account = _by_id(db, A)
        self.entry = _by_id(db, E)
        self.team = _by_id(db, TeamModel.__table__)
        self.item = _by_id(db, CatalogueItemModel.__table__)
        self.service = _by_id(db, ServiceRecordModel.__table__)
        self.account_of_volunteer = _children(db, A, "volunteer_id")
        self.members_of_team = _children(db, MemberModel.__table__, "team_id")
        self.teams_of_volunteer = _children(db, MemberModel.__table__, "volunteer_id")
        self.lines_of_entry = _children(db, L, "entry_id")
        self.reversal_of_entry = _children(db, E, "reverses_entry_id")
        self.participants_of_service = _children(db, ServiceParticipantModel.__table__, "service_id")
        self.redemption_of_entry = _children(db, RedemptionModel.__table__, "entry_id")


def tb(info: Info) -> TimeBankLoaders:
    loaders = info.context.loaders
    mine = getattr(loaders, "_timebank", None)
    if mine is None:
        mine = TimeBankLoaders(info.context.db)
        loaders._timebank = mine  # type: ignore[attr-defined]
    return mine


# -- visibility -----------------------------------------------------------------------------------

async def own_volunteer_id(info: Info) -> int | None:
    """The volunteer record a VOLUNTEER login acts as, once per operation."""
    cache = info.context.extra
    if "timebank_me" not in cache:
        async with info.context.db.read() as conn:
            row = await access.own_volunteer(conn, info.context.actor)
        cache["timebank_me"] = row.id if row is not None else None
    return cache["timebank_me"]


async def reads_community(info: Info, community_id: int) -> bool:
    community = await info.context.loaders.community.load(community_id)
    return community is not None and access.can_read_community(info.context.actor, community)


async def visible_volunteer(info: Info, pk: int) -> Volunteer | None:
    row = await tb(info).volunteer.load(pk)
    if row is None:
        return None
    if await reads_community(info, row.community_id) or row.id == await own_volunteer_id(info):
        return await Volunteer.present(info, row)
    return None


async def visible_account(info: Info, pk: int) -> TimeBankAccount | None:
    row = await tb(info).account.load(pk)
    if row is None:
        return None
    if await reads_community(info, row.community_id) or (row.volunteer_id is not None and row.volunteer_id == await own_volunteer_id(info)):
        return TimeBankAccount.from_row(row)
    return None


async def visible_team(info: Info, pk: int) -> VolunteerTeam | None:
    row = await tb(info).team.load(pk)
    if row is None:
        return None
    community = await info.context.loaders.community.load(row.community_id)
    return VolunteerTeam.from_row(row) if access.sees_catalogue(info.context.actor, community) else None


async def visible_item(info: Info, pk: int) -> CatalogueItem | None:
    row = await tb(info).item.load(pk)
    if row is None:
        return None
    community = await info.context.loaders.community.load(row.community_id)
    return CatalogueItem.from_row(row) if access.sees_catalogue(info.context.actor, community) else None


async def visible_entry(info: Info, pk: int) -> TimeBankEntry | None:
    row = await tb(info).entry.load(pk)
    if row is None:
        return None
    if await reads_community(info, row.community_id):
        return TimeBankEntry.from_row(row)
    me = await own_volunteer_id(info)
    if me is not None:
        lines = await tb(info).lines_of_entry.load(pk)
        accounts = await tb(info).account.load_many([line.account_id for line in lines])
        if any(account.volunteer_id == me for account in accounts):
            return TimeBankEntry.from_row(row)
    return None


async def visible_service(info: Info, pk: int) -> ServiceRecord | None:
    row = await tb(info).service.load(pk)
    if row is None:
        return None
    if await reads_community(info, row.community_id):
        return ServiceRecord.from_row(row)
    me = await own_volunteer_id(info)
    if me is not None and me in [p.volunteer_id for p in await tb(info).participants_of_service.load(pk)]:
        return ServiceRecord.from_row(row)
    return None


# -- enums ----------------------------------------------------------------------------------------

@strawberry.enum(description="Kind of a time-bank account.")
class TimeBankAccountKind(Enum):
    VOLUNTEER = "VOLUNTEER"
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"


@strawberry.enum(description="What a journal entry records.")
class TimeBankEntryKind(Enum):
    CREDIT = "CREDIT"
    REDEMPTION = "REDEMPTION"
    REVERSAL = "REVERSAL"


@strawberry.enum(description="A catalogue entry is a service (免费理发) or a thing (日用品).")
class CatalogueItemKind(Enum):
    SERVICE = "SERVICE"
    ITEM = "ITEM"


@strawberry.enum(description="State of a service record.")
class ServiceRecordState(Enum):
    RECORDED = "RECORDED"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    REVERSED = "REVERSED"


ACCOUNT_KIND_ZH = {"VOLUNTEER": "志愿者积分账户", "ISSUED": "社区积分发放账户", "REDEEMED": "社区积分兑换账户"}
ENTRY_KIND_ZH = {"CREDIT": "服务积分", "REDEMPTION": "积分兑换", "REVERSAL": "冲正"}
SERVICE_STATE_ZH = {"RECORDED": "待确认", "CONFIRMED": "已确认", "REJECTED": "已驳回", "REVERSED": "已冲正"}


# -- types ----------------------------------------------------------------------------------------

@strawberry.type(description="志愿者 — a volunteer of a community. Name and phone are personal data: whole for the community's own "
                             "workers and the volunteer themself, masked (张*, 138****1234) for everyone else.")
class Volunteer(Node):
    name: str = strawberry.field(description="Full name, or masked.")
    phone: str | None = strawberry.field(description="Phone, or masked.")
    view: PersonalDataView = strawberry.field(description="Whether name and phone are shown WHOLE or MASKED.")
    skills: str = strawberry.field(description="What the volunteer offers (特长).")
    active: bool
    created_at: datetime
    version: int = strawberry.field(description="Optimistic version of the record.")
    has_login: bool = strawberry.field(description="Linked to a VOLUNTEER login (can see its own account and redeem).")
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @classmethod
    def build(cls, info: Info, row: Any) -> Volunteer:
        whole = access.sees_phone_whole(info.context.actor, row)
        return cls(id=strawberry.ID(to_global_id("Volunteer", row.id)), pk=row.id, community_pk=row.community_id,
                   name=row.name if whole else mask_name(row.name), phone=row.phone if whole else mask_phone(row.phone),
                   view=PersonalDataView.WHOLE if whole else PersonalDataView.MASKED, skills=row.skills, active=row.active,
                   created_at=row.created_at, version=row.version, has_login=row.user_id is not None)

    @classmethod
    async def present(cls, info: Info, row: Any) -> Volunteer:
        return (await cls.present_many(info, [row]))[0]

    @classmethod
    async def present_many(cls, info: Info, rows: list[Any]) -> list[Volunteer]:
        """Build and audit the whole reads by workers (a volunteer reading itself is not audited)."""
        built = [cls.build(info, r) for r in rows]
        actor = info.context.actor
        audited = [v.pk for v, r in zip(built, rows, strict=True)
                   if v.view == PersonalDataView.WHOLE and (actor is None or r.user_id != actor.user_id)]
        if audited:
            await record_personal_read(info.context.db, actor, "Volunteer", audited, info.context.client)
        return built

    @strawberry.field(description="The community the volunteer serves.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))

    @strawberry.field(description="The volunteer's time-bank account.")
    async def account(self, info: Info) -> TimeBankAccount | None:
        rows = await tb(info).account_of_volunteer.load(self.pk)
        return TimeBankAccount.from_row(rows[0]) if rows else None

    @strawberry.field(description="Teams the volunteer belongs to.")
    async def teams(self, info: Info) -> list[VolunteerTeam]:
        memberships = await tb(info).teams_of_volunteer.load(self.pk)
        return [VolunteerTeam.from_row(r) for r in await tb(info).team.load_many([m.team_id for m in memberships])]


@strawberry.type(description="A volunteer's membership of a team.")
class VolunteerTeamMembership:
    is_leader: bool = strawberry.field(description="The team's leader (队长).")
    joined_at: datetime
    volunteer_pk: strawberry.Private[int]

    @strawberry.field(description="The member.")
    async def volunteer(self, info: Info) -> Volunteer:
        return Volunteer.build(info, await tb(info).volunteer.load(self.volunteer_pk))


@strawberry.type(description="志愿服务队 — a volunteer team of a community.")
class VolunteerTeam(Node):
    name: str
    description: str
    created_at: datetime
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> VolunteerTeam:
        return cls(id=strawberry.ID(to_global_id("VolunteerTeam", row.id)), pk=row.id, community_pk=row.community_id, name=row.name,
                   description=row.description, created_at=row.created_at)

    @strawberry.field(description="The community of the team.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))

    @strawberry.field(description="Members, the leader first. Names and phones whole only for the community's own workers.")
    async def members(self, info: Info) -> list[VolunteerTeamMembership]:
        rows = await tb(info).members_of_team.load(self.pk)
        rows = sorted(rows, key=lambda m: (not m.is_leader, m.id))
        volunteers = await tb(info).volunteer.load_many([m.volunteer_id for m in rows])
        await Volunteer.present_many(info, volunteers)  # audits the whole reads once
        return [VolunteerTeamMembership(is_leader=m.is_leader, joined_at=m.joined_at, volunteer_pk=m.volunteer_id) for m in rows]

    @strawberry.field(description="Number of members.")
    async def member_count(self, info: Info) -> int:
        return len(await tb(info).members_of_team.load(self.pk))


@strawberry.type(description="An account of a community's time-bank books: a volunteer's, or one of the community's system accounts "
                             "(ISSUED: the counter-entry of every credit, its balance is minus all points issued; REDEEMED: points "
                             "spent). Balances derive from the lines; a volunteer's never goes below zero.")
class TimeBankAccount(Node):
    code: str = strawberry.field(description="V<n> for a volunteer, C<n>-ISSUED / C<n>-REDEEMED for the community's accounts.")
    kind: TimeBankAccountKind
    balance: int = strawberry.field(description="Balance in tenths of a point (10 = 1 point).")
    created_at: datetime
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]
    volunteer_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> TimeBankAccount:
        return cls(id=strawberry.ID(to_global_id("TimeBankAccount", row.id)), pk=row.id, community_pk=row.community_id,
                   volunteer_pk=row.volunteer_id, code=row.code, kind=TimeBankAccountKind(row.kind), balance=row.balance,
                   created_at=row.created_at)

    @strawberry.field(description="The balance in points, exact (\"12.5\").")
    def balance_points(self) -> str:
        return points_text(self.balance)

    @strawberry.field(description="Chinese label of the kind.")
    def kind_label(self) -> str:
        return ACCOUNT_KIND_ZH[self.kind.value]

    @strawberry.field(description="The community whose books hold the account.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))

    @strawberry.field(description="The volunteer owning the account (null for system accounts).")
    async def volunteer(self, info: Info) -> Volunteer | None:
        if self.volunteer_pk is None:
            return None
        return await Volunteer.present(info, await tb(info).volunteer.load(self.volunteer_pk))

    @strawberry.field(description="Redemptions from this account, newest first. At most 100 a page.")
    async def redemptions(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Redemption]:
        R = RedemptionModel.__table__
        return await paginate(info.context.db, select(R).where(R.c.account_id == self.pk), [R.c.id], Redemption.from_row,
                              first=first, after=after, descending=True)

    @strawberry.field(description="Ledger lines of this account, newest first. At most 100 a page.")
    async def lines(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[TimeBankLine]:
        stmt = select(L).where(L.c.account_id == self.pk)
        return await paginate(info.context.db, stmt, [L.c.id], TimeBankLine.from_row, first=first, after=after, descending=True)


@strawberry.type(description="One leg of a journal entry: a signed amount on one account.")
class TimeBankLine:
    amount: int = strawberry.field(description="Tenths of a point: positive adds to the account, negative takes from it.")
    created_at: datetime
    entry_pk: strawberry.Private[int]
    account_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> TimeBankLine:
        return cls(amount=row.amount, created_at=row.created_at, entry_pk=row.entry_id, account_pk=row.account_id)

    @strawberry.field(description="The amount in points, exact (\"-1.5\").")
    def amount_points(self) -> str:
        return points_text(self.amount)

    @strawberry.field(description="The account the line is on.")
    async def account(self, info: Info) -> TimeBankAccount:
        return TimeBankAccount.from_row(await tb(info).account.load(self.account_pk))

    @strawberry.field(description="The journal entry the line belongs to.")
    async def entry(self, info: Info) -> TimeBankEntry:
        return TimeBankEntry.from_row(await tb(info).entry.load(self.entry_pk))


@strawberry.type(description="A journal entry: one movement of points, two or more lines summing to zero. Entries are never "
                             "changed; a correction is a reversing entry.")
class TimeBankEntry(Node):
    kind: TimeBankEntryKind
    memo: str
    created_at: datetime
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]
    reverses_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> TimeBankEntry:
        return cls(id=strawberry.ID(to_global_id("TimeBankEntry", row.id)), pk=row.id, community_pk=row.community_id,
                   reverses_pk=row.reverses_entry_id, kind=TimeBankEntryKind(row.kind), memo=row.memo, created_at=row.created_at)

    @strawberry.field(description="Chinese label of the kind.")
    def kind_label(self) -> str:
        return ENTRY_KIND_ZH[self.kind.value]

    @strawberry.field(description="The lines (they sum to zero). A volunteer sees only the lines on its own account.")
    async def lines(self, info: Info) -> list[TimeBankLine]:
        rows = await tb(info).lines_of_entry.load(self.pk)
        if await reads_community(info, self.community_pk):
            return [TimeBankLine.from_row(r) for r in rows]
        me = await own_volunteer_id(info)
        accounts = await tb(info).account.load_many([r.account_id for r in rows])
        return [TimeBankLine.from_row(r) for r, a in zip(rows, accounts, strict=True) if me is not None and a.volunteer_id == me]

    @strawberry.field(description="The entry this one reverses, if it is a reversal.")
    async def reverses(self, info: Info) -> TimeBankEntry | None:
        return None if self.reverses_pk is None else TimeBankEntry.from_row(await tb(info).entry.load(self.reverses_pk))

    @strawberry.field(description="The reversal of this entry, if it was reversed.")
    async def reversed_by(self, info: Info) -> TimeBankEntry | None:
        rows = await tb(info).reversal_of_entry.load(self.pk)
        return TimeBankEntry.from_row(rows[0]) if rows else None

    @strawberry.field(description="What a redemption entry bought.")
    async def redemption(self, info: Info) -> Redemption | None:
        rows = await tb(info).redemption_of_entry.load(self.pk)
        return Redemption.from_row(rows[0]) if rows else None


@strawberry.type(description="A service or item of a community's catalogue, redeemable for points.")
class CatalogueItem(Node):
    name: str
    kind: CatalogueItemKind
    description: str
    price: int = strawberry.field(description="Price per unit in tenths of a point (10 = 1 point).")
    stock: int | None = strawberry.field(description="Units left; null = unlimited (a service).")
    active: bool = strawberry.field(description="Offered now; inactive items cannot be redeemed.")
    position: int = strawberry.field(description="Order in the catalogue.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> CatalogueItem:
        return cls(id=strawberry.ID(to_global_id("CatalogueItem", row.id)), pk=row.id, community_pk=row.community_id, name=row.name,
                   kind=CatalogueItemKind(row.kind), description=row.description, price=row.price, stock=row.stock, active=row.active,
                   position=row.position, version=row.version)

    @strawberry.field(description="The price in points, exact.")
    def price_points(self) -> str:
        return points_text(self.price)

    @strawberry.field(description="The community offering it.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))


@strawberry.type(description="A redemption: what was bought with which entry.")
class Redemption:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the redemption.")
    quantity: int
    amount: int = strawberry.field(description="Points spent, in tenths of a point.")
    created_at: datetime
    item_pk: strawberry.Private[int]
    account_pk: strawberry.Private[int]
    entry_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Redemption:
        return cls(id=strawberry.ID(to_global_id("Redemption", row.id)), quantity=row.quantity, amount=row.amount, created_at=row.created_at,
                   item_pk=row.item_id, account_pk=row.account_id, entry_pk=row.entry_id)

    @strawberry.field(description="The item redeemed.")
    async def item(self, info: Info) -> CatalogueItem:
        return CatalogueItem.from_row(await tb(info).item.load(self.item_pk))

    @strawberry.field(description="The account debited.")
    async def account(self, info: Info) -> TimeBankAccount:
        return TimeBankAccount.from_row(await tb(info).account.load(self.account_pk))

    @strawberry.field(description="The journal entry of the debit.")
    async def entry(self, info: Info) -> TimeBankEntry:
        return TimeBankEntry.from_row(await tb(info).entry.load(self.entry_pk))


@strawberry.type(description="A service volunteers gave; confirming it credits each participant `minutes × rate`.")
class ServiceRecord(Node):
    description: str
    served_on: date
    minutes: int
    state: ServiceRecordState
    confirmed_at: datetime | None
    created_at: datetime
    version: int = strawberry.field(description="Optimistic version.")
    request_id: strawberry.ID | None = strawberry.field(description="The request the service answered, if any.")
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]
    team_pk: strawberry.Private[int | None]
    entry_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> ServiceRecord:
        return cls(id=strawberry.ID(to_global_id("ServiceRecord", row.id)), pk=row.id, community_pk=row.community_id, team_pk=row.team_id,
                   entry_pk=row.entry_id, description=row.description, served_on=row.served_on, minutes=row.minutes,
                   state=ServiceRecordState(row.state), confirmed_at=row.confirmed_at, created_at=row.created_at, version=row.version,
                   request_id=strawberry.ID(to_global_id("Request", row.request_id)) if row.request_id else None)

    @strawberry.field(description="Chinese label of the state.")
    def state_label(self) -> str:
        return SERVICE_STATE_ZH[self.state.value]

    @strawberry.field(description="The team that served, if recorded as a team service.")
    async def team(self, info: Info) -> VolunteerTeam | None:
        return None if self.team_pk is None else VolunteerTeam.from_row(await tb(info).team.load(self.team_pk))

    @strawberry.field(description="The volunteers credited.")
    async def participants(self, info: Info) -> list[Volunteer]:
        participants = await tb(info).participants_of_service.load(self.pk)
        rows = await tb(info).volunteer.load_many([p.volunteer_id for p in participants])
        return await Volunteer.present_many(info, rows)

    @strawberry.field(description="The credit entry, once confirmed.")
    async def entry(self, info: Info) -> TimeBankEntry | None:
        return None if self.entry_pk is None else await visible_entry(info, self.entry_pk)

    @strawberry.field(description="The community served.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))


@strawberry.type(description="Totals of a community's books, from the lines. `total` is always 0: every credit is matched by the "
                             "ISSUED account, every redemption by the REDEEMED account.")
class TimeBankBooks:
    issued: int = strawberry.field(description="Points ever issued for service (net of reversals), tenths of a point.")
    outstanding: int = strawberry.field(description="Sum of volunteers' balances, tenths of a point.")
    redeemed: int = strawberry.field(description="Points spent on redemptions (net of reversals), tenths of a point.")
    total: int = strawberry.field(description="Sum of every line of the community's books: 0.")
    balanced: bool = strawberry.field(description="total == 0 and issued == outstanding + redeemed.")
    entries: int = strawberry.field(description="Number of journal entries.")
    accounts: int = strawberry.field(description="Number of volunteer accounts.")
    community_pk: strawberry.Private[int]

    @strawberry.field(description="The community.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))


async def resolve_timebank_node(info: Info, type_name: str, pk: int) -> Any:
    """`node(id:)` for this domain: the same visibility as the typed queries (null otherwise)."""
    resolvers = {"Volunteer": visible_volunteer, "VolunteerTeam": visible_team, "TimeBankAccount": visible_account,
                 "TimeBankEntry": visible_entry, "CatalogueItem": visible_item, "ServiceRecord": visible_service}
    if info.context.actor is None:
        return None
    return await resolvers[type_name](info, pk)
