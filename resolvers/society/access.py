"""Who manages and who reads four-society work.

Manage funds, organisations, awards (district level): ADMIN and CENTER_DISPATCHER.
A community's own workers (COMMUNITY_WORKER) manage its partnerships and propose, start, record
events of and complete the projects serving their community.
Read: ADMIN, CENTER_DISPATCHER, DISTRICT_LEADER everything; STREET_OFFICER the projects of its
streets; COMMUNITY_WORKER its communities' projects. The organisation register and the funds are
readable by those five roles (a community chooses its partner agencies from the register); the
contacts in it are personal data, whole only for the center, the admin and the workers of the
communities an organisation partners with.
PARTNER, VOLUNTEER, GRID_WORKER, BUILDING_LEADER and every other role: nothing."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from db.models import ServiceProject
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.roles import Role, ScopeKind

MANAGERS = frozenset({Role.ADMIN, Role.CENTER_DISPATCHER})
READ_ALL = MANAGERS | {Role.DISTRICT_LEADER}
READERS = READ_ALL | {Role.STREET_OFFICER, Role.COMMUNITY_WORKER}

P = ServiceProject.__table__


def is_reader(actor: Actor | None) -> bool:
    return actor is not None and actor.role in READERS


def require_manager(actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if actor.role not in MANAGERS:
        raise Forbidden("只有智慧呼应中心或平台管理员可以操作", "Only the center or an administrator may do this")
    return actor


def require_community_runner(actor: Actor | None, community_id: int | None) -> Actor:
    """The center and the admin anywhere; a community worker for its own community."""
    actor = require_actor(actor)
    if actor.role in MANAGERS:
        return actor
    if actor.role is Role.COMMUNITY_WORKER and community_id is not None and community_id in actor.ids(ScopeKind.COMMUNITY):
        return actor
    raise Forbidden("只有本社区工作站(或智慧呼应中心)可以操作", "Only the community's own workers (or the center) may do this")


def sees_contacts_whole(actor: Actor | None, partnered_communities: set[int] | frozenset[int]) -> bool:
    """An organisation's contact is whole for the center, the admin, and the community workers of
    a community it partners with (`partnered_communities`: its active partnerships')."""
    if actor is None:
        return False
    if actor.role in MANAGERS:
        return True
    return actor.role is Role.COMMUNITY_WORKER and bool(actor.ids(ScopeKind.COMMUNITY) & set(partnered_communities))


def projects_visible(actor: Actor | None) -> ColumnElement[bool]:
    """A WHERE clause over `service_project` for the projects the actor may read."""
    if actor is None:
        return false()
    if actor.role in READ_ALL:
        return true()
    if actor.role is Role.STREET_OFFICER:
        streets = actor.ids(ScopeKind.STREET)
        return P.c.street_id.in_(streets) if streets else false()
    if actor.role is Role.COMMUNITY_WORKER:
        communities = actor.ids(ScopeKind.COMMUNITY)
        return P.c.community_id.in_(communities) if communities else false()
    return false()


def can_read_project(actor: Actor | None, street_id: int, community_id: int | None) -> bool:
    if actor is None:
        return False
    if actor.role in READ_ALL:
        return True
    if actor.role is Role.STREET_OFFICER:
        return street_id in actor.ids(ScopeKind.STREET)
    if actor.role is Role.COMMUNITY_WORKER:
        return community_id is not None and community_id in actor.ids(ScopeKind.COMMUNITY)
    return False
