"""Who may run and who may read a community's meetings.

Run (create, change, decide): COMMUNITY_WORKER of that community, CENTER_DISPATCHER and ADMIN
district-wide. Read: those, plus STREET_OFFICER of the community's street and DISTRICT_LEADER.
Nobody else — partners included, even an enterprise that took part — sees meetings at all."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from db.models import Meeting
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.roles import Role, ScopeKind

RUNNERS_DISTRICT = frozenset({Role.ADMIN, Role.CENTER_DISPATCHER})
READERS_DISTRICT = RUNNERS_DISTRICT | {Role.DISTRICT_LEADER}
READER_ROLES = READERS_DISTRICT | {Role.STREET_OFFICER, Role.COMMUNITY_WORKER}

M = Meeting.__table__


def can_run(actor: Actor | None, community_id: int) -> bool:
    if actor is None:
        return False
    if actor.role in RUNNERS_DISTRICT:
        return True
    return actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY)


def require_run(actor: Actor | None, community_id: int) -> Actor:
    actor = require_actor(actor)
    if not can_run(actor, community_id):
        raise Forbidden("只有本社区工作站(或智慧呼应中心)可以组织议事", "Only the community's workers (or the center) run its meetings")
    return actor


def can_read(actor: Actor | None, community_id: int, street_id: int) -> bool:
    if actor is None:
        return False
    if actor.role in READERS_DISTRICT:
        return True
    if actor.role is Role.STREET_OFFICER:
        return street_id in actor.ids(ScopeKind.STREET)
    return can_run(actor, community_id)


def require_reader_role(actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if actor.role not in READER_ROLES:
        raise Forbidden("无权查看议事会", "You may not see deliberation meetings")
    return actor


def read_condition(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause over `meeting` for what the actor may read."""
    if actor.role in READERS_DISTRICT:
        return true()
    if actor.role is Role.STREET_OFFICER:
        return M.c.street_id.in_(actor.ids(ScopeKind.STREET))
    if actor.role is Role.COMMUNITY_WORKER:
        return M.c.community_id.in_(actor.ids(ScopeKind.COMMUNITY))
    return false()


def sees_phones(actor: Actor | None, community_id: int) -> bool:
    """A participant's phone is whole only for the community's own workers."""
    return actor is not None and actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY)

