"""Projections: a connection's nodes read in one statement with only the columns they need.

When every field a query selects on a connection's nodes is a column of the node's table or of a
table a to-one relation reaches (columnar.py), the compiled executor hands `paginate` a
Projection: the page's SELECT then lists just those columns, joins the relations (LEFT JOIN, as
a missing row resolves to null), and each row becomes its node's response dict directly —
instead of whole rows, one API object per row, and one DataLoader batch per relation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import methodcaller
from typing import Any

from graphql import GraphQLBoolean, GraphQLID, GraphQLString
from sqlalchemy import ColumnElement, FromClause, Select, Table

from schema.compiled.columnar import Columnar, spec
from schema.compiled.plan import (
    STRAWBERRY_FIELD,
    Leaf,
    ListOf,
    NotCompilable,
    Object,
    ObjectPlan,
)
from schema.pagination import Edge, _encode
from schema.projected import Projected

# Serializers that give a value of this Python type back as it is: the builder tests the type
# inline and calls them only for anything else (a call per field and row saved).
_PLAIN = {GraphQLString.serialize: "str", GraphQLID.serialize: "str", GraphQLBoolean.serialize: "bool"}


def _is_isoformat(serialize: Any) -> bool:
    """strawberry's DateTime (and Date, Time) serializer: `methodcaller("isoformat")`."""
    return isinstance(serialize, methodcaller) and repr(serialize) == "operator.methodcaller('isoformat')"


class NullInNonNull(Exception):
    """A null where the schema forbids one: the full executor reports it."""


@dataclass(eq=False)
class Projection:
    table: Table
    from_row: Callable[[Any], Any]
    columns: list[ColumnElement[Any]]
    joined: FromClause
    build: Callable[[Sequence[Any]], dict[str, Any]]
    cursors: bool = True  # whether the query reads any cursor (edges' or pageInfo's); set by the plan
    # Child connections of the object itself (`children=True`): not columns, so `build` leaves their
    # keys at None, in their places, for the caller to fill in (run.py, by-id root fields).
    rest: list[Any] = field(default_factory=list)
    # The edge's response dict, node and all, from its cursor and row (`edges { cursor node }`),
    # when the edges select nothing else: the page's edges are then completed as they are built.
    edge: Callable[[str, Sequence[Any]], dict[str, Any]] | None = None
    # build's body and the helpers it calls, for the edge builder to inline.
    expression: str = ""
    names: dict[str, Any] = field(default_factory=dict)

    def edges(self, rows: Sequence[Any], at: int, width: int) -> tuple[Any, str | None, str | None]:
        """A page's edges from its rows (the key's values at `at`, `width` of them, for the
        cursors) and its first and last cursors. Built by `edge`, they are the edges list's
        response already (Projected)."""
        build, edge = self.build, self.edge
        # The query reads no cursor: don't make fifty.
        cursors = [_encode(r[at:at + width]) for r in rows] if self.cursors else [""] * len(rows)
        if edge is not None:
            edges: Any = Projected([edge(c, r) for c, r in zip(cursors, rows)])
        else:
            edges = [Edge(cursor=c, node=Projected(build(r))) for c, r in zip(cursors, rows)]
        return edges, (cursors[0] if rows else None), (cursors[-1] if rows else None)

    def page(self, stmt: Select[Any], key: Sequence[ColumnElement[Any]]) -> Select[Any]:
        """`stmt` (the list's rows, filtered, ordered and limited) reading the projected columns,
        then the key's (for the cursors, at `len(self.columns)` on)."""
        return stmt.with_only_columns(*self.columns, *key).select_from(self.joined)


def projection_of(plan: ObjectPlan, *, children: bool = False) -> Projection | None:
    """The projection of a node plan, or None when some selected field is not a column (nor, with
    `children`, a child connection of the object itself)."""
    root = spec(plan.type.name)
    if root is None:
        return None
    columns: list[ColumnElement[Any]] = []
    names: dict[str, Any] = {"_null": _null}
    rest: list[Any] | None = [] if children else None
    try:
        joined, expression = _project(plan, root, root.table, root.table, columns, names, 0, rest)
    except NotCompilable:
        return None
    # The builder is generated Python — one dict display per object, each value read by its
    # position in the row — a third of the time of a closure per field.
    source = f"def build(row):\n    return {expression}\n"
    exec(compile(source, f"<projection of {plan.type.name}>", "exec"), names)  # noqa: S102 — our own code, from the schema
    return Projection(root.table, root.from_row, columns, joined, names["build"], rest=rest or [], expression=expression, names=names)


