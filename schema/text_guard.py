"""No NUL (U+0000) in the text a client sends.

PostgreSQL text cannot hold it: a NUL in any string argument — a username, a tracking code, a
request's text — made the query itself fail (asyncpg CharacterNotInRepertoireError), a masked
INTERNAL_SERVER_ERROR; SQLite would have stored it. Found by the fuzzer (tests/test_fuzz_graphql.py).
The whole operation is refused with BAD_USER_INPUT before any resolver runs, on both backends,
over HTTP and WebSocket alike (every transport passes through strawberry's execute/subscribe).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from resolvers.errors import BadUserInput

NUL = "\x00"


def _value_has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_value_has_nul(k) or _value_has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_value_has_nul(v) for v in value)
    return False


class _FindNul(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> Any:
        if NUL in node.value:
            self.found = True
            return Visitor.BREAK
        return None


def _document_has_nul(query: str | None, document: DocumentNode | None) -> bool:
    # A NUL reaches a string literal raw or as an escape (\u0000, \u{0}); without either in the
    # source there is nothing to look for, so most documents are never walked.
    if document is None or not query or (NUL not in query and "\\u" not in query):
        return False
    finder = _FindNul()
    visit(document, finder)
    return finder.found


class NoNulInText(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        if _value_has_nul(ec.variables) or _document_has_nul(ec.query, ec.graphql_document):
            raise BadUserInput("文本中不能含有空字符(U+0000)", "Text cannot contain the NUL character (U+0000)")
        yield
