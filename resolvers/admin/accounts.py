"""Staff logins: create, disable and enable, rename, reset the password, change role and scopes,
revoke tokens.

Tokens are stateless (resolvers/tokens.py) and name the user's `token_version` at sign-in; every
request and every WebSocket re-reads the user, so bumping the version or disabling the user ends
all of their tokens at once. Changes that alter what a user may do (disable, password reset,
role or scope change, revocation) bump it, so nobody keeps a session with rights they no longer
have; the caller then closes the user's open sockets (schema/ws.py: `access_changed`).

At least one active ADMIN always remains: the last one can be neither disabled nor given another
role, not even by themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Building,
    Community,
    Department,
    Grid,
    PartnerUnit,
    ResponsibilityField,
    Street,
    StreetSection,
    User,
    UserScope,
)
from resolvers.actor import Actor
from resolvers.admin import common
from resolvers.admin.credentials import NewPassword, check_username
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.roles import ROLE_LABELS, ROLE_SCOPES, Role, ScopeKind

SCOPE_TABLES = {
    ScopeKind.STREET: Street, ScopeKind.SECTION: StreetSection, ScopeKind.COMMUNITY: Community, ScopeKind.GRID: Grid,
    ScopeKind.FIELD: ResponsibilityField, ScopeKind.BUILDING: Building, ScopeKind.DEPARTMENT: Department,
    ScopeKind.PARTNER: PartnerUnit,
}
SCOPE_ZH = {
    ScopeKind.STREET: "街道", ScopeKind.SECTION: "街道科室", ScopeKind.COMMUNITY: "社区", ScopeKind.GRID: "网格",
    ScopeKind.FIELD: "责任田", ScopeKind.BUILDING: "楼栋", ScopeKind.DEPARTMENT: "区直部门", ScopeKind.PARTNER: "共建单位",
}
MAX_SCOPES = 20
MAX_GRIDS = 2  # a grid worker serves one or two grids (SPEC §4)

Scopes = Sequence[tuple[ScopeKind, int]]


def _describe(role: Role | str, scopes: Iterable[tuple[ScopeKind | str, int]]) -> str:
    kinds = ",".join(f"{ScopeKind(k).value}:{r}" for k, r in sorted(scopes, key=lambda s: (ScopeKind(s[0]).value, s[1])))
    return f"role={Role(role).value} scopes=[{kinds}]"


async def check_scopes(session: AsyncSession, role: Role, scopes: Scopes) -> list[tuple[ScopeKind, int]]:
    """The scopes, de-duplicated, if `role` may hold them and every place or unit exists (units
    also active). District-wide roles hold none; every other role at least one."""
    unique = sorted(set(scopes), key=lambda s: (s[0].value, s[1]))
    allowed = ROLE_SCOPES[role]
    if not allowed:
        if unique:
            raise BadUserInput(f"“{ROLE_LABELS[role]}”面向全区,不设范围", f"{role.value} is district-wide and takes no scopes",
                               field="scopes")
        return []
    if not unique:
        kinds = "、".join(SCOPE_ZH[k] for k in sorted(allowed, key=lambda k: k.value))
        raise BadUserInput(f"“{ROLE_LABELS[role]}”须指定范围({kinds})", f"{role.value} needs at least one scope", field="scopes")
    if len(unique) > MAX_SCOPES:
        raise BadUserInput(f"范围最多 {MAX_SCOPES} 个", f"At most {MAX_SCOPES} scopes", field="scopes")
    for kind, _ in unique:
        if kind not in allowed:
            raise BadUserInput(f"“{ROLE_LABELS[role]}”不能以{SCOPE_ZH[kind]}为范围", f"{role.value} cannot hold a {kind.value} scope",
                               field="scopes")
    if sum(1 for k, _ in unique if k is ScopeKind.GRID) > MAX_GRIDS:
        raise BadUserInput(f"网格员最多负责 {MAX_GRIDS} 个网格", f"A grid worker holds at most {MAX_GRIDS} grids", field="scopes")
    for kind in {k for k, _ in unique}:
        table = SCOPE_TABLES[kind].__table__
        ids = {r for k, r in unique if k is kind}
        columns = [table.c.id] + ([table.c.active] if "active" in table.c else [])
        found = {row.id: row for row in (await session.execute(select(*columns).where(table.c.id.in_(ids)))).all()}
        for ref in sorted(ids):
            row = found.get(ref)
            if row is None:
                raise NotFound(f"{SCOPE_ZH[kind]}不存在(ID {ref})", f"No such {kind.value.lower()}: {ref}", field="scopes")
            if getattr(row, "active", True) is False:
                raise BadUserInput(f"{SCOPE_ZH[kind]}已停用,不能作为范围", f"The {kind.value.lower()} {ref} is inactive", field="scopes")
    return unique


async def scopes_of(session: AsyncSession, user_id: int) -> list[tuple[ScopeKind, int]]:
    rows = (await session.execute(select(UserScope.kind, UserScope.ref_id).where(UserScope.user_id == user_id))).all()
    return sorted(((ScopeKind(k), r) for k, r in rows), key=lambda s: (s[0].value, s[1]))


async def _replace_scopes(session: AsyncSession, user_id: int, scopes: Scopes) -> None:
    await session.execute(delete(UserScope).where(UserScope.user_id == user_id))
    session.add_all([UserScope(user_id=user_id, kind=k.value, ref_id=r) for k, r in scopes])


async def _load(session: AsyncSession, user_id: int) -> User:
    """The user, row-locked (PostgreSQL) against a concurrent change. If it is an active ADMIN,
    every active ADMIN is locked first, in id order, so that two admins acting on each other
    at once are serialised (not deadlocked) before the last-admin rule is checked."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("账号不存在", "No such user", field="userId")
    if user.role == Role.ADMIN.value and user.is_active:
        await session.execute(select(User.id).where(User.role == Role.ADMIN.value, User.is_active.is_(True))
                              .order_by(User.id).with_for_update())
    return await session.get(User, user_id, with_for_update=True, populate_existing=True)  # type: ignore[return-value]


