"""Running a compiled query: column by column rather than object by object.

A field is resolved for every object of a level at once — a page of 50 requests asks for
`community` once: one `load_many` for a to-one relation, one gather of the resolver's calls
otherwise (DataLoaders batch either way) — then the level below runs once for all the values
the column produced. The resolvers are the schema's own, called with the same arguments and a
resolve-info built once per field instead of once per object; scalars and enums are serialised
by the schema's own types. Anything unusual — an error, a null where the schema forbids one, an
object whose type cannot be told — raises, and the caller runs the full executor instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import GraphQLResolveInfo, GraphQLSchema
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, is_awaitable
from graphql.type.definition import GraphQLResolveInfoHelpers
from sqlalchemy import bindparam, func, select
from strawberry.types import Info as StrawberryInfo

from db import direct
from db.keys import in_keys
from schema.compiled.plan import (
    STRAWBERRY_FIELD,
    Abstract,
    CompiledQuery,
    Completion,
    FieldPlan,
    Leaf,
    ListOf,
    NotCompilable,
    Object,
    ObjectPlan,
)
from schema.compiled.projection import NullInNonNull
from schema.pagination import (
    DEFAULT_PAGE,
    Connection,
    Edge,
    PageInfo,
    _encode,
    check_page_args,
)
from schema.projected import PROJECTION, Projected


class Fallback(Exception):
    """This run cannot be answered here; the full executor answers it (and reports any error)."""


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    return asyncio.gather(*values)


def _track(values: Sequence[Any]) -> None:
    raise Fallback("background work in a resolver")


HELPERS = GraphQLResolveInfoHelpers(_gather, _track)


class Run:
    """One execution: the context, the coerced variables, and each field's info and arguments."""

    __slots__ = ("schema", "query", "context", "variables", "_infos", "_sinfos")

    def __init__(self, schema: GraphQLSchema, query: CompiledQuery, context: Any, variables: Any) -> None:
        self.schema, self.query, self.context, self.variables = schema, query, context, variables
        self._infos: dict[int, tuple[GraphQLResolveInfo, dict[str, Any]]] = {}
        self._sinfos: dict[int, Any] = {}

    def strawberry_info(self, fp: FieldPlan) -> Any:
        """The strawberry Info a resolver receives, made once per field and run."""
        sinfo = self._sinfos.get(id(fp))
        if sinfo is None:
            sinfo = self._sinfos[id(fp)] = StrawberryInfo(_raw_info=self.info_and_args(fp)[0], _field=fp.field_def.extensions[STRAWBERRY_FIELD])  # type: ignore[union-attr]
        return sinfo

    def info_and_args(self, fp: FieldPlan) -> tuple[GraphQLResolveInfo, dict[str, Any]]:
        found = self._infos.get(id(fp))
        if found is None:
            assert fp.field_def is not None
            args = get_argument_values(fp.field_def, fp.nodes[0], self.variables)
            info = GraphQLResolveInfo(
                fp.nodes[0].name.value, fp.nodes, fp.field_def.type, fp.parent_type, Path(None, fp.key, fp.parent_type.name),
                self.schema, self.query.fragments, None, self.query.operation, self.variables, self.context, is_awaitable,
                None, HELPERS,
            )
            found = self._infos[id(fp)] = (info, args)
        return found


async def run_query(run: Run) -> dict[str, Any]:
    [data] = await run_objects(run.query.root, [None], run)
    return data


async def run_objects(plan: ObjectPlan, objects: list[Any], run: Run) -> list[dict[str, Any]]:
    columns: list[Any] = [resolve_column(fp, objects, run) for fp in plan.fields]
    await _settle(columns)
    completed: list[Any] = [complete(fp.complete, col, run) for fp, col in zip(plan.fields, columns)]
    await _settle(completed)
    keys = plan.keys
    return [dict(zip(keys, values)) for values in zip(*completed)] if keys else [{} for _ in objects]


async def _settle(items: list[Any]) -> None:
    """Replace the awaitables in `items` by their results, awaited together."""
    waiting = [i for i, item in enumerate(items) if not isinstance(item, list)]
    if len(waiting) == 1:
        items[waiting[0]] = await items[waiting[0]]
    elif waiting:
        for i, result in zip(waiting, await _all(items[i] for i in waiting)):
            items[i] = result


