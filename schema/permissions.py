"""Field access, decided in one place from role and scope (rules in resolvers/access.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, get_operation_ast
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from resolvers import access, auth


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


# Root fields a user with `must_change_password` may still use: who am I, change it, sign in again
# (signing out is the client forgetting its token), and introspection.
WHILE_PASSWORD_PENDING = frozenset({"me", "changeMyPassword", "login", "__typename", "__schema", "__type"})


def _root_fields(document: DocumentNode, operation_name: str | None) -> set[str]:
    """Every root field the operation may run, through fragments, whatever @skip/@include say."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return set()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    names: set[str] = set()
    pending, seen = [operation.selection_set], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                if selection.name.value in fragments:
                    pending.append(fragments[selection.name.value].selection_set)
    return names


class PasswordChangeGate(SchemaExtension):
    """A user who must change their password may run nothing but WHILE_PASSWORD_PENDING: the
    whole operation — query, mutation, or subscription over WebSocket — is refused with
    PASSWORD_CHANGE_REQUIRED before any resolver runs. One check per operation at the point every
    transport passes through (strawberry's execute/stream), so no field can forget it."""

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        if auth.must_change_password(getattr(ec.context, "actor", None)) and ec.graphql_document is not None:
            if not _root_fields(ec.graphql_document, ec.operation_name) <= WHILE_PASSWORD_PENDING:
                raise auth.PasswordChangeRequired()
        yield
