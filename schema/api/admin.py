"""Administration — ADMIN only (others FORBIDDEN, anonymous UNAUTHENTICATED): staff accounts, the
taxonomy with its routing table and default deadlines, the holiday table, units, and the audit
log. Each mutation is one unit of work that writes its audit entry (resolvers/admin/); a change
that ends a user's sessions also closes their open sockets (schema/ws.py: `access_changed`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy import Select, or_, select

from db.models import Department as DepartmentModel
from db.models import PartnerUnit as PartnerUnitModel
from db.models import StreetSection as SectionModel
from db.models import User as UserModel
from resolvers.admin import accounts, holidays, taxonomy, units
from resolvers.admin.audit_log import T as AUDIT, audit_query
from resolvers.admin.common import require_admin
from resolvers.admin.credentials import check_username, new_password
from resolvers.admin.units import UnitKind
from resolvers.errors import BadUserInput, NotFound
from resolvers.roles import ScopeKind as ScopeKindEnum
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.types.admin import AdminOnly, AdminUnit, AdminUnitKind, AuditEntry, HolidayYear, StaffAccount
from schema.types.taxonomy import Category, Subcategory
from schema.types.units import PartnerKind
from schema.types.users import _SCOPE_TYPES, Role, ScopeKind
from schema.ws import access_changed

ADMIN = [AdminOnly]
_UNIT_BY_TYPE = {"Department": UnitKind.DEPARTMENT, "StreetSection": UnitKind.SECTION, "PartnerUnit": UnitKind.PARTNER}
_UNIT_TABLES = {UnitKind.DEPARTMENT: DepartmentModel.__table__, UnitKind.SECTION: SectionModel.__table__,
                UnitKind.PARTNER: PartnerUnitModel.__table__}


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


def _unit_ref(gid: strawberry.ID) -> tuple[UnitKind, int]:
    type_name, pk = from_global_id(gid)
    kind = _UNIT_BY_TYPE.get(type_name)
    if kind is None:
        raise BadUserInput("ID 须为区直部门、街道科室或共建单位", "The ID must be a Department, StreetSection or PartnerUnit", field="id")
    return kind, pk


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -- inputs ---------------------------------------------------------------------------------------

@strawberry.input(description="A place or unit a user acts in.")
class ScopeInput:
    kind: ScopeKind = strawberry.field(description="Which kind; must be one the role may hold.")
    ref_id: strawberry.ID = strawberry.field(description="Global ID of the place or unit (a Grid for GRID, a Department for DEPARTMENT…).")


def _scopes(items: list[ScopeInput] | None) -> list[tuple[ScopeKindEnum, int]]:
    return [(ScopeKindEnum(s.kind.value), from_global_id(s.ref_id, _SCOPE_TYPES[s.kind.value][0])[1]) for s in items or []]


@strawberry.input(description="Filter staff accounts; all given conditions must hold.")
class StaffAccountFilter:
    search: str | None = strawberry.field(default=None, description="Part of the username or display name.")
    role: Role | None = strawberry.field(default=None, description="Only this role.")
    active: bool | None = strawberry.field(default=None, description="Only active (true) or disabled (false) accounts.")
    scope: ScopeInput | None = strawberry.field(default=None, description="Only users holding this place or unit.")


@strawberry.input(description="A new staff login.")
class CreateUserInput:
    username: str = strawberry.field(description="3–32 lower-case letters, digits, '.', '_' or '-', starting with a letter; unique.")
    display_name: str = strawberry.field(description="Shown to colleagues, e.g. 福泰社区工作站 or a person's name.")
    role: Role = strawberry.field(description="What kind of work.")
    scopes: list[ScopeInput] = strawberry.field(default_factory=list, description=(
        "Where: kinds allowed for the role (STREET_OFFICER: STREET or SECTION; GRID_WORKER: one or two GRIDs; …); "
        "none for district-wide roles, at least one for the others."))
    password: str | None = strawberry.field(default=None, description=(
        "8–128 characters mixing at least two of letters, digits, symbols. Omit it to have a temporary password made "
        "and returned once in the payload; the user must then change it at first sign-in (mustChangePassword)."))


@strawberry.input(description="Which user.")
class UserRefInput:
    user_id: strawberry.ID = strawberry.field(description="Global ID of the User.")


@strawberry.input(description="Disable a user.")
class DisableUserInput:
    user_id: strawberry.ID = strawberry.field(description="Global ID of the User.")
    reason: str | None = strawberry.field(default=None, description="Why (kept in the audit log), up to 200 characters.")


@strawberry.input(description="A user's new display name.")
class RenameUserInput:
    user_id: strawberry.ID = strawberry.field(description="Global ID of the User.")
    display_name: str = strawberry.field(description="Up to 64 characters.")


@strawberry.input(description="Reset a user's password.")
class ResetUserPasswordInput:
    user_id: strawberry.ID = strawberry.field(description="Global ID of the User.")
    new_password: str | None = strawberry.field(default=None, description=(
        "The new password (same rules as for a new user). Omit it to have a temporary password made and returned once; "
        "the user must then change it at first sign-in (mustChangePassword)."))


@strawberry.input(description="A user's new role and scopes (the scopes replace the old ones).")
class ChangeUserRoleInput:
    user_id: strawberry.ID = strawberry.field(description="Global ID of the User.")
    role: Role = strawberry.field(description="The role from now on (may be the same, to change only the scopes).")
    scopes: list[ScopeInput] = strawberry.field(default_factory=list, description="All the user's scopes from now on.")


@strawberry.input(description="Default deadlines of a subcategory (SPEC §5.5).")
class DeadlinePolicyInput:
    triage_minutes: int = strawberry.field(description="Center triage within these minutes (5–1440).")
    major_response_hours: int = strawberry.field(description="MAJOR: accept or dispute within these clock hours (1–168).")
    major_resolve_working_days: int = strawberry.field(description="MAJOR: resolve within these working days (1–60).")
    minor_a_hours: int = strawberry.field(description="MINOR tier A: done within these clock hours (1–168).")
    minor_c_progress_days: int = strawberry.field(description="MINOR tier C: a progress report at least every N days (1–30).")
    private_response_hours: int = strawberry.field(description="PRIVATE: respond within these clock hours (1–336).")

    def policy(self) -> taxonomy.PolicyInput:
        return taxonomy.PolicyInput(
            triage_minutes=self.triage_minutes, major_response_hours=self.major_response_hours,
            major_resolve_working_days=self.major_resolve_working_days, minor_a_hours=self.minor_a_hours,
            minor_c_progress_days=self.minor_c_progress_days, private_response_hours=self.private_response_hours)


@strawberry.input(description="A new category (大类).")
class CreateCategoryInput:
    code: str = strawberry.field(description="Stable code: upper-case letters, digits, _ or -, up to 32.")
    name: str = strawberry.field(description="Chinese name, up to 32 characters.")
    name_en: str = strawberry.field(description="English name, up to 64 characters.")


@strawberry.input(description="New names of a category; omitted fields stay.")
class UpdateCategoryInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the Category.")
    name: str | None = strawberry.field(default=None, description="Chinese name.")
    name_en: str | None = strawberry.field(default=None, description="English name.")


@strawberry.input(description="A new subcategory (小类).")
class CreateSubcategoryInput:
    category_id: strawberry.ID = strawberry.field(description="Global ID of its Category.")
    code: str = strawberry.field(description="Stable code: upper-case letters, digits, _ or -, up to 48.")
    name: str = strawberry.field(description="Chinese name, up to 32 characters.")
    name_en: str = strawberry.field(description="English name, up to 64 characters.")
    keywords: list[str] = strawberry.field(default_factory=list, description="Words that suggest it (each up to 16 characters, no spaces; at most 40).")
    default_department_id: strawberry.ID | None = strawberry.field(default=None, description="Routing table: an active Department, or none.")
    deadlines: DeadlinePolicyInput | None = strawberry.field(default=None, description="Default deadlines; omitted: the SPEC's defaults.")


@strawberry.input(description="New names or keywords of a subcategory; omitted fields stay.")
class UpdateSubcategoryInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the Subcategory.")
    name: str | None = strawberry.field(default=None, description="Chinese name.")
    name_en: str | None = strawberry.field(default=None, description="English name.")
    keywords: list[str] | None = strawberry.field(default=None, description="All keywords from now on (replacing the old ones).")


@strawberry.input(description="A routing-table entry.")
class SetRoutingInput:
    subcategory_id: strawberry.ID = strawberry.field(description="Global ID of the Subcategory.")
    department_id: strawberry.ID | None = strawberry.field(default=None, description="An active Department; null for no default.")


@strawberry.input(description="A subcategory's default deadlines.")
class SetDeadlinesInput:
    subcategory_id: strawberry.ID = strawberry.field(description="Global ID of the Subcategory.")
    deadlines: DeadlinePolicyInput = strawberry.field(description="All six figures.")


@strawberry.input(description="One day of the holiday table.")
class HolidayDayInput:
    day: date = strawberry.field(name="date", description="The local date, 2000–2100.")
    is_workday: bool = strawberry.field(description="True for a make-up working day (调休上班), false for a day off.")
    name: str | None = strawberry.field(default=None, description="The holiday's name (required for a day off), e.g. 春节.")


@strawberry.input(description="Which day of the holiday table.")
class RemoveHolidayInput:
    day: date = strawberry.field(name="date", description="The local date whose entry to remove.")


@strawberry.input(description="Whether a year's notice is completely entered.")
class MarkHolidayYearInput:
    year: int = strawberry.field(description="2000–2100.")
    entered: bool = strawberry.field(description="True: the year's deadlines are no longer estimates.")


@strawberry.input(description="A year's State Council notice, entered at once.")
class EnterHolidayYearInput:
    year: int = strawberry.field(description="2000–2100.")
    days: list[HolidayDayInput] = strawberry.field(description="Every holiday and make-up working day of the year (replaces the year's entries).")


@strawberry.input(description="Filter units.")
class AdminUnitFilter:
    search: str | None = strawberry.field(default=None, description="Part of the name or code.")
    active: bool | None = strawberry.field(default=None, description="Only active (true) or retired (false) units.")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="Street sections of this Street.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="Partner units of this Community.")


@strawberry.input(description=(
    "A new unit. DEPARTMENT: name and nameEn. SECTION: also streetId. PARTNER: communityId and partnerKind, optional "
    "services and joinedOn (partner units have no English name; their code is made for them)."))
class CreateUnitInput:
    kind: AdminUnitKind = strawberry.field(description="Which kind of unit.")
    name: str = strawberry.field(description="Chinese name (a department's is unique; a section's unique in its street).")
    name_en: str | None = strawberry.field(default=None, description="English name (departments and sections).")
    code: str | None = strawberry.field(default=None, description="Departments and sections: a code of your own; omitted: the next free one (D65, ST03-13).")
    street_id: strawberry.ID | None = strawberry.field(default=None, description="SECTION: its Street.")
    community_id: strawberry.ID | None = strawberry.field(default=None, description="PARTNER: its Community.")
    partner_kind: PartnerKind | None = strawberry.field(default=None, description="PARTNER: the kind of member unit.")
    services: str | None = strawberry.field(default=None, description="PARTNER: what it brings to the community.")
    joined_on: date | None = strawberry.field(default=None, description="PARTNER: when it joined (default today).")


@strawberry.input(description="A unit's new name.")
class RenameUnitInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the Department, StreetSection or PartnerUnit.")
    name: str = strawberry.field(description="Chinese name.")
    name_en: str | None = strawberry.field(default=None, description="English name (not for partner units); omitted: unchanged.")


@strawberry.input(description="Retire a unit or bring it back.")
class SetUnitActiveInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the Department, StreetSection or PartnerUnit.")
    active: bool = strawberry.field(description="False retires it: refused while it has open work (CONFLICT).")
    reason: str | None = strawberry.field(default=None, description="Why (kept in the audit log).")


# -- payloads -------------------------------------------------------------------------------------

@strawberry.type(description="A staff account after a change.")
class StaffAccountPayload:
    account: StaffAccount = strawberry.field(description="The account as it is now.")
    temporary_password: str | None = strawberry.field(default=None, description=(
        "The temporary password made for it, shown only here and only this once (stored as a hash): pass it on to the "
        "user. Null when ADMIN chose the password or none was set."))


@strawberry.type(description="A category after a change.")
class CategoryPayload:
    category: Category = strawberry.field(description="The category as it is now.")


@strawberry.type(description="A subcategory after a change.")
class SubcategoryPayload:
    subcategory: Subcategory = strawberry.field(description="The subcategory as it is now.")


@strawberry.type(description="The year of the holiday table that was changed.")
class HolidayYearPayload:
    holiday_year: HolidayYear = strawberry.field(description="The year as it is now.")


@strawberry.type(description="A unit after a change.")
class AdminUnitPayload:
    unit: AdminUnit = strawberry.field(description="The unit as it is now.")


# -- queries --------------------------------------------------------------------------------------

PAGE = "Keyset pagination: `first`/`after` forward, `last`/`before` backward; at most 100."


@strawberry.type(description="Administration queries (ADMIN only).")
class AdminQuery:
    @strawberry.field(permission_classes=ADMIN, description=(
        "账号 — staff logins with their account state, by id, filtered (ADMIN only). `users` lists the same logins "
        "without filters or account state. " + PAGE))
    async def staff_accounts(self, info: Info, filter: StaffAccountFilter | None = None, first: int | None = None,
                             after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[StaffAccount]:
        f = filter or StaffAccountFilter()
        scope = _scopes([f.scope])[0] if f.scope is not None else None
        stmt = accounts.accounts_query(info.context.actor, search=f.search, role=f.role, active=f.active, scope=scope)
        t = UserModel.__table__
        return await paginate(info.context.db, stmt, [t.c.id], StaffAccount.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=ADMIN, description="One staff account (ADMIN only); null when there is no such user.")
    async def staff_account(self, info: Info, id: strawberry.ID) -> StaffAccount | None:
        require_admin(info.context.actor)
        t = UserModel.__table__
        async with info.context.db.read() as conn:
            row = (await conn.execute(select(t).where(t.c.id == from_global_id(id, "User")[1]))).first()
        return None if row is None else StaffAccount.from_row(row)

    @strawberry.field(permission_classes=ADMIN, description=(
        "审计日志 — the audit trail, newest first (ADMIN only): sign-ins, refusals, reads of unmasked personal data and "
        "every administrative change. `action` filters by action (e.g. USER_DISABLED), `actorId` by the User who acted. " + PAGE))
    async def audit_log(self, info: Info, action: str | None = None, actor_id: strawberry.ID | None = None,
                        first: int | None = None, after: str | None = None, last: int | None = None,
                        before: str | None = None) -> Connection[AuditEntry]:
        stmt = audit_query(info.context.actor, action=action, actor_user_id=_pk(actor_id, "User"))
        return await paginate(info.context.db, stmt, [AUDIT.c.id], AuditEntry.from_row, first=first, after=after,
                              last=last, before=before, descending=True)

    @strawberry.field(permission_classes=ADMIN, description=(
        "节假日 — one year of the holiday calendar (ADMIN only): the days off and make-up working days from ADMIN's "
        "table and the chinese-calendar package, and whether the year is entered. Years 2000–2100."))
    async def holiday_year(self, info: Info, year: int) -> HolidayYear:
        async with info.context.db.read() as conn:
            return HolidayYear.of(await holidays.year_view(conn, info.context.actor, year))

    @strawberry.field(permission_classes=ADMIN, description=(
        "单位 — departments, street sections or partner units with their state and open work (ADMIN only). " + PAGE))
    async def admin_units(self, info: Info, kind: AdminUnitKind, filter: AdminUnitFilter | None = None, first: int | None = None,
                          after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[AdminUnit]:
        require_admin(info.context.actor)
        kind = UnitKind(kind.value)
        t = _UNIT_TABLES[kind]
        stmt: Select = select(t)
        if filter is not None:
            if filter.search and filter.search.strip():
                pattern = _like(filter.search.strip()[:64])
                stmt = stmt.where(or_(t.c.name.like(pattern, escape="\\"), t.c.code.like(pattern, escape="\\")))
            if filter.active is not None:
                stmt = stmt.where(t.c.active.is_(filter.active))
            if (street := _pk(filter.street_id, "Street")) is not None:
                if kind is not UnitKind.SECTION:
                    raise BadUserInput("streetId 仅用于街道科室", "streetId filters street sections only", field="streetId")
                stmt = stmt.where(t.c.street_id == street)
            if (community := _pk(filter.community_id, "Community")) is not None:
                if kind is not UnitKind.PARTNER:
                    raise BadUserInput("communityId 仅用于共建单位", "communityId filters partner units only", field="communityId")
                stmt = stmt.where(t.c.community_id == community)
        page = await paginate(info.context.db, stmt, [t.c.id], lambda row: row, first=first, after=after, last=last, before=before)
        async with info.context.db.read() as conn:
            busy = await units.open_work(conn, kind, [e.node.id for e in page.edges])
        for edge in page.edges:
            edge.node = AdminUnit.from_row(kind, edge.node, busy.get(edge.node.id, 0))
        return page  # type: ignore[return-value]


# -- mutations ------------------------------------------------------------------------------------

def _account(user: UserModel, temporary: str | None = None) -> StaffAccountPayload:
    return StaffAccountPayload(account=StaffAccount.from_row(user), temporary_password=temporary)


async def _username(info: Info, user_id: int) -> str:
    t = UserModel.__table__
    async with info.context.db.read() as conn:
        name = (await conn.execute(select(t.c.username).where(t.c.id == user_id))).scalar()
    if name is None:
        raise NotFound("账号不存在", "No such user", field="userId")
    return name


async def _holiday_year(info: Info, year: int) -> HolidayYearPayload:
    async with info.context.db.read() as conn:
        return HolidayYearPayload(holiday_year=HolidayYear.of(await holidays.year_view(conn, info.context.actor, year)))


async def _unit_payload(info: Info, kind: UnitKind, unit: Any) -> AdminUnitPayload:
    async with info.context.db.read() as conn:
        busy = await units.open_work(conn, kind, [unit.id])
    return AdminUnitPayload(unit=AdminUnit.from_row(kind, unit, busy[unit.id]))


@strawberry.type(description="Administration mutations (ADMIN only; each audited).")
class AdminMutation:
    # -- accounts

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Create a staff login (USER_CREATED). Username taken: CONFLICT; a bad username, password, role or scope: "
        "BAD_USER_INPUT; a place or unit that does not exist: NOT_FOUND. Without `password` a temporary one is made "
        "and returned once in `temporaryPassword`."))
    async def create_user(self, info: Info, input: CreateUserInput) -> StaffAccountPayload:
        require_admin(info.context.actor)  # before hashing: nobody else may make the server hash
        secret = await new_password(input.password, check_username(input.username))
        async with write_unit(info.context) as session:
            user = await accounts.create_user(session, info.context.actor, username=input.username, display_name=input.display_name,
                                              role=input.role, scopes=_scopes(input.scopes), password=secret)
        return _account(user, secret.temporary)

    @strawberry.mutation(permission_classes=ADMIN, description="Change a user's display name (USER_RENAMED).")
    async def rename_user(self, info: Info, input: RenameUserInput) -> StaffAccountPayload:
        async with write_unit(info.context) as session:
            user = await accounts.rename_user(session, info.context.actor, from_global_id(input.user_id, "User")[1],
                                              display_name=input.display_name)
        return _account(user)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Disable a user (USER_DISABLED): no more sign-ins; every token stops at once and open WebSockets are closed "
        "with 4403 within seconds, on every app process. The last active ADMIN cannot be disabled: CONFLICT."))
    async def disable_user(self, info: Info, input: DisableUserInput) -> StaffAccountPayload:
        async with write_unit(info.context) as session:
            user = await accounts.set_active(session, info.context.actor, from_global_id(input.user_id, "User")[1], active=False,
                                             reason=input.reason or "")
        await access_changed(info.context)
        return _account(user)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Enable a disabled user again (USER_ENABLED), lifting any lockout. Tokens from before the disabling stay dead: "
        "the user signs in again."))
    async def enable_user(self, info: Info, input: UserRefInput) -> StaffAccountPayload:
        async with write_unit(info.context) as session:
            user = await accounts.set_active(session, info.context.actor, from_global_id(input.user_id, "User")[1], active=True)
        return _account(user)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Reset a user's password (PASSWORD_RESET): sets `newPassword`, or makes a temporary one returned once in "
        "`temporaryPassword`. Lifts a lockout and ends every session of the user (tokens and sockets)."))
    async def reset_user_password(self, info: Info, input: ResetUserPasswordInput) -> StaffAccountPayload:
        require_admin(info.context.actor)
        user_id = from_global_id(input.user_id, "User")[1]
        secret = await new_password(input.new_password, await _username(info, user_id))
        async with write_unit(info.context) as session:
            user = await accounts.reset_password(session, info.context.actor, user_id, password=secret)
        await access_changed(info.context)
        return _account(user, secret.temporary)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Sign a user out everywhere (TOKENS_REVOKED): every token issued so far stops working at once and open "
        "WebSockets are closed with 4403; the password stays."))
    async def revoke_user_tokens(self, info: Info, input: UserRefInput) -> StaffAccountPayload:
        async with write_unit(info.context) as session:
            user = await accounts.revoke_tokens(session, info.context.actor, from_global_id(input.user_id, "User")[1])
        await access_changed(info.context)
        return _account(user)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Give a user a role and scopes (ROLE_CHANGED), replacing the old scopes. The user's sessions end (they sign in "
        "again under the new role). Taking ADMIN from the last active ADMIN: CONFLICT."))
    async def change_user_role(self, info: Info, input: ChangeUserRoleInput) -> StaffAccountPayload:
        async with write_unit(info.context) as session:
            user = await accounts.change_role(session, info.context.actor, from_global_id(input.user_id, "User")[1],
                                              role=input.role, scopes=_scopes(input.scopes))
        await access_changed(info.context)
        return _account(user)

    # -- taxonomy, routing, deadlines

    @strawberry.mutation(permission_classes=ADMIN, description="Add a category at the end (TAXONOMY_CHANGED). Code taken: CONFLICT.")
    async def create_category(self, info: Info, input: CreateCategoryInput) -> CategoryPayload:
        async with write_unit(info.context) as session:
            row = await taxonomy.create_category(session, info.context.actor, code=input.code, name=input.name, name_en=input.name_en)
        return CategoryPayload(category=Category.from_row(row))

    @strawberry.mutation(permission_classes=ADMIN, description="Rename a category (TAXONOMY_CHANGED); its code never changes.")
    async def update_category(self, info: Info, input: UpdateCategoryInput) -> CategoryPayload:
        async with write_unit(info.context) as session:
            row = await taxonomy.update_category(session, info.context.actor, from_global_id(input.id, "Category")[1],
                                                 name=input.name, name_en=input.name_en)
        return CategoryPayload(category=Category.from_row(row))

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Add a subcategory at the end of its category (TAXONOMY_CHANGED), with keywords, routing and deadlines."))
    async def create_subcategory(self, info: Info, input: CreateSubcategoryInput) -> SubcategoryPayload:
        async with write_unit(info.context) as session:
            row = await taxonomy.create_subcategory(
                session, info.context.actor, category_id=from_global_id(input.category_id, "Category")[1], code=input.code,
                name=input.name, name_en=input.name_en, keywords=input.keywords,
                department_id=_pk(input.default_department_id, "Department"),
                policy=input.deadlines.policy() if input.deadlines is not None else None)
        return SubcategoryPayload(subcategory=Subcategory.from_row(row))

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Rename a subcategory or replace its keywords (TAXONOMY_CHANGED). New keywords suggest subcategories for requests "
        "submitted afterwards."))
    async def update_subcategory(self, info: Info, input: UpdateSubcategoryInput) -> SubcategoryPayload:
        async with write_unit(info.context) as session:
            row = await taxonomy.update_subcategory(session, info.context.actor, from_global_id(input.id, "Subcategory")[1],
                                                    name=input.name, name_en=input.name_en, keywords=input.keywords)
        return SubcategoryPayload(subcategory=Subcategory.from_row(row))

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Routing table: the default department of a subcategory (ROUTING_CHANGED). Applies to what is suggested and "
        "dispatched from now on; requests already dispatched keep their units."))
    async def set_subcategory_routing(self, info: Info, input: SetRoutingInput) -> SubcategoryPayload:
        async with write_unit(info.context) as session:
            row = await taxonomy.set_routing(session, info.context.actor, from_global_id(input.subcategory_id, "Subcategory")[1],
                                             department_id=_pk(input.department_id, "Department"))
        return SubcategoryPayload(subcategory=Subcategory.from_row(row))

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Default deadlines of a subcategory (DEADLINES_CHANGED). Used for requests triaged or dispatched from now on; "
        "deadlines already set are never recomputed."))
    async def set_subcategory_deadlines(self, info: Info, input: SetDeadlinesInput) -> SubcategoryPayload:
        async with write_unit(info.context) as session:
            row = await taxonomy.set_deadlines(session, info.context.actor, from_global_id(input.subcategory_id, "Subcategory")[1],
                                               policy=input.deadlines.policy())
        return SubcategoryPayload(subcategory=Subcategory.from_row(row))

    # -- holidays

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Enter one day in the holiday table (HOLIDAY_CHANGED): a day off with its name, or a make-up working day "
        "(only where the day would otherwise be off). More than 14 days off in a row: BAD_USER_INPUT."))
    async def set_holiday(self, info: Info, input: HolidayDayInput) -> HolidayYearPayload:
        async with write_unit(info.context) as session:
            await holidays.set_day(session, info.context.actor, day=input.day, is_workday=input.is_workday, name=input.name or "")
        return await _holiday_year(info, input.day.year)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Remove a day's entry from the holiday table (HOLIDAY_CHANGED); the package or the weekday decides it again. "
        "No entry: NOT_FOUND."))
    async def remove_holiday(self, info: Info, input: RemoveHolidayInput) -> HolidayYearPayload:
        async with write_unit(info.context) as session:
            await holidays.remove_day(session, info.context.actor, day=input.day)
        return await _holiday_year(info, input.day.year)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Mark a year's notice as completely entered, or not (HOLIDAY_CHANGED). Deadlines in an entered year are not "
        "estimates."))
    async def mark_holiday_year(self, info: Info, input: MarkHolidayYearInput) -> HolidayYearPayload:
        async with write_unit(info.context) as session:
            await holidays.mark_year(session, info.context.actor, year=input.year, entered=input.entered)
        return await _holiday_year(info, input.year)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Enter a year's State Council notice at once (HOLIDAY_CHANGED): replaces the year's entries with `days` and "
        "marks the year entered."))
    async def enter_holiday_year(self, info: Info, input: EnterHolidayYearInput) -> HolidayYearPayload:
        async with write_unit(info.context) as session:
            await holidays.enter_year(session, info.context.actor, year=input.year,
                                      days=[(d.day, d.is_workday, d.name or "") for d in input.days])
        return await _holiday_year(info, input.year)

    # -- units

    @strawberry.mutation(permission_classes=ADMIN, description="Create a department, street section or partner unit (UNIT_CHANGED).")
    async def create_unit(self, info: Info, input: CreateUnitInput) -> AdminUnitPayload:
        kind = UnitKind(input.kind.value)
        async with write_unit(info.context) as session:
            if kind is UnitKind.DEPARTMENT:
                unit = await units.create_department(session, info.context.actor, name=input.name, name_en=input.name_en or "",
                                                     code=input.code)
            elif kind is UnitKind.SECTION:
                if input.street_id is None:
                    raise BadUserInput("请选择所属街道", "streetId is required for a street section", field="streetId")
                unit = await units.create_section(session, info.context.actor, street_id=from_global_id(input.street_id, "Street")[1],
                                                  name=input.name, name_en=input.name_en or "", code=input.code)
            else:
                if input.community_id is None or input.partner_kind is None:
                    field = "communityId" if input.community_id is None else "partnerKind"
                    raise BadUserInput("共建单位须指定所属社区和类别", f"{field} is required for a partner unit", field=field)
                unit = await units.create_partner(session, info.context.actor,
                                                  community_id=from_global_id(input.community_id, "Community")[1], name=input.name,
                                                  kind=input.partner_kind.value, services=input.services or "", joined_on=input.joined_on)
        return await _unit_payload(info, kind, unit)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Rename a unit (UNIT_CHANGED); assignments already made keep the name they were made under."))
    async def rename_unit(self, info: Info, input: RenameUnitInput) -> AdminUnitPayload:
        kind, pk = _unit_ref(input.id)
        async with write_unit(info.context) as session:
            unit = await units.rename(session, info.context.actor, kind, pk, name=input.name, name_en=input.name_en)
        return await _unit_payload(info, kind, unit)

    @strawberry.mutation(permission_classes=ADMIN, description=(
        "Retire a unit or bring it back (UNIT_CHANGED). A retired unit is kept for history and gets no new work. "
        "Refused with CONFLICT while it has open assignments or task parts, or (departments) while the routing table "
        "points to it."))
    async def set_unit_active(self, info: Info, input: SetUnitActiveInput) -> AdminUnitPayload:
        kind, pk = _unit_ref(input.id)
        async with write_unit(info.context) as session:
            unit = await units.set_active(session, info.context.actor, kind, pk, active=input.active, reason=input.reason or "")
        return await _unit_payload(info, kind, unit)
