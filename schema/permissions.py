"""Field access, decided in one place from role and scope (rules in resolvers/access.py)."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from resolvers import access


class SignedIn(BasePermission):
    message = "请先登录"
    error_extensions = {"code": "UNAUTHENTICATED", "messageEn": "Sign in first"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.actor is not None


class OrgReader(SignedIn):
    """Places, units and taxonomy: every signed-in user."""

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return access.can_read_org(info.context.actor)


class ResidentLister(BasePermission):
    message = "无权查看居民信息"
    error_extensions = {"code": "FORBIDDEN", "messageEn": "You may not list residents"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        actor = info.context.actor
        if actor is None:
            self.message, self.error_extensions = SignedIn.message, SignedIn.error_extensions
            return False
        return access.may_list_residents(actor)


class Admin(BasePermission):
    message = "仅平台管理员可执行"
    error_extensions = {"code": "FORBIDDEN", "messageEn": "Administrators only"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return access.can_list_users(info.context.actor)
