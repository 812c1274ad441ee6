"""Reading the audit trail (ADMIN only): every sign-in, refusal, read of unmasked personal data
and administrative change, newest first, filtered by action and by who acted."""

from __future__ import annotations

from sqlalchemy import Select, select

from db.models import AuditEntry
from resolvers.actor import Actor
from resolvers.admin import common

T = AuditEntry.__table__


def audit_query(actor: Actor | None, *, action: str | None = None, actor_user_id: int | None = None) -> Select:
    """The entries as a statement for keyset pagination on `id` (descending = newest first)."""
    common.require_admin(actor)
    stmt = select(T)
    if action:
        stmt = stmt.where(T.c.action == common.text(action, "操作", "action", 48).upper())
    if actor_user_id is not None:
        stmt = stmt.where(T.c.actor_user_id == actor_user_id)
    return stmt
