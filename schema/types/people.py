"""Residents, shown whole or masked as SPEC §3 rules; every whole read is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from enum import Enum

import strawberry

from resolvers.access import PersonalView
from resolvers.audit import record_personal_read
from resolvers.masking import mask_name, mask_phone
from schema.context import Info
from schema.ids import to_global_id
from schema.types.node import Node

if TYPE_CHECKING:
    from schema.types.places import Building

BuildingT = Annotated["Building", strawberry.lazy("schema.types.places")]


@strawberry.enum(description="How personal data is shown to the caller.")
class PersonalDataView(Enum):
    WHOLE = "WHOLE"
    MASKED = "MASKED"


@strawberry.type(description="居民 — a resident. Name, phone and room are personal data: whole only for the "
                             "center and a request's current handlers, masked (张*, 138****1234, no room) for others.")
class Resident(Node):
    name: str | None = strawberry.field(description="Full name, or masked (张*).")
    phone: str | None = strawberry.field(description="Phone, or masked (138****1234).")
    room: str | None = strawberry.field(description="Room number; null when masked.")
    is_party_member: bool
    view: PersonalDataView = strawberry.field(description="Whether this record is shown WHOLE or MASKED.")
    building_pk: strawberry.Private[int]
    pk: strawberry.Private[int]

    @classmethod
    def build(cls, row: Any, view: PersonalView) -> Resident:
        whole = view is PersonalView.WHOLE
        return cls(
            id=strawberry.ID(to_global_id("Resident", row.id)),
            pk=row.id,
            building_pk=row.building_id,
            name=row.name if whole else mask_name(row.name),
            phone=row.phone if whole else mask_phone(row.phone),
            room=row.room if whole else None,
            is_party_member=row.is_party_member,
            view=PersonalDataView.WHOLE if whole else PersonalDataView.MASKED,
        )

    @classmethod
    async def present(cls, info: Info, row: Any, view: PersonalView) -> Resident:
        resident = cls.build(row, view)
        await cls.audit_whole(info, [resident])
        return resident

    @staticmethod
    async def audit_whole(info: Info, residents: list[Resident]) -> None:
        ids = [r.pk for r in residents if r.view == PersonalDataView.WHOLE]
        if ids:
            await record_personal_read(info.context.db, info.context.actor, "Resident", ids, info.context.client)

    @strawberry.field(description="The building the resident lives in.")
    async def building(self, info: Info) -> BuildingT:
        from schema.types.places import Building

        return Building.from_row(await info.context.loaders.building.load(self.building_pk))
