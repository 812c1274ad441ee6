"""A query document compiled into plans: for each selection set and the object type it is read
on, the merged fields in response order, each with how its value is got and completed.

graphql-core works this out again for every object of every response (collect the fields,
build a resolve-info, look the completion up by type); a plan does it once per document. What a
plan does not cover — directives, introspection, a field written to need more than its
resolver — is refused here with NotCompilable, and the document stays with the full executor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from schema.relations import ById, ToMany, ToOne, by_id_of, children_of, relation_of

STRAWBERRY_FIELD = "strawberry-definition"  # where strawberry keeps its field on a GraphQLField


class NotCompilable(Exception):
    """The document (or this part of it) runs on the full executor."""


@dataclass(eq=False)
class FieldPlan:
    key: str  # the response key (alias or name)
    nodes: list[FieldNode]
    parent_type: GraphQLObjectType
    field_def: GraphQLField | None  # None for __typename
    attr: str | None  # a plain attribute of the source object (strawberry's basic field)
    relation: ToOne | None  # a to-one relation loaded for the whole column at once
    complete: Completion
    projection: Any = None  # a connection whose nodes, or a relation whose object, are all columns (projection.py)
    children: ToMany | None = None  # a child connection: first pages of a whole level in one statement
    statement: Any = None  # statements built on first use (run.py), by (dialect, one key or many); by (type, dialect) for by_id
    direct: Any = None  # (function, name of its info parameter or None): a plain resolver, called as is
    by_id: ById | None = None  # a root field of one row by id, read by its projection for whom it allows (run.py)


@dataclass(eq=False)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan]
    keys: tuple[str, ...]


@dataclass(eq=False)
class Completion:
    nonnull: bool


@dataclass(eq=False)
class Leaf(Completion):
    serialize: Any


@dataclass(eq=False)
class Object(Completion):
    plan: ObjectPlan


@dataclass(eq=False)
class Abstract(Completion):
    """An interface or union: the object type is known only per value (e.g. `node(id:)`)."""

    type: GraphQLInterfaceType | GraphQLUnionType
    nodes: list[FieldNode]
    compiler: Compiler
    plans: dict[str, ObjectPlan] = field(default_factory=dict)

    def plan_for(self, type_name: str) -> ObjectPlan:
        plan = self.plans.get(type_name)
        if plan is None:
            runtime = self.compiler.schema.get_type(type_name)
            if not isinstance(runtime, GraphQLObjectType) or not self.compiler.schema.is_sub_type(self.type, runtime):
                raise NotCompilable(f"{type_name} is not a {self.type.name}")
            plan = self.plans[type_name] = self.compiler.object_plan(runtime, [n.selection_set for n in self.nodes if n.selection_set])
        return plan


@dataclass(eq=False)
class ListOf(Completion):
    item: Completion


@dataclass(eq=False)
class CompiledQuery:
    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    root: ObjectPlan
    # Its cost (schema/cost.py) by the variables' integer values, the only ones a cost reads
    # (page sizes): priced once, not walked again on every run.
    costs: dict[tuple[Any, ...], int] = field(default_factory=dict)


class Compiler:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> None:
        self.schema = schema
        self.document = document
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if operation_name is None:
            if len(operations) != 1:
                raise NotCompilable("several operations and no operationName")
            self.operation = operations[0]
        else:
            named = [o for o in operations if o.name is not None and o.name.value == operation_name]
            if len(named) != 1:
                raise NotCompilable("no such operation")
            self.operation = named[0]
        if self.operation.operation is not OperationType.QUERY:
            raise NotCompilable("only queries: they change nothing, so a fallback may run them again")
        if self.operation.directives or any(v.directives for v in self.operation.variable_definitions or ()):
            raise NotCompilable("directives")
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def compile(self) -> CompiledQuery:
        root_type = self.schema.query_type
        assert root_type is not None
        root = self.object_plan(root_type, [self.operation.selection_set])
        return CompiledQuery(self.document, self.operation, self.fragments, root)

    # -- fields ---------------------------------------------------------------------------------

    def _collect(self, selection_set: SelectionSetNode | None, runtime: GraphQLObjectType,
                 out: dict[str, list[FieldNode]], seen: set[str]) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompilable("directives (@skip, @include, @defer) depend on variables")
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                out.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self._applies(selection.type_condition.name.value if selection.type_condition else None, runtime):
                    self._collect(selection.selection_set, runtime, out, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen:
                    continue
                seen.add(name)
                fragment = self.fragments.get(name)
                if fragment is None:
                    raise NotCompilable(f"unknown fragment {name}")
                if self._applies(fragment.type_condition.name.value, runtime):
                    self._collect(fragment.selection_set, runtime, out, seen)

    def _applies(self, condition: str | None, runtime: GraphQLObjectType) -> bool:
        if condition is None or condition == runtime.name:
            return True
        cond_type = self.schema.get_type(condition)
        return isinstance(cond_type, (GraphQLInterfaceType, GraphQLUnionType)) and self.schema.is_sub_type(cond_type, runtime)

    def object_plan(self, runtime: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> ObjectPlan:
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            self._collect(selection_set, runtime, grouped, set())
        fields = [self.field_plan(runtime, key, group) for key, group in grouped.items()]
        return ObjectPlan(runtime, fields, tuple(f.key for f in fields))

    def field_plan(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> FieldPlan:
        name = nodes[0].name.value
        if name == "__typename":
            return FieldPlan(key, nodes, parent, None, None, None, Leaf(True, str))
        if name.startswith("__"):
            raise NotCompilable("introspection")
        field_def = parent.fields.get(name)
        if field_def is None:
            raise NotCompilable(f"{parent.name}.{name} does not exist")
        sfield = (field_def.extensions or {}).get(STRAWBERRY_FIELD)
        if sfield is None:
            raise NotCompilable(f"{parent.name}.{name} is not a strawberry field")
        attr = relation = None
        if sfield.is_basic_field:
            attr = sfield.python_name
        elif not sfield.extensions and not field_def.args and sfield.base_resolver is not None:
            relation = relation_of(sfield.base_resolver.wrapped_func)
        children = None
        if not sfield.is_basic_field and not sfield.extensions and sfield.base_resolver is not None:
            children = children_of(sfield.base_resolver.wrapped_func)
        direct = None
        if relation is None and children is None and not sfield.is_basic_field and not sfield.extensions and not field_def.args:
            direct = _direct(sfield.base_resolver)
        complete = self.completion(field_def.type, nodes)
        projection = None
        one = by_id_of(sfield.base_resolver.wrapped_func) if sfield.base_resolver is not None and not sfield.extensions else None
        if one is not None and parent is self.schema.query_type and isinstance(complete, (Object, Abstract)) and not complete.nonnull:
            # Its projection depends on the row's type (node(id:)): found when first run (run.py).
            return FieldPlan(key, nodes, parent, field_def, attr, relation, complete, None, children, by_id=one)
        if relation is not None and isinstance(complete, Object):
            # The related object and its own relations, all columns: one joined statement.
            from schema.compiled.projection import projection_of

            projection = projection_of(complete.plan)
        elif attr is None and relation is None and isinstance(complete, Object):
            node_plan = _node_plan(complete.plan)
            if node_plan is not None:
                from schema.compiled.projection import projection_of

                projection = projection_of(node_plan)
                if projection is not None:
                    from schema.compiled.projection import edge_builder

                    projection.cursors = _reads_cursors(complete.plan)
                    projection.edge = edge_builder(complete.plan, projection)
        return FieldPlan(key, nodes, parent, field_def, attr, relation, complete, projection, children, direct=direct)

    def completion(self, type_: Any, nodes: list[FieldNode], nonnull: bool = False) -> Completion:
        if isinstance(type_, GraphQLNonNull):
            return self.completion(type_.of_type, nodes, True)
        if isinstance(type_, GraphQLList):
            return ListOf(nonnull, self.completion(type_.of_type, nodes))
        if isinstance(type_, GraphQLEnumType):
            return Leaf(nonnull, _enum_serializer(type_))
        if isinstance(type_, GraphQLScalarType):
            return Leaf(nonnull, type_.serialize)
        if isinstance(type_, GraphQLObjectType):
            return Object(nonnull, self.object_plan(type_, [n.selection_set for n in nodes if n.selection_set]))
        if isinstance(type_, (GraphQLInterfaceType, GraphQLUnionType)):
            return Abstract(nonnull, type_, nodes, self)
        raise NotCompilable(f"output type {type_}")


def _node_plan(connection: ObjectPlan) -> ObjectPlan | None:
    """The plan of a connection's nodes (`edges { node { … } }`), if it has exactly one."""
    found: list[ObjectPlan] = []
    for fp in connection.fields:
        if fp.field_def is None or fp.nodes[0].name.value != "edges":
            continue
        if not (isinstance(fp.complete, ListOf) and isinstance(fp.complete.item, Object)):
            return None
        for edge_field in fp.complete.item.plan.fields:
            if edge_field.field_def is not None and edge_field.nodes[0].name.value == "node":
                if not isinstance(edge_field.complete, Object):
                    return None
                found.append(edge_field.complete.plan)
    return found[0] if len(found) == 1 else None


