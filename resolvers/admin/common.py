"""What every administrative change shares: only ADMIN acts, inputs are checked field by field,
and the change leaves an audit entry in the same transaction."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, Forbidden, Unauthenticated
from resolvers.roles import Role

# Audit actions written by this package (AuditEntry.action).
USER_CREATED = "USER_CREATED"
USER_DISABLED = "USER_DISABLED"
USER_ENABLED = "USER_ENABLED"
USER_RENAMED = "USER_RENAMED"
PASSWORD_RESET = "PASSWORD_RESET"
TOKENS_REVOKED = "TOKENS_REVOKED"
ROLE_CHANGED = "ROLE_CHANGED"
TAXONOMY_CHANGED = "TAXONOMY_CHANGED"
ROUTING_CHANGED = "ROUTING_CHANGED"
DEADLINES_CHANGED = "DEADLINES_CHANGED"
HOLIDAY_CHANGED = "HOLIDAY_CHANGED"
UNIT_CHANGED = "UNIT_CHANGED"
ADMIN_ACTIONS = (
    USER_CREATED, USER_DISABLED, USER_ENABLED, USER_RENAMED, PASSWORD_RESET, TOKENS_REVOKED, ROLE_CHANGED,
    TAXONOMY_CHANGED, ROUTING_CHANGED, DEADLINES_CHANGED, HOLIDAY_CHANGED, UNIT_CHANGED,
)


def require_admin(actor: Actor | None) -> Actor:
    if actor is None:
        raise Unauthenticated()
    if actor.role is not Role.ADMIN:
        raise Forbidden("仅平台管理员可执行此操作", "Administrators only")
    return actor


def audit(session: AsyncSession, actor: Actor, action: str, target: str, detail: str) -> None:
    session.add(AuditEntry(actor_user_id=actor.user_id, action=action, target=target[:128], detail=detail[:4000],
                           client=actor.client[:64]))


async def flush_unique(session: AsyncSession, zh: str, en: str, field: str) -> None:
    """Flush; a unique key taken by a concurrent writer since we checked becomes a CONFLICT
    (the unit of work then rolls back), not an internal error."""
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(zh, en, field=field) from None


def text(value: str | None, zh: str, field: str, limit: int, *, required: bool = True) -> str:
    """`value` stripped; BAD_USER_INPUT naming `field` when empty (if required) or too long."""
    value = (value or "").strip()
    if required and not value:
        raise BadUserInput(f"{zh}不能为空", f"{field} is required", field=field)
    if len(value) > limit:
        raise BadUserInput(f"{zh}过长(最多 {limit} 字)", f"{field} is too long (at most {limit} characters)", field=field)
    return value


CODE = re.compile(r"^[A-Z][A-Z0-9_-]*$")


def code(value: str | None, zh: str, field: str, limit: int) -> str:
    """A stable machine code: upper-case letters, digits, `_` and `-`, starting with a letter."""
    value = text(value, zh, field, limit)
    if not CODE.match(value):
        raise BadUserInput(f"{zh}只能包含大写字母、数字、下划线和连字符,并以字母开头",
                           f"{field} takes upper-case letters, digits, _ and -, starting with a letter", field=field)
    return value


def number(value: int, zh: str, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise BadUserInput(f"{zh}须在 {low}–{high} 之间", f"{field} must be between {low} and {high}", field=field)
    return value
