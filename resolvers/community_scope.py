"""Who may read a community's registers as a whole — its partners, dual reporting, volunteers and
time bank: its own workers, its street, and the district (center, district leader, admin).
Partners, volunteers and everyone else read none (they have narrower views of their own)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true

from db.models import Community
from resolvers.actor import Actor
from resolvers.roles import Role, ScopeKind

C = Community.__table__

READ_ALL = frozenset({Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER, Role.ADMIN})


def can_read_community(actor: Actor | None, community: Any) -> bool:
    """`community` is any row with `id` and `street_id`."""
    if actor is None:
        return False
    if actor.role in READ_ALL:
        return True
    if actor.role is Role.COMMUNITY_WORKER:
        return community.id in actor.ids(ScopeKind.COMMUNITY)
    if actor.role is Role.STREET_OFFICER:
        return community.street_id in actor.ids(ScopeKind.STREET)
    return False


def readable_communities(actor: Actor | None) -> ColumnElement[bool]:
    """`can_read_community` as a WHERE clause over `community`."""
    if actor is None:
        return false()
    if actor.role in READ_ALL:
        return true()
    if actor.role is Role.COMMUNITY_WORKER:
        return C.c.id.in_(actor.ids(ScopeKind.COMMUNITY))
    if actor.role is Role.STREET_OFFICER:
        return C.c.street_id.in_(actor.ids(ScopeKind.STREET))
    return false()
