"""Sign-in, lockout, changing one's own password, and resolving a bearer token to an Actor.

A user whose password someone else has seen (an admin's temporary one, an import's initial one)
carries `must_change_password`; their token resolves to a `PasswordPendingActor`, and the schema
lets such an actor do nothing but read `me`, change the password and sign in again
(schema/permissions.py: `PasswordChangeGate`). Changing it clears the flag, ends every other
session (the token version moves on) and hands this one a fresh token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db import direct
from db.base import utcnow
from db.models import AuditEntry, User, UserScope
from resolvers import passwords, tokens
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, DomainError, TooManyAttempts, Unauthenticated
from resolvers.password_policy import check_new_password
from resolvers.roles import Role, ScopeKind

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
PASSWORD_CHANGED = "PASSWORD_CHANGED"
PASSWORD_CHANGE_FAILED = "PASSWORD_CHANGE_FAILED"


@dataclass(frozen=True)
class PasswordPendingActor(Actor):
    """A signed-in user who must choose their own password before doing anything else."""


def must_change_password(actor: Actor | None) -> bool:
    return isinstance(actor, PasswordPendingActor)


class PasswordChangeRequired(DomainError):
    code = "PASSWORD_CHANGE_REQUIRED"
    default_zh = "请先修改初始密码"
    default_en = "Choose your own password first (changeMyPassword)"


class WrongCurrentPassword(BadUserInput):
    """Counted towards the lockout like a failed sign-in, so the unit of work keeps the count."""


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


def _count_failure(user: User, now: datetime) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + LOCKOUT
        user.failed_logins = 0


def _locked(user: Any, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _issue(user: User, secret_key: str, ttl_seconds: int) -> LoginResult:
    token, claims = tokens.issue(secret_key, user.id, user.token_version, ttl_seconds)
    return LoginResult(token=token, expires_at=datetime.fromtimestamp(claims.expires_at, tz=timezone.utc), user=user)


async def login(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    secret_key: str,
    ttl_seconds: int,
    client: str = "",
) -> LoginResult:
    """Check the password; count failures and lock the account after MAX_FAILED_LOGINS.

    Failures are committed even though the caller raises: the edge commits the session
    before re-raising a domain error, so an attacker cannot avoid the count.
    """
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    now = utcnow()
    if user is not None and _locked(user, now):
        session.add(AuditEntry(actor_user_id=user.id, action="LOGIN_LOCKED", target=username, client=client))
        raise TooManyAttempts()
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        if user is not None:
            _count_failure(user, now)
        session.add(
            AuditEntry(
                actor_user_id=user.id if user else None,
                action="LOGIN_FAILED",
                target=username[:128],
                client=client,
            )
        )
        raise Unauthenticated("用户名或密码错误", "Wrong username or password")
    user.failed_logins = 0
    user.locked_until = None
    session.add(AuditEntry(actor_user_id=user.id, action="LOGIN", target=username, client=client))
    return _issue(user, secret_key, ttl_seconds)


@dataclass(frozen=True)
class PreparedChange:
    """What `prepare_password_change` worked out before the unit of work (hashing is ~115 ms of
    CPU a time and never runs under the write lock)."""

    old_hash: str
    new_hash: str | None  # None: the current password was wrong


async def prepare_password_change(conn: AsyncConnection, actor: Actor | None, *, current: str, new: str) -> PreparedChange:
    """Refuse a locked account and a new password the policy rejects (no hashing for either),
    then check the current password and hash the new one."""
    actor = require_actor(actor)
    users = User.__table__
    row = (await conn.execute(select(users.c.username, users.c.password_hash, users.c.locked_until)
                              .where(users.c.id == actor.user_id))).first()
    if row is None:
        raise Unauthenticated()
    if _locked(row, utcnow()):
        raise TooManyAttempts()
    check_new_password(new, username=row.username, current=current)
    if not await passwords.verify_password(row.password_hash, current):
        return PreparedChange(old_hash=row.password_hash, new_hash=None)
    return PreparedChange(old_hash=row.password_hash, new_hash=await passwords.hash_password(new))


async def change_password(session: AsyncSession, actor: Actor | None, prepared: PreparedChange, *, secret_key: str,
                          ttl_seconds: int, client: str = "") -> LoginResult:
    """Store the new password (PASSWORD_CHANGED), clear `must_change_password`, end every other
    session and sign this one in afresh. A wrong current password counts towards the lockout
    exactly as a failed sign-in does (PASSWORD_CHANGE_FAILED), so a stolen session cannot be used
    to guess the password any faster than the sign-in form allows."""
    actor = require_actor(actor)
    user = await session.get(User, actor.user_id, with_for_update=True, populate_existing=True)
    if user is None or not user.is_active or user.token_version != actor.token_version:
        raise Unauthenticated("登录已失效,请重新登录", "The session ended meanwhile; sign in again")
    now = utcnow()
    if _locked(user, now):
        raise TooManyAttempts()
    target = f"User:{user.id}"
    if prepared.new_hash is None or user.password_hash != prepared.old_hash:
        # (A password changed meanwhile by someone else counts as wrong too: it is no longer the current one.)
        _count_failure(user, now)
        session.add(AuditEntry(actor_user_id=user.id, action=PASSWORD_CHANGE_FAILED, target=target, client=client))
        raise WrongCurrentPassword("当前密码不正确", "The current password is wrong", field="currentPassword")
    user.password_hash = prepared.new_hash
    user.must_change_password = False
    user.failed_logins, user.locked_until = 0, None
    user.token_version = (user.token_version or 0) + 1
    session.add(AuditEntry(actor_user_id=user.id, action=PASSWORD_CHANGED, target=target,
                           detail=f"username={user.username} version={user.token_version}", client=client))
    return _issue(user, secret_key, ttl_seconds)


_users, _scopes = User.__table__, UserScope.__table__
# One statement, not two, built once: it runs for every authenticated operation.
_ACCOUNT = (
    select(_users.c.id, _users.c.username, _users.c.display_name, _users.c.role, _users.c.token_version,
           _users.c.must_change_password, _scopes.c.kind, _scopes.c.ref_id)
    .select_from(_users.outerjoin(_scopes, _scopes.c.user_id == _users.c.id))
    .where(_users.c.id == bindparam("user_id"), _users.c.is_active.is_(True))
)


async def actor_for_token(conn: AsyncConnection, secret_key: str, token: str, client: str = "") -> Actor | None:
    claims = tokens.verify(secret_key, token)
    if claims is None:
        return None
    rows = await direct.rows(conn, _ACCOUNT, {"user_id": claims.user_id})
    if not rows:
        return None
    user_id, username, display_name, role, token_version, must_change_password = rows[0][:6]
    if token_version != claims.version:
        return None
    scopes: dict[ScopeKind, set[int]] = {}
    for *_, kind, ref_id in rows:
        if kind is not None:
            scopes.setdefault(ScopeKind(kind), set()).add(ref_id)
    return (PasswordPendingActor if must_change_password else Actor)(
        user_id=user_id,
        username=username,
        display_name=display_name,
        role=Role(role),
        token_version=token_version,
        scopes={k: frozenset(v) for k, v in scopes.items()},
        client=client,
    )


def token_expiry(secret_key: str, token: str) -> datetime | None:
    claims = tokens.verify(secret_key, token)
    return None if claims is None else datetime.fromtimestamp(claims.expires_at, tz=timezone.utc)