def _reads_cursors(connection: ObjectPlan) -> bool:
    """Whether a connection's selection reads a cursor: `edges { cursor }`, `pageInfo { startCursor endCursor }`."""
    for fp in connection.fields:
        name = fp.nodes[0].name.value if fp.field_def is not None else "__typename"
        inner = fp.complete.item if isinstance(fp.complete, ListOf) else fp.complete
        if name in ("edges", "pageInfo") and isinstance(inner, Object):
            if any(f.field_def is not None and f.nodes[0].name.value in ("cursor", "startCursor", "endCursor") for f in inner.plan.fields):
                return True
    return False


def _direct(resolver: Any) -> tuple[Any, str | None] | None:
    """A resolver of no arguments taking `self` (and maybe `info`): strawberry's wrapper would only
    build an Info, convert no arguments and run no extensions around it, ~30 µs an object — the
    console's wall calls eight of them on each of 30 requests."""
    if resolver is None or resolver.self_parameter is None or resolver.root_parameter is not None or resolver.parent_parameter is not None:
        return None
    reserved = {p.name for p in resolver.reserved_parameters.values() if p is not None}
    if set(resolver.signature.parameters) - reserved:
        return None
    info = resolver.info_parameter
    return resolver.wrapped_func, (info.name if info is not None else None)


def _enum_serializer(type_: GraphQLEnumType) -> Any:
    """The enum's own serialize, answered from a table for the members of its Python enum:
    strawberry's compares the value with each of the type's values in turn (a wall of 50 requests
    spent a sixth of its nodes' time naming their states)."""
    serialize = type_.serialize
    cls = getattr(type_, "wrapped_cls", None)
    if cls is None:
        return serialize
    names = {member: serialize(member) for member in cls}

    def fast(value: Any) -> Any:
        name = names.get(value) if type(value) is cls else None
        return serialize(value) if name is None else name

    return fast
