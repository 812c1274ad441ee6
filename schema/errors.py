"""Turn every error into one with a machine-readable `extensions.code` (SPEC §9), and mask
everything that is not a domain error: clients see a code, the log sees the traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.extensions import SchemaExtension

from resolvers.errors import DomainError

log = logging.getLogger("ehuying.errors")

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
    # Unexpected: log the real thing, show the client nothing of it.
    log.error("internal error at %s", error.path, exc_info=original)
    return GraphQLError(
        INTERNAL_ZH, error.nodes, error.source, error.positions, error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "messageEn": INTERNAL_EN},
    )


def _is_input_coercion(message: str) -> bool:
    return message.startswith("Variable '$") or "got invalid value" in message or "has invalid value" in message


class CodedErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [classify(e) for e in result.errors]
