"""Who sees and runs the big party committee's work (SPEC §3, §6).

A partner (role PARTNER) acts for the member units in its PARTNER scope and sees only the tasks
those units are part of — never residents' personal data. A community worker runs its
community's partners, dual reporting and tasks. The street reads its communities'; the center,
the district leader and the admin read everything; the center may also act for a community.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select, true

from db.models import Community, CoTask, CoTaskPartner
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.community_scope import READ_ALL, can_read_community, readable_communities  # noqa: F401 — part of this module's rules
from resolvers.roles import Role, ScopeKind

T = CoTask.__table__
TP = CoTaskPartner.__table__
C = Community.__table__



def tasks_visible(actor: Actor | None) -> ColumnElement[bool]:
    """A WHERE clause over `co_task` for the tasks the actor may see."""
    if actor is None:
        return false()
    if actor.role in READ_ALL:
        return true()
    if actor.role is Role.PARTNER:
        units = actor.ids(ScopeKind.PARTNER)
        return T.c.id.in_(select(TP.c.task_id).where(TP.c.partner_unit_id.in_(units))) if units else false()
    if actor.role is Role.COMMUNITY_WORKER:
        return T.c.community_id.in_(actor.ids(ScopeKind.COMMUNITY))
    if actor.role is Role.STREET_OFFICER:
        streets = actor.ids(ScopeKind.STREET)
        return T.c.community_id.in_(select(C.c.id).where(C.c.street_id.in_(streets))) if streets else false()
    return false()


def can_run_community(actor: Actor | None, community_id: int) -> Actor:
    """The community's own workers, or the center acting for it. Raises Forbidden otherwise."""
    actor = require_actor(actor)
    # Not ADMIN: platform operators manage users, taxonomy and deadlines (SPEC §3), not a
    # community's big party committee (tests/test_authz_matrix.py).
    if actor.role is Role.CENTER_DISPATCHER:
        return actor
    if actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY):
        return actor
    raise Forbidden("只有本社区工作人员可以操作", "Only the community's own workers may do this")


def partner_units_of(actor: Actor) -> frozenset[int]:
    return actor.ids(ScopeKind.PARTNER) if actor.role is Role.PARTNER else frozenset()
