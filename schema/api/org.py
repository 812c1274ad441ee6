from __future__ import annotations

import strawberry
from sqlalchemy import Select, or_, select

from db.models import Building as BuildingModel
from db.models import Category as CategoryModel
from db.models import Community as CommunityModel
from db.models import Department as DepartmentModel
from db.models import Grid as GridModel
from db.models import PartnerUnit as PartnerUnitModel
from db.models import Resident as ResidentModel
from db.models import Street as StreetModel
from db.models import StreetSection as SectionModel
from db.models import User as UserModel
from resolvers import access
from resolvers.access import PersonalView
from schema.context import Info
from schema.ids import from_global_id
from schema.nodes import resolve_node, whole_type
from schema.pagination import Connection, paginate
from schema.permissions import Admin, OrgReader, ResidentLister, SignedIn
from schema.relations import by_id
from schema.types.node import Node
from schema.types.people import Resident
from schema.types.places import Building, Community, Grid, Street
from schema.types.public import QrBuilding, qr_building
from schema.types.taxonomy import Category
from schema.types.units import Department, PartnerUnit, StreetSection
from schema.types.users import User


@strawberry.input(description="Filter communities.")
class CommunityFilter:
    street_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Part of the Chinese name.")


@strawberry.input(description="Filter grids.")
class GridFilter:
    community_id: strawberry.ID | None = None


@strawberry.input(description="Filter buildings; all given conditions must hold.")
class BuildingFilter:
    street_id: strawberry.ID | None = None
    community_id: strawberry.ID | None = None
    grid_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Part of the name or address.")


@strawberry.input(description="Filter residents (only within your own places).")
class ResidentFilter:
    building_id: strawberry.ID | None = None
    grid_id: strawberry.ID | None = None
    community_id: strawberry.ID | None = None


@strawberry.input(description="Filter street sections.")
class SectionFilter:
    street_id: strawberry.ID | None = None
    active: bool | None = strawberry.field(default=None, description="true: only units in service (what a dispatch may choose); false: only retired ones.")


@strawberry.input(description="Filter partner units.")
class PartnerFilter:
    community_id: strawberry.ID | None = None


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"





