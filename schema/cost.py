"""A cost limit for wide nested queries: the number of objects a query may ask for.

Depth alone does not bound work: `streets { communities { grids { buildings } } }` at the default
page sizes is shallow but asks for 12 × 20 × 20 × 20 rows. The cost of a field is the product of
the page sizes of the connections around it; the sum over all fields must stay under MAX_COST.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from schema.pagination import DEFAULT_PAGE

MAX_COST = 5000
LIST_GUESS = 10  # plain lists (sections of a street, subcategories of a category) are short


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for arg in field.arguments or ():
        if arg.name.value in ("first", "last"):
            if isinstance(arg.value, IntValueNode):
                return max(0, int(arg.value.value))
            if isinstance(arg.value, VariableNode):
                value = variables.get(arg.value.name.value)
                if isinstance(value, int):
                    return max(0, value)
    return DEFAULT_PAGE


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def query_cost(schema: GraphQLSchema, document: Any, variables: dict[str, Any], operation_name: str | None) -> int:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return 0
    op = operations[0]
    root = schema.get_root_type(op.operation)
    if root is None:
        return 0

    def selections(sel_set: SelectionSetNode, parent: Any, seen: frozenset[str]) -> Iterator[tuple[FieldNode, Any]]:
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                yield sel, parent
            elif isinstance(sel, InlineFragmentNode):
                target = schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                yield from selections(sel.selection_set, target or parent, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    target = schema.get_type(frag.type_condition.name.value) or parent
                    yield from selections(frag.selection_set, target, seen | {sel.name.value})

    def cost(sel_set: SelectionSetNode, parent: Any, multiplier: int, seen: frozenset[str]) -> int:
        total = 0
        for field, owner in selections(sel_set, parent, seen):
            total += multiplier
            if field.selection_set is None or not isinstance(owner, GraphQLObjectType):
                continue
            definition = owner.fields.get(field.name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            inner = multiplier
            if named.name.endswith("Connection"):
                inner = multiplier * _page_size(field, variables)
            elif _is_list(definition.type) and not owner.name.endswith("Connection"):
                # A connection's `edges` list is the page already counted above.
                inner = multiplier * LIST_GUESS
            total += cost(field.selection_set, named, inner, seen)
        return total

    return cost(op.selection_set, root, 1, frozenset())


class CostLimit(SchemaExtension):
    """Runs after validation has passed (it comes after ValidationCache in the list)."""

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.graphql_document is not None and not ctx.pre_execution_errors:
            try:
                estimate = query_cost(ctx.schema._schema, ctx.graphql_document, ctx.variables or {}, ctx.operation_name)
            except Exception:  # noqa: BLE001 — an odd document is validation's job to reject
                estimate = 0
            if estimate > MAX_COST:
                ctx.pre_execution_errors = [
                    GraphQLError(
                        f"查询过于复杂:预计 {estimate} 个对象,上限 {MAX_COST}",
                        extensions={
                            "code": "QUERY_TOO_COMPLEX",
                            "messageEn": f"Query too complex: about {estimate} objects, limit {MAX_COST}; ask for smaller pages",
                            "cost": estimate,
                            "maxCost": MAX_COST,
                        },
                    )
                ]
        yield
