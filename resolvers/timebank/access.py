"""Who runs and who reads a community's volunteers and time bank.

The community's own workers (COMMUNITY_WORKER) run everything of their community; a VOLUNTEER
sees its own record, account and lines and the catalogue of its community, and redeems for
itself; the center, the admin and the district leader read everything; a street officer reads
its street's communities; everyone else (partners included) nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Community, Volunteer
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.community_scope import READ_ALL, can_read_community, readable_communities  # noqa: F401 — part of this module's rules
from resolvers.roles import Role, ScopeKind

C = Community.__table__
V = Volunteer.__table__



def require_worker(actor: Actor | None, community_id: int) -> Actor:
    """The community's own worker, else Forbidden."""
    actor = require_actor(actor)
    if actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY):
        return actor
    raise Forbidden("只有本社区工作人员可以操作", "Only the community's own workers may do this")


def is_worker_of(actor: Actor | None, community_id: int) -> bool:
    return actor is not None and actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY)


def community_column_readable(column: Any, actor: Actor | None) -> ColumnElement[bool]:
    """A WHERE clause over any table's community_id column."""
    if actor is not None and actor.role in READ_ALL:
        return true()
    return column.in_(select(C.c.id).where(readable_communities(actor)))


async def own_volunteer(conn: AsyncConnection | AsyncSession, actor: Actor | None) -> Any | None:
    """The volunteer record a VOLUNTEER login acts as (None for any other role)."""
    if actor is None or actor.role is not Role.VOLUNTEER:
        return None
    return (await conn.execute(select(V).where(V.c.user_id == actor.user_id))).first()


def sees_catalogue(actor: Actor | None, community: Any) -> bool:
    """The catalogue: whoever reads the community, and its own volunteers."""
    if can_read_community(actor, community):
        return True
    return actor is not None and actor.role is Role.VOLUNTEER and community.id in actor.ids(ScopeKind.COMMUNITY)


def sees_phone_whole(actor: Actor | None, volunteer: Any) -> bool:
    """A volunteer's name and phone: whole for the community's own workers and the person themself."""
    if actor is None:
        return False
    if is_worker_of(actor, volunteer.community_id):
        return True
    return actor.role is Role.VOLUNTEER and volunteer.user_id is not None and volunteer.user_id == actor.user_id