async def _keep_an_admin(session: AsyncSession, user: User) -> None:
    """Refuse a change that would leave no active ADMIN."""
    if user.role != Role.ADMIN.value or not user.is_active:
        return
    others = (await session.execute(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN.value, User.is_active.is_(True), User.id != user.id))).scalar_one()
    if others == 0:
        raise Conflict("这是最后一个启用的平台管理员账号,不能停用或改为其他角色",
                       "This is the last active ADMIN; it can be neither disabled nor given another role", field="userId")


def _revoke(user: User) -> None:
    user.token_version = (user.token_version or 0) + 1


async def create_user(session: AsyncSession, actor: Actor | None, *, username: str, display_name: str, role: Role,
                      scopes: Scopes, password: NewPassword) -> User:
    actor = common.require_admin(actor)
    username = check_username(username)
    display_name = common.text(display_name, "显示名称", "displayName", 64)
    checked = await check_scopes(session, role, scopes)
    taken = (await session.execute(select(User.id).where(func.lower(User.username) == username))).first()
    if taken is not None:
        raise Conflict("用户名已被使用", "That username is taken", field="username")
    user = User(username=username, display_name=display_name, role=role.value, password_hash=password.hash, is_active=True,
                token_version=0, failed_logins=0, must_change_password=password.must_change)
    session.add(user)
    await common.flush_unique(session, "用户名已被使用", "That username is taken", "username")
    await _replace_scopes(session, user.id, checked)
    common.audit(session, actor, common.USER_CREATED, f"User:{user.id}",
                 f"username={username} {_describe(role, checked)} password={'temporary' if password.temporary else 'set'}")
    return user