async def _all(awaitables: Any) -> list[Any]:
    """Every result, once all have finished: a failure must not leave siblings running unwatched."""
    awaitables = list(awaitables)
    if len(awaitables) == 1:  # nothing to run beside it: no task to make
        return [await awaitables[0]]
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def resolve_column(fp: FieldPlan, objects: list[Any], run: Run) -> list[Any] | Awaitable[list[Any]]:
    if fp.attr is not None:
        attr = fp.attr
        return [getattr(o, attr) for o in objects]
    if fp.field_def is None:  # __typename
        return [fp.parent_type.name] * len(objects)
    if fp.relation is not None:
        return _load_relation(fp, objects, run)
    if fp.children is not None:
        return _children(fp, objects, run)
    if fp.by_id is not None:
        return _by_id(fp, objects, run)
    if fp.projection is not None:
        return _projected(fp, objects, run)
    if fp.direct is not None:
        func, info_name = fp.direct
        if info_name is None:
            values = [func(o) for o in objects]
        else:
            kwargs = {info_name: run.strawberry_info(fp)}
            values = [func(o, **kwargs) for o in objects]
        if any(is_awaitable(v) for v in values):
            return _await_values(values)
        return values
    info, args = run.info_and_args(fp)
    resolve = fp.field_def.resolve
    assert resolve is not None
    values = [resolve(o, info, **args) for o in objects]
    if any(is_awaitable(v) for v in values):
        return _await_values(values)
    return values


async def _by_id(fp: FieldPlan, objects: list[Any], run: Run) -> list[Any]:
    """A root field's one row by id (`request(id:)`, `node(id:)`), for a caller who sees every
    row of its type: its selected columns and to-one relations in one statement, then its child
    connections' first pages (a request's history) — where the resolver reads the whole row, then
    each relation and connection on its own. Anyone else, a type without columns, or a child page
    after a cursor goes through the resolver."""
    info, args = run.info_and_args(fp)
    one = fp.by_id
    assert one is not None
    type_name, pk = one.key(args)  # a malformed id raises: the full executor reports it
    shape = _by_id_shape(fp, type_name, run.context.db.dialect) if one.whole(run.context, type_name) else None
    if shape is None or any(_paged(run, c) for c in shape[0].rest):
        values = [fp.field_def.resolve(o, info, **args) for o in objects]  # type: ignore[union-attr]
        return await _await_values(values) if any(is_awaitable(v) for v in values) else values
    projection, stmt = shape
    async with run.context.db.read() as conn:
        rows = await direct.rows(conn, stmt, {"id": pk})
    if not rows:
        return [None] * len(objects)
    try:
        data = projection.build(rows[0])
    except NullInNonNull as exc:
        raise Fallback("null in a non-null field: the full executor reports it") from exc
    for child in projection.rest:
        pages = await _children(child, objects, run, parents=[pk] * len(objects))
        done = complete(child.complete, pages, run)
        data[child.key] = (done if isinstance(done, list) else await done)[0]
    return [Projected(data) for _ in objects]


def _by_id_shape(fp: FieldPlan, type_name: str, dialect: str) -> tuple[Any, Any] | None:
    """The projection of the field's selection on `type_name` and its statement, or None when
    some selected field is not a column: found once per type and kept on the plan."""
    if fp.statement is None:
        fp.statement = {}
    key = (type_name, dialect)
    if key in fp.statement:
        return fp.statement[key]
    c = fp.complete
    plan = None
    if isinstance(c, Object):
        plan = c.plan if c.plan.type.name == type_name else None
    elif isinstance(c, Abstract):
        try:
            plan = c.plan_for(type_name)
        except NotCompilable:
            plan = None
    from schema.compiled.projection import projection_of

    projection = projection_of(plan, children=True) if plan is not None else None
    shape = None
    if projection is not None:
        shape = (projection, select(*projection.columns).select_from(projection.joined).where(projection.table.c.id == bindparam("id")))
    fp.statement[key] = shape
    return shape


def _paged(run: Run, fp: FieldPlan) -> bool:
    args = run.info_and_args(fp)[1]
    return args.get("after") is not None or args.get("last") is not None or args.get("before") is not None