def edge_builder(connection: ObjectPlan, projection: Projection) -> Callable[[str, Sequence[Any]], dict[str, Any]] | None:
    """The builder of a connection's edge dicts from a cursor and a row, the node's built inline,
    when its one `edges` field selects only `node`, `cursor` and `__typename` (None otherwise:
    the edges are completed as objects)."""
    edges = [fp for fp in connection.fields if fp.field_def is not None and fp.nodes[0].name.value == "edges"]
    if len(edges) != 1 or not isinstance(edges[0].complete, ListOf) or not isinstance(edges[0].complete.item, Object):
        return None
    plan = edges[0].complete.item.plan
    items: list[str] = []
    for fp in plan.fields:
        name = "__typename" if fp.field_def is None else fp.nodes[0].name.value
        if name == "__typename":
            items.append(f"{fp.key!r}: {plan.type.name!r}")
        elif name == "node" and not fp.nodes[0].arguments:
            items.append(f"{fp.key!r}: {projection.expression}")
        elif name == "cursor":
            items.append(f"{fp.key!r}: cursor")
        else:
            return None
    names = dict(projection.names)
    exec(compile(f"def edge(cursor, row):\n    return {{{', '.join(items)}}}\n", f"<edge of {plan.type.name}>", "exec"), names)  # noqa: S102
    return names["edge"]


def _table(col: Any, serialize: Any) -> dict[Any, Any]:
    """The response value of each stored value of `col`'s domain that has a true one (enums'
    names, labels): what `serialize(col.value(v))` gives, looked up instead of computed."""
    table = {}
    for stored in col.domain:
        try:
            value = col.value(stored)
            answer = None if value is None else serialize(value)
        except Exception:  # noqa: BLE001, S112 — left to the long way, which reports it
            continue
        if answer:
            table[stored] = answer
    return table


def _null() -> Any:
    raise NullInNonNull


def _project(plan: ObjectPlan, columnar: Columnar, source: Any, joined: FromClause, columns: list,
             names: dict[str, Any], depth: int, rest: list[Any] | None = None) -> tuple[FromClause, str]:
    """Adds `plan`'s columns (read from `source`, the table or its alias) to `columns`; returns
    the FROM clause grown by the relations' joins and a Python expression building the object's
    dict from `row` (helpers it calls go into `names`)."""
    if depth > 4:
        raise NotCompilable("relations nested too deep to join")
    items: list[str] = []
    for fp in plan.fields:
        key = repr(fp.key)
        if fp.field_def is None:  # __typename
            items.append(f"{key}: {plan.type.name!r}")
            continue
        field_name = fp.nodes[0].name.value
        if rest is not None and depth == 0 and fp.children is not None:
            items.append(f"{key}: None")
            rest.append(fp)
            continue
        if fp.nodes[0].arguments:
            raise NotCompilable("arguments")
        sfield = (fp.field_def.extensions or {}).get(STRAWBERRY_FIELD)
        if sfield is None or sfield.extensions:  # a permission or other extension: the object path runs it
            raise NotCompilable(f"{plan.type.name}.{field_name} has extensions")
        col = columnar.fields.get(field_name)
        if col is not None and isinstance(fp.complete, Leaf):
            if not sfield.is_basic_field:  # the spec copies what from_row sets; a resolver computes
                raise NotCompilable(f"{plan.type.name}.{field_name} has a resolver")
            offset = len(columns)
            columns.extend(source.c[c] for c in col.columns)
            n = len(names)
            names[f"s{n}"] = fp.complete.serialize
            raw = ", ".join(f"row[{offset + i}]" for i in range(len(col.columns)))
            if col.value is not None:
                names[f"v{n}"] = col.value
                raw = f"v{n}({raw})"
            elif len(col.columns) != 1:
                raise NotCompilable("several columns and no function")
            serialize = fp.complete.serialize
            plain = _PLAIN.get(serialize)
            if plain is not None:
                serialized = f"(x if type(x) is {plain} else s{n}(x))"
            elif _is_isoformat(serialize):
                # A UTC datetime stays as it is: the answer's orjson.dumps writes it exactly as
                # isoformat() does (tests/test_compiled_queries.py), in C — a third of a wall
                # page's building went on isoformat.
                names["_datetime"], names["_utc"] = datetime, timezone.utc
                serialized = "(x if type(x) is _datetime and x.tzinfo is _utc else x.isoformat())"
            else:
                serialized = f"s{n}(x)"
            if fp.complete.nonnull:
                value = f"({serialized} if (x := {raw}) is not None else _null())"
            else:
                value = f"(None if (x := {raw}) is None else {serialized})"
            table = _table(col, serialize) if len(col.columns) == 1 else {}
            if table:  # each stored value's answer, made once; anything else the long way
                names[f"t{n}"] = table
                value = f"(t{n}.get(row[{offset}]) or {value})"
            items.append(f"{key}: {value}")
            continue
        relation = columnar.relations.get(field_name)
        if relation is not None and isinstance(fp.complete, Object):
            fk, target_name = relation
            target = spec(target_name)
            if target is None or fp.complete.plan.type.name != target_name:
                raise NotCompilable(f"relation {field_name}")
            alias = target.table.alias()
            joined = joined.outerjoin(alias, alias.c.id == source.c[fk])
            present = len(columns)
            columns.append(alias.c.id)  # null: no related row (the relation resolves to null)
            joined, sub = _project(fp.complete.plan, target, alias, joined, columns, names, depth + 1)
            if fp.complete.nonnull:
                items.append(f"{key}: {sub} if row[{present}] is not None else _null()")
            else:
                items.append(f"{key}: None if row[{present}] is None else {sub}")
            continue
        raise NotCompilable(f"{plan.type.name}.{field_name} is not a column")
    return joined, "{" + ", ".join(items) + "}"