@strawberry.type(description="Organisation queries.")
class OrgQuery:
    @strawberry.field(description="The signed-in user, or null when anonymous.")
    async def me(self, info: Info) -> User | None:
        actor = info.context.actor
        if actor is None:
            return None
        return User.build(pk=actor.user_id, username=actor.username, display_name=actor.display_name, role=actor.role.value)

    @strawberry.field(description="Fetch any object by its global ID; null when it does not exist or you may not see it.")
    @by_id(lambda args: from_global_id(args["id"]), whole_type)
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Fetch several objects by global ID, in order (at most 100).")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        from schema.pagination import check_page_args

        check_page_args(len(ids), None)
        return [await resolve_node(info, i) for i in ids]

    @strawberry.field(permission_classes=[OrgReader], description="街道 — the 12 streets.")
    async def streets(self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[Street]:
        t = StreetModel.__table__
        return await paginate(info.context.db, select(t), [t.c.id], Street.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[OrgReader], description="社区 — communities, optionally of one street.")
    async def communities(self, info: Info, filter: CommunityFilter | None = None, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[Community]:
        t = CommunityModel.__table__
        stmt: Select = select(t)
        if filter:
            if (street := _pk(filter.street_id, "Street")) is not None:
                stmt = stmt.where(t.c.street_id == street)
            if filter.search:
                stmt = stmt.where(t.c.name.like(_like(filter.search), escape="\\"))
        return await paginate(info.context.db, stmt, [t.c.id], Community.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[OrgReader], description="网格 — grids, optionally of one community.")
    async def grids(self, info: Info, filter: GridFilter | None = None, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[Grid]:
        t = GridModel.__table__
        stmt: Select = select(t)
        if filter and (community := _pk(filter.community_id, "Community")) is not None:
            stmt = stmt.where(t.c.community_id == community)
        return await paginate(info.context.db, stmt, [t.c.id], Grid.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[OrgReader], description="楼栋 — buildings, filtered by place or text.")
    async def buildings(self, info: Info, filter: BuildingFilter | None = None, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[Building]:
        t = BuildingModel.__table__
        stmt: Select = select(t)
        if filter:
            for column, gid, type_name in (
                (t.c.street_id, filter.street_id, "Street"),
                (t.c.community_id, filter.community_id, "Community"),
                (t.c.grid_id, filter.grid_id, "Grid"),
            ):
                if (pk := _pk(gid, type_name)) is not None:
                    stmt = stmt.where(column == pk)
            if filter.search:
                pattern = _like(filter.search)
                stmt = stmt.where(or_(t.c.name.like(pattern, escape="\\"), t.c.address.like(pattern, escape="\\")))
        return await paginate(info.context.db, stmt, [t.c.id], Building.from_row, first=first, after=after, last=last, before=before)

    # SignedIn first: ResidentLister alone answered an anonymous caller by rewriting its own (shared)
    # message to UNAUTHENTICATED, which every signed-in refusal after it then carried.
    @strawberry.field(permission_classes=[SignedIn, ResidentLister], description="居民 — residents in your own places; masked except for the center (SPEC §3).")
    async def residents(self, info: Info, filter: ResidentFilter | None = None, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[Resident]:
        actor = access.require_actor(info.context.actor)
        r, b = ResidentModel.__table__, BuildingModel.__table__
        stmt: Select = select(r).join(b, b.c.id == r.c.building_id)
        scope = access.scope_filter_for_residents(actor)
        if scope is not None:
            conditions = [b.c[col].in_(ids) for col, ids in scope.items() if ids]
            stmt = stmt.where(or_(*conditions)) if conditions else stmt.where(False)
        if filter:
            for column, gid, type_name in (
                (b.c.id, filter.building_id, "Building"),
                (b.c.grid_id, filter.grid_id, "Grid"),
                (b.c.community_id, filter.community_id, "Community"),
            ):
                if (pk := _pk(gid, type_name)) is not None:
                    stmt = stmt.where(column == pk)
        view = PersonalView.WHOLE if actor.role.value == "CENTER_DISPATCHER" else PersonalView.MASKED
        conn = await paginate(info.context.db, stmt, [r.c.id], lambda row: Resident.build(row, view), first=first, after=after, last=last, before=before)
        await Resident.audit_whole(info, [e.node for e in conn.edges])
        return conn

    @strawberry.field(permission_classes=[OrgReader], description="区直部门 — the district's departments (`active: true`: only those in service, which a dispatch may choose).")
    async def departments(self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None,
                          active: bool | None = None) -> Connection[Department]:
        t = DepartmentModel.__table__
        stmt: Select = select(t) if active is None else select(t).where(t.c.active == active)
        return await paginate(info.context.db, stmt, [t.c.id], Department.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[OrgReader], description="科室 — street sections, optionally of one street.")
    async def street_sections(self, info: Info, filter: SectionFilter | None = None, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[StreetSection]:
        t = SectionModel.__table__
        stmt: Select = select(t)
        if filter and (street := _pk(filter.street_id, "Street")) is not None:
            stmt = stmt.where(t.c.street_id == street)
        if filter and filter.active is not None:
            stmt = stmt.where(t.c.active == filter.active)
        return await paginate(info.context.db, stmt, [t.c.id], StreetSection.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[OrgReader], description="大党委成员单位 — partner units, optionally of one community.")
    async def partner_units(self, info: Info, filter: PartnerFilter | None = None, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[PartnerUnit]:
        t = PartnerUnitModel.__table__
        stmt: Select = select(t)
        if filter and (community := _pk(filter.community_id, "Community")) is not None:
            stmt = stmt.where(t.c.community_id == community)
        return await paginate(info.context.db, stmt, [t.c.id], PartnerUnit.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(permission_classes=[OrgReader], description="The taxonomy: 8 categories with their 33 subcategories, in order.")
    async def categories(self, info: Info) -> list[Category]:
        t = CategoryModel.__table__
        async with info.context.db.read() as conn:
            rows = (await conn.execute(select(t).order_by(t.c.position))).all()
        return [Category.from_row(r) for r in rows]

    @strawberry.field(permission_classes=[SignedIn, Admin], description="Staff logins (ADMIN only).")
    async def users(self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None) -> Connection[User]:
        t = UserModel.__table__
        return await paginate(info.context.db, select(t), [t.c.id], User.from_row, first=first, after=after, last=last, before=before)

    @strawberry.field(description="What a resident's phone shows after scanning a building's QR code: the building "
                                  "and its place, nothing personal. Anonymous; NOT_FOUND for an unknown token; QR_RETIRED (with a message telling the resident to scan the new sticker) for one replaced by rotateBuildingQrToken.")
    async def qr_building(self, info: Info, token: str) -> QrBuilding:
        return await qr_building(info, token)