async def _children(fp: FieldPlan, objects: list[Any], run: Run, parents: list[int] | None = None) -> list[Any]:
    """First pages of a child connection (a street's communities) for every parent of the level:
    one statement numbering each parent's children (ROW_NUMBER/COUNT over the parent), the same
    pages, cursors and totals `paginate` gives one parent at a time. Other pages (after, last,
    before) go parent by parent through the resolver."""
    info, args = run.info_and_args(fp)
    if args.get("after") is not None or args.get("last") is not None or args.get("before") is not None:
        return await (_projected(fp, objects, run) if fp.projection is not None else _await_values(
            [fp.field_def.resolve(o, info, **args) for o in objects]))  # type: ignore[union-attr, misc]
    first = args.get("first")
    check_page_args(first, None)
    size = DEFAULT_PAGE if first is None else first
    children = fp.children
    assert children is not None
    t = children.table
    if parents is None:
        parents = [children.key(o) for o in objects]
    wanted = list(dict.fromkeys(parents))
    order_width = len(children.order)
    projection = fp.projection
    one = len(wanted) == 1
    stmt = _children_statement(fp, run.context.db.dialect, one)
    by_parent: dict[int, list[Any]] = {p: [] for p in wanted}
    at, width = (len(projection.columns) if projection is not None else len(t.c)), order_width
    parent_at, total_at = at + width, at + width + 2  # the statement's parent_ and total_
    params = {"parents": wanted[0] if one else wanted, "through": size + 1}
    async with run.context.db.read() as conn:  # (for first: 0 too: the totals)
        # Projected rows are read by position only: straight on the driver where it can.
        found = await direct.rows(conn, stmt, params) if projection is not None else (await conn.execute(stmt, params)).all()
    for row in found:
        by_parent[row[parent_at]].append(row)
    from_row = children.node().from_row
    pages: dict[int, Any] = {}
    for key, rows in by_parent.items():
        total = rows[0][total_at] if rows else 0
        shown = rows[:size] if size > 0 else []
        has_more = size > 0 and len(rows) > size
        if projection is not None:
            edges, start, end = projection.edges(shown, at, width)
        else:
            edges = [Edge(cursor=_encode(r[at:at + width]), node=from_row(r)) for r in shown]
            start, end = (edges[0].cursor, edges[-1].cursor) if edges else (None, None)
        pages[key] = Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=has_more, has_previous_page=False, start_cursor=start, end_cursor=end),
            _count=_constant(total),
        )
    return [pages[p] for p in parents]


def _children_statement(fp: FieldPlan, dialect: str, one: bool) -> Any:
    """The windowed statement of a child connection, built once per plan and kept on it (the
    parents and the page size are parameters): building a subquery's columns costs milliseconds.
    `one`: for a single parent (one request's history), `= $1` (db/keys.py)."""
    if fp.statement is None:
        fp.statement = {}
    if (dialect, one) in fp.statement:
        return fp.statement[dialect, one]
    children = fp.children
    assert children is not None
    t = children.table
    order = [t.c[o] for o in children.order]
    parent = t.c[children.parent_column]
    projection = fp.projection
    if projection is not None:
        cols, source = [c.label(f"c{i}") for i, c in enumerate(projection.columns)], projection.joined
    else:
        cols, source = [t], t
    numbered = (select(*cols, *[c.label(f"k{i}") for i, c in enumerate(order)], parent.label("parent_"),
                       func.row_number().over(partition_by=parent, order_by=order).label("n_"),
                       func.count().over(partition_by=parent).label("total_"))
                .select_from(source).where(in_keys(parent, "parents", dialect, one=one)).subquery())
    stmt = select(numbered).where(numbered.c.n_ <= bindparam("through")).order_by(numbered.c.parent_, numbered.c.n_)
    fp.statement[dialect, one] = stmt
    return stmt


def _constant(value: int) -> Any:
    async def count() -> int:
        return value
    return count


async def _projected(fp: FieldPlan, objects: list[Any], run: Run) -> list[Any]:
    """The connection's resolver, with `paginate` told to read its nodes' columns only. Set here,
    inside this field's own task, so that only this field's pages see it."""
    info, args = run.info_and_args(fp)
    resolve = fp.field_def.resolve  # type: ignore[union-attr]
    token = PROJECTION.set(fp.projection)
    try:
        values = [resolve(o, info, **args) for o in objects]  # type: ignore[misc]
        return await _await_values(values) if any(is_awaitable(v) for v in values) else values
    finally:
        PROJECTION.reset(token)


async def _await_values(values: list[Any]) -> list[Any]:
    waiting = [i for i, v in enumerate(values) if is_awaitable(v)]
    for i, result in zip(waiting, await _all(values[i] for i in waiting)):
        values[i] = result
    return values


