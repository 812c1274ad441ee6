"""Which WebSocket subscriptions may share one rendering, and the rendering itself.

Two subscriptions render alike when they run the same document and operation with the same
variables — all but the one feeding the root field's `after`, which only says where each starts —
for the same view of the data: role and scope ids (visibility and masking follow them). The user
is part of the view too when it can change the result: for roles without district-wide sight,
visibility includes "requests I reported"; and a selection of `reporter` reads personal data,
which is audited per user and client (resolvers/audit.py).

A group's selection is executed once per event with graphql-core directly — the document was
parsed, validated and priced by strawberry's own pipeline when the subscription started
(schema/ws.py) — and serialised once; every member gets the same bytes.
"""

from __future__ import annotations

import inspect
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from graphql import DocumentNode, ExecutionResult, FieldNode, GraphQLError, OperationDefinitionNode, Visitor, parse, visit
from graphql import execute as graphql_execute
from strawberry.execution import optimized_is_awaitable

from resolvers.actor import Actor
from schema.context import Context
from schema.errors import INTERNAL_EN, INTERNAL_ZH
from schema.http import READS_PER_OPERATION
from schema.live_log import LogItem
from schema.types.requests import RequestEvent

log = logging.getLogger("ehuying.live")

PERSONAL_FIELDS = frozenset({"reporter"})


@dataclass(frozen=True)
class Shape:
    document: DocumentNode
    after_variable: str | None  # the variable that only feeds the root field's `after`
    personal: bool  # selects personal data: rendered per user


class _Scan(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.variables: Counter[str] = Counter()
        self.fields: set[str] = set()

    def enter_variable(self, node: Any, *_: Any) -> None:
        self.variables[node.name.value] += 1

    def enter_field(self, node: Any, *_: Any) -> None:
        self.fields.add(node.name.value)


@lru_cache(maxsize=512)
def shape_of(query: str, operation_name: str | None) -> Shape:
    """Call only for documents strawberry has validated as a subscription."""
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                     and (operation_name is None or (d.name is not None and d.name.value == operation_name)))
    scan = _Scan()
    visit(document, scan)
    after = None
    root = operation.selection_set.selections
    if len(root) == 1 and isinstance(root[0], FieldNode):
        for arg in root[0].arguments or ():
            name = getattr(arg.value, "name", None)
            # Defined once and used once — here — so it decides nothing else in the document.
            if arg.name.value == "after" and arg.value.kind == "variable" and scan.variables[name.value] == 2:
                after = name.value
    return Shape(document, after, bool(scan.fields & PERSONAL_FIELDS))


def group_key(query: str, variables: dict[str, Any] | None, operation_name: str | None, actor: Actor, client: str) -> tuple[Hashable, Shape]:
    shape = shape_of(query, operation_name)
    shared = {k: v for k, v in (variables or {}).items() if k != shape.after_variable}
    view: tuple[Any, ...] = (actor.role.value, tuple(sorted((k.value, tuple(sorted(ids))) for k, ids in actor.scopes.items())))
    if shape.personal or not actor.district_wide:
        view += (actor.user_id,)
    if shape.personal:
        view += (client,)
    return (query, orjson.dumps(shared, option=orjson.OPT_SORT_KEYS), operation_name, view), shape


def renderer(schema: Any, shape: Shape, variables: dict[str, Any] | None, operation_name: str | None, *,
             actor: Actor, client: str, hub: Any, settings: Any, bus: Any) -> Callable[[LogItem, Any], Awaitable[str]]:
    """The group's render function: one execution and one JSON encoding per event."""

    async def render(item: LogItem, loaders: Any) -> str:
        hub.renders += 1
        # The hub matched this event to the group with the same rules `visible()` applies in SQL.
        context = Context(db=hub.db.gated(READS_PER_OPERATION), settings=settings, actor=actor, loaders=loaders,
                          client=client, extra={"bus": bus, "visible_requests": (item.event.request_id,)})
        try:
            result = graphql_execute(
                schema._schema, shape.document, root_value=RequestEvent.from_row(item.event), context_value=context,
                variable_values=variables, operation_name=operation_name, executor_class=schema.execution_context_class,
                is_awaitable=optimized_is_awaitable, operation_extensions=None,
            )
            if inspect.isawaitable(result):
                result = await result
        except Exception:  # noqa: BLE001 — never leave the group without its event
            log.exception("rendering a live event failed")
            result = ExecutionResult(None, [GraphQLError(INTERNAL_ZH, extensions={"code": "INTERNAL_SERVER_ERROR", "messageEn": INTERNAL_EN})])
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            schema.process_errors(result.errors)  # codes and masking, as on every other path
            payload["errors"] = [e.formatted for e in result.errors]
        return orjson.dumps(payload).decode()

    return render
