"""Who may see what of the organisation and its residents. Plain rules over Actor and rows;
the GraphQL permissions module calls these and nothing else decides access."""

from __future__ import annotations

from enum import Enum
from typing import Any

from resolvers.actor import Actor
from resolvers.errors import Forbidden, Unauthenticated
from resolvers.roles import Role, ScopeKind


class PersonalView(str, Enum):
    WHOLE = "WHOLE"
    MASKED = "MASKED"


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise Unauthenticated()
    return actor


def require_role(actor: Actor | None, *roles: Role) -> Actor:
    actor = require_actor(actor)
    if actor.role not in roles:
        raise Forbidden()
    return actor


def can_read_org(actor: Actor | None) -> bool:
    """The organisation tree (places, units, taxonomy) is public administrative information
    for every signed-in user; residents and QR tokens are not part of it."""
    return actor is not None


def building_in_scope(actor: Actor, building: Any) -> bool:
    """`building` is any row with street_id, community_id, grid_id, field_id and id."""
    if actor.district_wide:
        return True
    return (
        building.street_id in actor.ids(ScopeKind.STREET)
        or building.community_id in actor.ids(ScopeKind.COMMUNITY)
        or building.grid_id in actor.ids(ScopeKind.GRID)
        or (building.field_id is not None and building.field_id in actor.ids(ScopeKind.FIELD))
        or building.id in actor.ids(ScopeKind.BUILDING)
    )


# Roles that work with residents of their own places and so may list them (masked).
_RESIDENT_LISTERS = {
    Role.CENTER_DISPATCHER,
    Role.DISTRICT_LEADER,
    Role.ADMIN,
    Role.STREET_OFFICER,
    Role.COMMUNITY_WORKER,
    Role.GRID_WORKER,
    Role.BUILDING_LEADER,
    Role.FIELD_HEAD,
}

# Roles that print or hand out a building's QR sticker.
_QR_HOLDERS = {
    Role.ADMIN,
    Role.CENTER_DISPATCHER,
    Role.STREET_OFFICER,
    Role.COMMUNITY_WORKER,
    Role.GRID_WORKER,
    Role.BUILDING_LEADER,
}


def resident_view(actor: Actor | None, building: Any) -> PersonalView:
    """How a resident of `building` appears in the register. Raises when not at all.

    Only the center sees the register whole; handlers of a request see its reporter whole
    through the request, not through the register.
    """
    actor = require_actor(actor)
    if actor.role not in _RESIDENT_LISTERS or not building_in_scope(actor, building):
        raise Forbidden("无权查看该楼栋居民信息", "You may not see the residents of this building")
    return PersonalView.WHOLE if actor.role is Role.CENTER_DISPATCHER else PersonalView.MASKED


def may_list_residents(actor: Actor | None) -> bool:
    return actor is not None and actor.role in _RESIDENT_LISTERS


def scope_filter_for_residents(actor: Actor) -> dict[str, frozenset[int]] | None:
    """None means district-wide; otherwise the building columns and ids the actor may see."""
    if actor.district_wide:
        return None
    return {
        "street_id": actor.ids(ScopeKind.STREET),
        "community_id": actor.ids(ScopeKind.COMMUNITY),
        "grid_id": actor.ids(ScopeKind.GRID),
        "field_id": actor.ids(ScopeKind.FIELD),
        "id": actor.ids(ScopeKind.BUILDING),
    }


def can_see_qr_token(actor: Actor | None, building: Any) -> bool:
    return actor is not None and actor.role in _QR_HOLDERS and building_in_scope(actor, building)


def can_list_users(actor: Actor | None) -> bool:
    return actor is not None and actor.role is Role.ADMIN