async def _load_relation(fp: FieldPlan, objects: list[Any], run: Run) -> list[Any]:
    relation = fp.relation
    assert relation is not None
    keys = [relation.key(o) for o in objects]
    wanted = [k for k in dict.fromkeys(keys) if k is not None]
    if fp.projection is not None:
        return await _project_relation(fp, keys, wanted, run)
    rows = await getattr(run.context.loaders, relation.loader).load_many(wanted) if wanted else []
    # One API object per related row, as many parents as share it.
    wrapped = {k: (None if row is None else relation.wrap(row)) for k, row in zip(wanted, rows)}
    return [None if k is None else wrapped[k] for k in keys]


async def _project_relation(fp: FieldPlan, keys: list[Any], wanted: list[Any], run: Run) -> list[Any]:
    """The related objects (a request's community with its street) as response dicts, read with
    their own relations joined in one statement — where the loaders take one batch per level."""
    if not wanted:
        return [None] * len(keys)
    projection = fp.projection
    dialect, one = run.context.db.dialect, len(wanted) == 1
    if fp.statement is None:
        fp.statement = {}
    stmt = fp.statement.get((dialect, one))
    if stmt is None:
        key = projection.table.c.id
        stmt = fp.statement[dialect, one] = select(*projection.columns, key).select_from(projection.joined).where(
            in_keys(key, "ids", dialect, one=one))
    async with run.context.db.read() as conn:
        rows = await direct.rows(conn, stmt, {"ids": wanted[0] if one else wanted})
    at, build = len(projection.columns), projection.build
    try:
        found = {row[at]: Projected(build(row)) for row in rows}
    except NullInNonNull as exc:
        raise Fallback("null in a non-null field: the full executor reports it") from exc
    return [None if k is None else found.get(k) for k in keys]


def complete(c: Completion, values: list[Any], run: Run) -> list[Any] | Awaitable[list[Any]]:
    if c.nonnull and any(v is None for v in values):
        raise Fallback("null in a non-null field: the full executor reports it")
    if isinstance(c, Leaf):
        serialize = c.serialize
        return [None if v is None else serialize(v) for v in values]
    if isinstance(c, Object):
        return _complete_objects(c.plan, values, run)
    if isinstance(c, ListOf):
        return _complete_lists(c.item, values, run)
    if isinstance(c, Abstract):
        return _complete_abstract(c, values, run)
    raise Fallback(f"completion {type(c).__name__}")


async def _complete_objects(plan: ObjectPlan, values: list[Any], run: Run) -> list[Any]:
    present = [v for v in values if v is not None]
    if not present:
        return values
    if isinstance(present[0], Projected):  # nodes a projection already completed
        return [None if v is None else v.data for v in values]
    done = iter(await run_objects(plan, present, run))
    return [None if v is None else next(done) for v in values]


def _complete_lists(item: Completion, values: list[Any], run: Run) -> list[Any] | Awaitable[list[Any]]:
    if all(v is None or isinstance(v, Projected) for v in values):  # lists built complete (a page's edges)
        return [None if v is None else v.data for v in values]
    lists = [None if v is None else (v if isinstance(v, list) else list(v)) for v in values]
    flat = [x for lst in lists if lst is not None for x in lst]
    done = complete(item, flat, run)
    if isinstance(done, list):
        return _regroup(lists, done)

    async def later() -> list[Any]:
        return _regroup(lists, await done)

    return later()


def _regroup(lists: list[Any], flat: list[Any]) -> list[Any]:
    out: list[Any] = []
    at = 0
    for lst in lists:
        if lst is None:
            out.append(None)
        else:
            out.append(flat[at:at + len(lst)])
            at += len(lst)
    return out


async def _complete_abstract(c: Abstract, values: list[Any], run: Run) -> list[Any]:
    by_type: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, Projected):  # completed already (a by-id root field's row)
            continue
        definition = getattr(type(v), "__strawberry_definition__", None)
        if definition is None:
            raise Fallback("an object of no strawberry type")
        by_type.setdefault(definition.name, []).append(i)
    out = [v.data if isinstance(v, Projected) else v for v in values]
    try:
        plans = {name: c.plan_for(name) for name in by_type}
    except NotCompilable as exc:
        raise Fallback(str(exc)) from exc
    for name, indices in by_type.items():
        for i, done in zip(indices, await run_objects(plans[name], [values[i] for i in indices], run)):
            out[i] = done
    return out
