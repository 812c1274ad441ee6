"""Sign-in, lockout and resolving a bearer token to an Actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.base import utcnow
from db.models import AuditEntry, User, UserScope
from resolvers import passwords, tokens
from resolvers.actor import Actor
from resolvers.errors import TooManyAttempts, Unauthenticated
from resolvers.roles import Role, ScopeKind

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


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
    if user is not None and user.locked_until is not None and user.locked_until > now:
        session.add(AuditEntry(actor_user_id=user.id, action="LOGIN_LOCKED", target=username, client=client))
        raise TooManyAttempts()
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
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
    token, claims = tokens.issue(secret_key, user.id, user.token_version, ttl_seconds)
    session.add(AuditEntry(actor_user_id=user.id, action="LOGIN", target=username, client=client))
    return LoginResult(
        token=token,
        expires_at=datetime.fromtimestamp(claims.expires_at, tz=timezone.utc),
        user=user,
    )


async def actor_for_token(conn: AsyncConnection, secret_key: str, token: str, client: str = "") -> Actor | None:
    claims = tokens.verify(secret_key, token)
    if claims is None:
        return None
    users = User.__table__
    row = (
        await conn.execute(
            select(users.c.id, users.c.username, users.c.display_name, users.c.role, users.c.token_version)
            .where(users.c.id == claims.user_id)
            .where(users.c.is_active.is_(True))
        )
    ).first()
    if row is None or row.token_version != claims.version:
        return None
    scope_rows = (
        await conn.execute(
            select(UserScope.__table__.c.kind, UserScope.__table__.c.ref_id).where(
                UserScope.__table__.c.user_id == row.id
            )
        )
    ).all()
    scopes: dict[ScopeKind, set[int]] = {}
    for kind, ref_id in scope_rows:
        scopes.setdefault(ScopeKind(kind), set()).add(ref_id)
    return Actor(
        user_id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        token_version=row.token_version,
        scopes={k: frozenset(v) for k, v in scopes.items()},
        client=client,
    )


def token_expiry(secret_key: str, token: str) -> datetime | None:
    claims = tokens.verify(secret_key, token)
    return None if claims is None else datetime.fromtimestamp(claims.expires_at, tz=timezone.utc)
