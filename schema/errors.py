"""Turn every error into one with a machine-readable `extensions.code` (SPEC §9), and mask
everything that is not a domain error: clients see a code and a `requestId`, the log sees the
traceback under the same request id.

Also what every operation leaves behind: its count and its errors' codes for /metrics, one
ACCESS_REFUSED audit row when it was refused (FORBIDDEN / UNAUTHENTICATED), and — while it runs —
the audit scope that names its actor on changes of personal data (resolvers/audit.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import SchemaExtension

from resolvers.audit import operation_scope
from resolvers.audit_refusals import sink_for
from resolvers.errors import DomainError
from schema import metrics
from schema.observability import current_request_id, new_request_id

log = logging.getLogger("ehuying.errors")

REFUSAL_CODES = frozenset({"FORBIDDEN", "UNAUTHENTICATED"})
# Fields whose refusals their resolver audits itself (a failed sign-in is LOGIN_FAILED).
SELF_AUDITED_FIELDS = frozenset({"login"})

_COMPLEXITY_MARKERS = ("exceeds maximum operation depth", "aliases found", "tokens", "exceeds maximum")

INTERNAL_ZH = "服务器内部错误,已记录"
INTERNAL_EN = "Internal server error; it has been logged"


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        return GraphQLError(
            original.zh, error.nodes, error.source, error.positions, error.path,
            extensions={"code": original.code, "messageEn": original.en, **original.extra},
        )
    if original is None or isinstance(original, StrawberryGraphQLError) and original.extensions:
        ext = dict(error.extensions or {})
        if "code" not in ext:
            msg = error.message
            if any(marker in msg for marker in _COMPLEXITY_MARKERS):
                ext["code"] = "QUERY_TOO_COMPLEX"
            elif msg.startswith("Syntax Error"):
                ext["code"] = "GRAPHQL_PARSE_FAILED"
            elif msg.startswith("Variable '$") or "got invalid value" in msg:
                ext["code"] = "BAD_USER_INPUT"
            else:
                ext["code"] = "GRAPHQL_VALIDATION_FAILED"
            ext.setdefault("messageEn", msg)
        return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path, extensions=ext)
    if error.path is None and _is_input_coercion(error.message):
        # A variable the scalar could not parse (a malformed date, decimal, ID): graphql-core keeps
        # the scalar's ValueError as original_error, but it is the client's input, not our fault.
        return GraphQLError(error.message, error.nodes, error.source, error.positions, error.path,
                            extensions={"code": "BAD_USER_INPUT", "messageEn": error.message})
    # Unexpected: log the real thing, show the client nothing of it but the id to quote (a
    # subscription's event rendered outside any request gets an id of its own).
    request_id = current_request_id() or new_request_id()
    log.error("internal error at %s", error.path, exc_info=original, extra={"request_id": request_id})
    return GraphQLError(
        INTERNAL_ZH, error.nodes, error.source, error.positions, error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "messageEn": INTERNAL_EN, "requestId": request_id},
    )


def _is_input_coercion(message: str) -> bool:
    return message.startswith("Variable '$") or "got invalid value" in message or "has invalid value" in message


def _operation_type(execution_context: Any) -> str:
    try:
        return execution_context.operation_type.value
    except Exception:  # noqa: BLE001 — no document (a parse error), or no execution context at all
        return "unknown"


def _field_name(error: GraphQLError) -> str:
    if error.nodes and getattr(error.nodes[0], "name", None) is not None:
        return error.nodes[0].name.value
    return str(error.path[0]) if error.path else ""


def observe_errors(errors: list[GraphQLError], execution_context: Any | None) -> None:
    """After the errors of one result have their codes: count them, and audit a refusal."""
    op_type = _operation_type(execution_context)
    refused: list[tuple[str, str]] = []
    for error in errors:
        code = str((error.extensions or {}).get("code", "UNKNOWN"))
        metrics.GRAPHQL_ERRORS.labels(op_type, code).inc()
        if code in REFUSAL_CODES and _field_name(error) not in SELF_AUDITED_FIELDS:
            refused.append((code, ".".join(str(p) for p in error.path) if error.path else _field_name(error) or "-"))
    if refused:
        _audit_refusal(execution_context, op_type, refused)


def _audit_refusal(execution_context: Any | None, op_type: str, refused: list[tuple[str, str]]) -> None:
    ctx = getattr(execution_context, "context", None)
    sink = sink_for(getattr(ctx, "db", None))
    if sink is None:  # an app without its lifespan (some tests), or a render with no operation
        return
    actor = getattr(ctx, "actor", None)
    name = getattr(execution_context, "operation_name", None) or "-"
    codes = ",".join(sorted({code for code, _ in refused}))
    rid = current_request_id()
    detail = f"code={codes} operation={op_type} {name} fields={' '.join(path for _, path in refused)}"
    sink.record(actor_user_id=actor.user_id if actor else None, client=getattr(ctx, "client", "") or "",
                target=f"{op_type}:{refused[0][1]}", detail=(f"request_id={rid} " if rid else "") + detail)


class CodedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context.context
        with operation_scope(getattr(ctx, "actor", None), getattr(ctx, "client", "") or "", current_request_id()):
            yield
        metrics.GRAPHQL_OPERATIONS.labels(_operation_type(self.execution_context)).inc()
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [classify(e) for e in result.errors]
