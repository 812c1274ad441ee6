"""Types of the administration API (ADMIN only): staff accounts, the audit log, the holiday
table's years, and units as ADMIN manages them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.permission import BasePermission

from resolvers.admin.holidays import YearView
from resolvers.admin.units import UnitKind
from resolvers.roles import Role
from schema.context import Info
from schema.ids import to_global_id
from schema.types.places import Community, Street
from schema.types.units import PartnerKind
from schema.types.users import User


class AdminOnly(BasePermission):
    """ADMIN only: anonymous callers get UNAUTHENTICATED, everyone else FORBIDDEN."""

    message = "仅平台管理员可执行此操作"
    error_extensions = {"code": "FORBIDDEN", "messageEn": "Administrators only"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        actor = info.context.actor
        if actor is None:
            # Read right after returning False, with no await in between: safe on a shared instance.
            self.message, self.error_extensions = "请先登录", {"code": "UNAUTHENTICATED", "messageEn": "Sign in first"}
            return False
        self.message, self.error_extensions = AdminOnly.message, AdminOnly.error_extensions
        return actor.role is Role.ADMIN


@strawberry.type(description="A staff login as ADMIN manages it: the user, and the state of the account.")
class StaffAccount:
    user: User = strawberry.field(description="The login: username, display name, role and scopes.")
    active: bool = strawberry.field(description="False once disabled: no sign-in, every token and socket ended.")
    locked_until: datetime | None = strawberry.field(description="Locked after repeated failed sign-ins until then (UTC); "
                                                                 "a password reset or enabling lifts it.")
    created_at: datetime = strawberry.field(description="When the login was created (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> StaffAccount:
        return cls(user=User.from_row(row), active=bool(row.is_active), locked_until=row.locked_until, created_at=row.created_at)


@strawberry.type(description="One entry of the audit trail: a sign-in, a refusal, a read of unmasked personal data, "
                             "or an administrative change.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the entry.")
    at: datetime = strawberry.field(description="When (UTC).")
    action: str = strawberry.field(description="What, e.g. LOGIN, READ_PERSONAL, USER_CREATED, USER_DISABLED, PASSWORD_RESET, "
                                               "TOKENS_REVOKED, ROLE_CHANGED, TAXONOMY_CHANGED, ROUTING_CHANGED, "
                                               "DEADLINES_CHANGED, HOLIDAY_CHANGED, UNIT_CHANGED.")
    target: str = strawberry.field(description="What it was done to, as Type:id (or a username for sign-ins).")
    detail: str = strawberry.field(description="The change in words (before → after); never a password.")
    client: str = strawberry.field(description="The client address it came from.")
    actor_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> AuditEntry:
        return cls(id=strawberry.ID(to_global_id("AuditEntry", row.id)), at=row.at, action=row.action, target=row.target,
                   detail=row.detail, client=row.client, actor_pk=row.actor_user_id)

    @strawberry.field(description="Who did it; null for an anonymous or unknown sign-in attempt.")
    async def actor(self, info: Info) -> User | None:
        if self.actor_pk is None:
            return None
        row = await info.context.loaders.user.load(self.actor_pk)
        return None if row is None else User.from_row(row)


@strawberry.enum(description="Where a day of the holiday calendar comes from.")
class HolidaySource(Enum):
    TABLE = "TABLE"
    PACKAGE = "PACKAGE"


@strawberry.type(description="A day that is not what its weekday says: a holiday, or a make-up working day (调休上班).")
class HolidayDay:
    day: date = strawberry.field(name="date", description="The local (Asia/Shanghai) date.")
    is_workday: bool = strawberry.field(description="True for a make-up working day, false for a day off.")
    name: str = strawberry.field(description="E.g. 春节, 国庆节, 调休上班.")
    source: HolidaySource = strawberry.field(description="TABLE: ADMIN's entry (wins); PACKAGE: the chinese-calendar "
                                                         "package's data for the years it knows.")


@strawberry.type(description="One year of the holiday calendar (SPEC §5.5).")
class HolidayYear:
    year: int = strawberry.field(description="The year.")
    entered: bool = strawberry.field(description="ADMIN has entered the year's State Council notice: its deadlines are "
                                                 "not estimates.")
    package_knows: bool = strawberry.field(description="The chinese-calendar package has this year's holidays.")
    estimated: bool = strawberry.field(description="Neither entered nor known to the package: working days are a "
                                                   "weekends-only guess and deadlines are marked estimated.")
    days: list[HolidayDay] = strawberry.field(description="Holidays and make-up working days, by date; ADMIN's entries "
                                                          "replace the package's for the same date.")

    @classmethod
    def of(cls, view: YearView) -> HolidayYear:
        return cls(year=view.year, entered=view.entered, package_knows=view.package_knows, estimated=view.estimated,
                   days=[HolidayDay(day=d.day, is_workday=d.is_workday, name=d.name, source=HolidaySource(d.source)) for d in view.days])


AdminUnitKind = strawberry.enum(UnitKind, name="AdminUnitKind",
                                description="Units ADMIN manages: district departments, street sections, partner units.")

_UNIT_TYPE = {UnitKind.DEPARTMENT: "Department", UnitKind.SECTION: "StreetSection", UnitKind.PARTNER: "PartnerUnit"}


@strawberry.type(description="A unit as ADMIN manages it: a district department, a street section or a partner unit.")
class AdminUnit:
    id: strawberry.ID = strawberry.field(description="The unit's own global ID (a Department, StreetSection or PartnerUnit).")
    kind: AdminUnitKind = strawberry.field(description="Which kind of unit.")
    code: str = strawberry.field(description="Stable code, e.g. D01, ST12-03, P007.")
    name: str = strawberry.field(description="Chinese name.")
    name_en: str | None = strawberry.field(description="English name; null for partner units.")
    active: bool = strawberry.field(description="False once retired: kept for history, given no new work.")
    open_work: int = strawberry.field(description="Open assignments (departments, sections) or open co-building task "
                                                  "parts (partners); a unit with open work cannot be retired.")
    partner_kind: PartnerKind | None = strawberry.field(description="Partner units: the kind of member unit.")
    services: str | None = strawberry.field(description="Partner units: what the unit brings to the community.")
    joined_on: date | None = strawberry.field(description="Partner units: when it joined the big party committee.")
    street_pk: strawberry.Private[int | None]
    community_pk: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, kind: UnitKind, row: Any, open_work: int = 0) -> AdminUnit:
        partner = kind is UnitKind.PARTNER
        return cls(
            id=strawberry.ID(to_global_id(_UNIT_TYPE[kind], row.id)), kind=kind, code=row.code, name=row.name,
            name_en=None if partner else row.name_en, active=bool(row.active), open_work=open_work,
            partner_kind=PartnerKind(row.kind) if partner else None, services=row.services if partner else None,
            joined_on=row.joined_on if partner else None,
            street_pk=row.street_id if kind is UnitKind.SECTION else None, community_pk=row.community_id if partner else None,
        )

    @strawberry.field(description="Street sections: their street.")
    async def street(self, info: Info) -> Street | None:
        return None if self.street_pk is None else Street.from_row(await info.context.loaders.street.load(self.street_pk))

    @strawberry.field(description="Partner units: the community whose big party committee they belong to.")
    async def community(self, info: Info) -> Community | None:
        if self.community_pk is None:
            return None
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))
