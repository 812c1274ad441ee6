"""Who may print stickers and who may replace a building's code (plain rules over Actor)."""

from __future__ import annotations

from typing import Any

from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import Forbidden
from resolvers.roles import Role, ScopeKind

_ANYWHERE = {Role.ADMIN, Role.CENTER_DISPATCHER}


def check_print_community(actor: Actor | None, community_id: int) -> Actor:
    actor = require_actor(actor)
    if actor.role in _ANYWHERE:
        return actor
    if actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY):
        return actor
    raise Forbidden("无权打印该社区的楼栋二维码", "You may not print this community's QR stickers")


def check_print_grid(actor: Actor | None, grid_id: int, community_id: int) -> Actor:
    actor = require_actor(actor)
    if actor.role in _ANYWHERE:
        return actor
    if actor.role is Role.COMMUNITY_WORKER and community_id in actor.ids(ScopeKind.COMMUNITY):
        return actor
    if actor.role is Role.GRID_WORKER and grid_id in actor.ids(ScopeKind.GRID):
        return actor
    raise Forbidden("无权打印该网格的楼栋二维码", "You may not print this grid's QR stickers")


def check_rotate(actor: Actor | None, building: Any) -> Actor:
    """Replacing a code makes every sticker of the building useless until the new one is up:
    the center, the platform's operators and the building's own community only."""
    actor = require_actor(actor)
    if actor.role in _ANYWHERE:
        return actor
    if actor.role is Role.COMMUNITY_WORKER and building.community_id in actor.ids(ScopeKind.COMMUNITY):
        return actor
    raise Forbidden("无权更换该楼栋的二维码", "You may not replace this building's QR code")
