"""Units that handle requests: district departments, street sections, partner units."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from enum import Enum

import strawberry

from schema.context import Info
from schema.ids import to_global_id
from schema.types.node import Node
from schema.types.places import Community, Street

if TYPE_CHECKING:
    from schema.types.partners import PartnerContact


@strawberry.type(description="区直部门 — one of the district's 64 departments.")
class Department(Node):
    code: str
    name: str = strawberry.field(description="Chinese name, e.g. 区城市管理局.")
    name_en: str
    active: bool = strawberry.field(description="False once retired by an admin: kept for history, takes no new dispatches.")
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Department:
        return cls(id=strawberry.ID(to_global_id("Department", row.id)), pk=row.id, code=row.code, name=row.name, name_en=row.name_en,
                   active=bool(getattr(row, "active", True)))


@strawberry.type(description="科室 — a section of a street office; can lead a MAJOR request.")
class StreetSection(Node):
    code: str
    name: str
    name_en: str
    active: bool = strawberry.field(description="False once retired by an admin: kept for history, takes no new dispatches.")
    pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> StreetSection:
        return cls(
            id=strawberry.ID(to_global_id("StreetSection", row.id)), pk=row.id, street_pk=row.street_id,
            code=row.code, name=row.name, name_en=row.name_en, active=bool(getattr(row, "active", True)),
        )

    @strawberry.field(description="The street this section belongs to.")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.loaders.street.load(self.street_pk))


@strawberry.enum(description="Kind of a big-party-committee member unit.")
class PartnerKind(Enum):
    STATIONED_UNIT = "STATIONED_UNIT"
    ENTERPRISE = "ENTERPRISE"
    TWO_NEW = "TWO_NEW"
    PROPERTY_COMPANY = "PROPERTY_COMPANY"


@strawberry.type(description="大党委成员单位 — a member unit of a community's big party committee.")
class PartnerUnit(Node):
    code: str
    name: str
    kind: PartnerKind
    services: str = strawberry.field(description="What the unit brings to the community, in its own words.")
    joined_on: date | None = strawberry.field(description="When it joined the big party committee.")
    active: bool
    pk: strawberry.Private[int]
    community_pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> PartnerUnit:
        return cls(
            id=strawberry.ID(to_global_id("PartnerUnit", row.id)), pk=row.id, community_pk=row.community_id,
            code=row.code, name=row.name, kind=PartnerKind(row.kind), services=row.services, joined_on=row.joined_on, active=row.active,
        )

    @strawberry.field(description="Its sign-ins (role PARTNER); shown to the community, its street and the district only.")
    async def contacts(self, info: Info) -> list[Annotated[PartnerContact, strawberry.lazy("schema.types.partners")]]:
        from schema.types.partners import partner_contacts

        return await partner_contacts(info, self.pk, self.community_pk)

    @strawberry.field(description="The community whose big party committee this unit belongs to.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))
