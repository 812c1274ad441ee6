"""Places: 街道 street → 社区 community → 网格 grid → 责任田 field → 楼栋 building."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select

from db.models import Building as BuildingModel
from db.models import Community as CommunityModel
from db.models import Grid as GridModel
from db.models import Resident as ResidentModel
from resolvers import access
from schema.context import Info
from schema.ids import to_global_id
from schema.pagination import Connection, paginate
from schema.relations import to_many, to_one
from schema.types.node import Node

if TYPE_CHECKING:
    from schema.types.people import Resident
    from schema.types.units import StreetSection

ResidentT = Annotated["Resident", strawberry.lazy("schema.types.people")]
StreetSectionT = Annotated["StreetSection", strawberry.lazy("schema.types.units")]

PAGE_ARGS_DOC = "Keyset pagination: `first`/`after` forward, `last`/`before` backward; at most 100."


@strawberry.type(description="街道 — one of the district's 12 streets (e呼应 sub-centres).")
class Street(Node):
    code: str = strawberry.field(description="Stable code, e.g. ST12.")
    name: str = strawberry.field(description="Chinese name, e.g. 幸福街道.")
    name_en: str = strawberry.field(description="English name.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Street:
        return cls(id=strawberry.ID(to_global_id("Street", row.id)), pk=row.id, code=row.code, name=row.name, name_en=row.name_en)

    @strawberry.field(description="Communities of this street. " + PAGE_ARGS_DOC)
    @to_many(CommunityModel.__table__, "street_id", lambda self: self.pk, lambda: Community)
    async def communities(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[Community]: ...

    @strawberry.field(description="科室 — the street's sections.")
    async def sections(self, info: Info) -> list[StreetSectionT]:
        from schema.types.units import StreetSection

        rows = await info.context.loaders.sections_of_street.load(self.pk)
        return [StreetSection.from_row(r) for r in rows]


@strawberry.type(description="社区 — one of the 150 communities (e呼应 workstations).")
class Community(Node):
    code: str
    name: str = strawberry.field(description="Chinese name, e.g. 福泰社区.")
    name_en: str
    pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Community:
        return cls(
            id=strawberry.ID(to_global_id("Community", row.id)), pk=row.id, street_pk=row.street_id,
            code=row.code, name=row.name, name_en=row.name_en,
        )

    @strawberry.field(description="The street this community belongs to.")
    @to_one("street", lambda self: self.street_pk, lambda row: Street.from_row(row))
    async def street(self, info: Info) -> Street: ...

    @strawberry.field(description="Grids of this community. " + PAGE_ARGS_DOC)
    @to_many(GridModel.__table__, "community_id", lambda self: self.pk, lambda: Grid)
    async def grids(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[Grid]: ...


@strawberry.type(description="网格 — a grid of 300–400 households with one or two grid workers.")
class Grid(Node):
    code: str
    name: str
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Grid:
        return cls(
            id=strawberry.ID(to_global_id("Grid", row.id)), pk=row.id, community_pk=row.community_id,
            code=row.code, name=row.name,
        )

    @strawberry.field(description="The community this grid belongs to.")
    @to_one("community", lambda self: self.community_pk, lambda row: Community.from_row(row))
    async def community(self, info: Info) -> Community: ...

    @strawberry.field(description="责任田 — responsibility fields inside this grid.")
    async def fields(self, info: Info) -> list[ResponsibilityField]:
        return [ResponsibilityField.from_row(r) for r in await info.context.loaders.fields_of_grid.load(self.pk)]

    @strawberry.field(description="Buildings of this grid. " + PAGE_ARGS_DOC)
    @to_many(BuildingModel.__table__, "grid_id", lambda self: self.pk, lambda: Building)
    async def buildings(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[Building]: ...


@strawberry.type(description="责任田 — a sub-grid area led by a field head (田长).")
class ResponsibilityField(Node):
    code: str
    name: str
    pk: strawberry.Private[int]
    grid_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> ResponsibilityField:
        return cls(id=strawberry.ID(to_global_id("ResponsibilityField", row.id)), pk=row.id, grid_pk=row.grid_id, code=row.code, name=row.name)

    @strawberry.field(description="The grid this field lies in.")
    async def grid(self, info: Info) -> Grid:
        return Grid.from_row(await info.context.loaders.grid.load(self.grid_pk))


@strawberry.type(description="楼栋 — a building; its QR code (民情二维码) lets anyone report a request located here.")
class Building(Node):
    code: str
    name: str = strawberry.field(description="e.g. 3号楼.")
    address: str = strawberry.field(description="Street address without room numbers.")
    households: int = strawberry.field(description="Number of households.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Building:
        return cls(
            id=strawberry.ID(to_global_id("Building", row.id)), row=row,
            code=row.code, name=row.name, address=row.address, households=row.households,
        )

    @strawberry.field(description="The grid this building belongs to.")
    async def grid(self, info: Info) -> Grid:
        return Grid.from_row(await info.context.loaders.grid.load(self.row.grid_id))

    @strawberry.field(description="The community (derived from the grid).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))

    @strawberry.field(description="The street (derived from the community).")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.loaders.street.load(self.row.street_id))

    @strawberry.field(description="The responsibility field, where the grid is divided into fields.")
    async def field(self, info: Info) -> ResponsibilityField | None:
        if self.row.field_id is None:
            return None
        return ResponsibilityField.from_row(await info.context.loaders.field.load(self.row.field_id))

    @strawberry.field(
        description="The token behind this building's QR sticker. Only for those who print or hand "
        "out stickers in their own places (admin, center, street, community, grid worker, the building's leader); "
        "FORBIDDEN for others."
    )
    def qr_token(self, info: Info) -> str | None:
        if not access.can_see_qr_token(info.context.actor, self.row):
            from resolvers.errors import Forbidden

            raise Forbidden("无权查看该楼栋二维码", "You may not see this building's QR token")
        return self.row.qr_token

    @strawberry.field(description="楼长 — the building leader, masked unless you are the center (SPEC §3).")
    async def leader(self, info: Info) -> ResidentT | None:
        from schema.types.people import Resident

        view = access.resident_view(info.context.actor, self.row)
        rows = await info.context.loaders.leader_of_building.load(self.row.id)
        if not rows:
            return None
        return await Resident.present(info, rows[0], view)

    @strawberry.field(description="Residents registered in this building, masked per SPEC §3. " + PAGE_ARGS_DOC)
    async def residents(
        self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None
    ) -> Connection[ResidentT]:
        from schema.types.people import Resident

        view = access.resident_view(info.context.actor, self.row)
        t = ResidentModel.__table__
        conn = await paginate(
            info.context.db, select(t).where(t.c.building_id == self.row.id), [t.c.id],
            lambda r: Resident.build(r, view), first=first, after=after, last=last, before=before,
        )
        await Resident.audit_whole(info, [e.node for e in conn.edges])
        return conn