async def set_active(session: AsyncSession, actor: Actor | None, user_id: int, *, active: bool, reason: str = "") -> User:
    """Disable (every token stops at once) or enable again (with a fresh start: no lockout).
    Enabling does not revive tokens issued before the account was disabled."""
    actor = common.require_admin(actor)
    reason = common.text(reason, "原因", "reason", 200, required=False)
    user = await _load(session, user_id)
    if user.is_active == active:
        return user
    if not active:
        await _keep_an_admin(session, user)
        _revoke(user)
    else:
        user.failed_logins, user.locked_until = 0, None
    user.is_active = active
    common.audit(session, actor, common.USER_ENABLED if active else common.USER_DISABLED, f"User:{user.id}",
                 f"username={user.username}" + (f" reason={reason}" if reason else ""))
    return user


async def rename_user(session: AsyncSession, actor: Actor | None, user_id: int, *, display_name: str) -> User:
    actor = common.require_admin(actor)
    display_name = common.text(display_name, "显示名称", "displayName", 64)
    user = await _load(session, user_id)
    if user.display_name != display_name:
        common.audit(session, actor, common.USER_RENAMED, f"User:{user.id}", f"{user.display_name} → {display_name}")
        user.display_name = display_name
    return user


async def reset_password(session: AsyncSession, actor: Actor | None, user_id: int, *, password: NewPassword) -> User:
    """Set the new password's hash, lift a lockout and end every session (a reset usually
    means the old password is known to someone else)."""
    actor = common.require_admin(actor)
    user = await _load(session, user_id)
    user.password_hash = password.hash
    user.must_change_password = password.must_change
    user.failed_logins, user.locked_until = 0, None
    _revoke(user)
    common.audit(session, actor, common.PASSWORD_RESET, f"User:{user.id}",
                 f"username={user.username} password={'temporary' if password.temporary else 'set'}")
    return user


async def revoke_tokens(session: AsyncSession, actor: Actor | None, user_id: int) -> User:
    """Sign the user out everywhere: tokens issued so far stop working; the password is unchanged."""
    actor = common.require_admin(actor)
    user = await _load(session, user_id)
    _revoke(user)
    common.audit(session, actor, common.TOKENS_REVOKED, f"User:{user.id}", f"username={user.username} version={user.token_version}")
    return user


async def change_role(session: AsyncSession, actor: Actor | None, user_id: int, *, role: Role, scopes: Scopes) -> User:
    """Give the user a role and scopes (replacing the old ones). Their sessions end: a socket
    opened under the old role must not keep streaming what the old role could see."""
    actor = common.require_admin(actor)
    user = await _load(session, user_id)
    checked = await check_scopes(session, role, scopes)
    before_scopes = await scopes_of(session, user.id)
    if user.role == role.value and before_scopes == checked:
        return user
    if role is not Role.ADMIN:
        await _keep_an_admin(session, user)
    before = _describe(user.role, before_scopes)
    user.role = role.value
    await _replace_scopes(session, user.id, checked)
    _revoke(user)
    common.audit(session, actor, common.ROLE_CHANGED, f"User:{user.id}", f"{before} → {_describe(role, checked)}")
    return user


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def accounts_query(actor: Actor | None, *, search: str | None = None, role: Role | None = None,
                   active: bool | None = None, scope: tuple[ScopeKind, int] | None = None) -> Any:
    """Staff logins for the admin's list (keyset on `id`): part of the username or display name,
    a role, active or disabled, holding a given place or unit."""
    common.require_admin(actor)
    t, s = User.__table__, UserScope.__table__
    stmt = select(t)
    if search and search.strip():
        pattern = _like(common.text(search, "搜索", "search", 64).lower())
        stmt = stmt.where(or_(func.lower(t.c.username).like(pattern, escape="\\"), func.lower(t.c.display_name).like(pattern, escape="\\")))
    if role is not None:
        stmt = stmt.where(t.c.role == role.value)
    if active is not None:
        stmt = stmt.where(t.c.is_active.is_(active))
    if scope is not None:
        stmt = stmt.where(t.c.id.in_(select(s.c.user_id).where(s.c.kind == scope[0].value, s.c.ref_id == scope[1])))
    return stmt
