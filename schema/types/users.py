from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from resolvers.roles import ROLE_LABELS
from resolvers.roles import Role as RoleEnum
from resolvers.roles import ScopeKind as ScopeKindEnum
from schema.context import Info
from schema.ids import to_global_id
from schema.types.node import Node

Role = strawberry.enum(RoleEnum, description="What kind of work a user does (SPEC §3).")
ScopeKind = strawberry.enum(ScopeKindEnum, description="The kind of place or unit a user is scoped to.")

_SCOPE_TYPES = {
    "STREET": ("Street", "street"),
    "SECTION": ("StreetSection", "street_section"),
    "COMMUNITY": ("Community", "community"),
    "GRID": ("Grid", "grid"),
    "FIELD": ("ResponsibilityField", "field"),
    "BUILDING": ("Building", "building"),
    "DEPARTMENT": ("Department", "department"),
    "PARTNER": ("PartnerUnit", "partner_unit"),
}


@strawberry.type(description="A place or unit a user acts in.")
class Scope:
    kind: ScopeKind
    ref_id: strawberry.ID = strawberry.field(description="Global ID of the place or unit.")
    name: str = strawberry.field(description="Its Chinese name.")


@strawberry.type(description="A staff login with a role and scopes.")
class User(Node):
    username: str
    display_name: str
    role: Role
    role_label: str = strawberry.field(description="Chinese label of the role, e.g. 智慧呼应中心调度员.")
    pk: strawberry.Private[int]

    @classmethod
    def build(cls, *, pk: int, username: str, display_name: str, role: str) -> User:
        r = RoleEnum(role)
        return cls(
            id=strawberry.ID(to_global_id("User", pk)), pk=pk, username=username,
            display_name=display_name, role=r, role_label=ROLE_LABELS[r],
        )

    @classmethod
    def from_row(cls, row: Any) -> User:
        return cls.build(pk=row.id, username=row.username, display_name=row.display_name, role=row.role)

    @strawberry.field(description="Where this user acts; empty for district-wide roles.")
    async def scopes(self, info: Info) -> list[Scope]:
        result = []
        for scope in await info.context.loaders.scopes_of_user.load(self.pk):
            kind, ref_id = scope.kind, scope.ref_id
            type_name, loader = _SCOPE_TYPES[kind]
            row = await getattr(info.context.loaders, loader).load(ref_id)
            if row is not None:
                result.append(Scope(kind=ScopeKindEnum(kind), ref_id=strawberry.ID(to_global_id(type_name, ref_id)), name=row.name))
        return result


@strawberry.type(description="The result of signing in.")
class LoginPayload:
    token: str = strawberry.field(description="Send as `Authorization: Bearer <token>`; on WebSocket in the connection_init payload.")
    expires_at: datetime = strawberry.field(description="When the token stops working (UTC).")
    user: User
    must_change_password: bool = strawberry.field(default=False, description=(
        "The password was made by someone else (an admin's temporary one, an import's initial one): until "
        "`changeMyPassword` succeeds, every operation but `me` and `changeMyPassword` is refused with "
        "PASSWORD_CHANGE_REQUIRED."))


@strawberry.input(description="Username and password.")
class LoginInput:
    username: str
    password: str
