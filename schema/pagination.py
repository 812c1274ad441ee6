"""Relay cursor connections over keyset pagination (never OFFSET: lists reach millions of rows).

A cursor encodes the sort-key values of its row; the next page is `WHERE key > cursor ORDER BY
key LIMIT n+1`, which an index on the key answers directly at any depth.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
import strawberry
from sqlalchemy import ColumnElement, Integer, Select, func, literal_column, select, tuple_

from db import direct
from db.engine import Database
from resolvers.errors import BadUserInput
from schema.ids import _URLSAFE
from schema.projected import projection_for

T = TypeVar("T")

# Page statements of projected lists, kept by the shape of the list's statement (SQLAlchemy's cache
# key, which fixes the place of each of its values) and of the page (cursors, direction, columns):
# building a page and its cache key again for every call cost the wall a tenth of its time. A
# kept page runs with the list's values, the cursors' and the limit, in its key's order. Lists'
# count statements are kept the same way (count_of).
TEMPLATES_MAX = 256
_templates: dict[Any, Any] = {}
_orders: dict[Any, list[Any]] = {}

DEFAULT_PAGE = 20
MAX_PAGE = 100


@strawberry.type(description="Relay 分页信息 / Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="An edge: one node and the cursor to continue after it.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a keyset-paginated list (Relay connection).")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole filtered list, not just this page.")
    async def total_count(self) -> int:
        return await self._count()


def _encode(values: Sequence[Any]) -> str:
    plain = [{"dt": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    # urlsafe base64 of the same bytes as compact json.dumps
    return binascii.b2a_base64(orjson.dumps(plain), newline=False).translate(_URLSAFE).decode().rstrip("=")


def _decode(cursor: str, width: int) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != width:
            raise ValueError
        return [datetime.fromisoformat(v["dt"]) if isinstance(v, dict) else v for v in raw]
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise BadUserInput("无效的分页游标", f"Malformed cursor: {cursor[:40]}") from None


def _page(stmt: Select[Any], key: Sequence[ColumnElement[Any]], after: list[Any], before: list[Any], descending: bool,
          reverse_scan: bool, size: int, projection: Any) -> Select[Any]:
    """The page's statement: `stmt` after and before the cursors' values, in the scan's order, one
    row more than the page."""
    key_expr = tuple_(*key) if len(key) > 1 else key[0]

    def bound(values: list[Any]) -> Any:
        return tuple_(*values) if len(key) > 1 else values[0]

    page = stmt
    # "Forward" means the list's own order; `descending` flips what "greater" means.
    if after:
        page = page.where(key_expr < bound(after) if descending else key_expr > bound(after))
    if before:
        page = page.where(key_expr > bound(before) if descending else key_expr < bound(before))
    order = _orders.get((tuple(key), reverse_scan))
    if order is None:
        order = _orders[(tuple(key), reverse_scan)] = [(c.desc() if reverse_scan else c.asc()) for c in key]
    page = page.order_by(*order).limit(_limit(size + 1))
    return projection.page(page, key) if projection is not None else page


def _limit(n: int) -> Any:
    """The page's LIMIT written into the statement, not sent as a parameter: PostgreSQL cannot
    cost a generic plan for `LIMIT $1` (it assumes a tenth of the rows), so it planned the wall's
    statement anew at every execution — 0.6 ms of its time against 0.3 ms running it. With the
    number in the text (one statement per page size, a handful) the plan is made once per
    connection. `n` is an int checked by check_page_args, never the client's text."""
    return literal_column(str(int(n)), Integer)


def _keep_template(shape: Any, base: Any, page: Select[Any], own: list[Any]) -> None:
    """Keep `page` for the lists of `shape` if its values are the list's, then `own` (the
    cursors'), in that order, and it ran direct — checked, not assumed."""
    key = page._generate_cache_key()
    if key is None or not direct.runs_direct(page):
        return
    n = len(base.bindparams)
    if len(key.bindparams) != n + len(own) or any(a is not b for a, b in zip(key.bindparams, base.bindparams)):
        return
    if [b.effective_value for b in key.bindparams[n:]] != own:
        return
    if len(_templates) >= TEMPLATES_MAX:
        _templates.clear()
    _templates[shape] = page


async def count_of(conn: Any, stmt: Select[Any]) -> int:
    """The number of `stmt`'s rows. On asyncpg the count statement is kept like a page (by the
    shape of `stmt`) and run straight on the driver with `stmt`'s values: a list's totalCount
    through SQLAlchemy's execution cost an organisation tree a tenth of its time."""
    base = stmt._generate_cache_key() if conn.dialect.driver == "asyncpg" else None
    shape = None if base is None else ("count", base.key)
    if shape is not None:
        kept = _templates.get(shape)
        if kept is not None and direct.runs_direct(kept):
            return int((await direct.rows(conn, kept, values=[b.effective_value for b in base.bindparams]))[0][0])
    counting = select(func.count()).select_from(stmt.subquery())
    if shape is None:
        return int((await conn.execute(counting)).scalar_one())
    rows = await direct.rows(conn, counting)
    _keep_template(shape, base, counting, [])
    return int(rows[0][0])


def check_page_args(first: int | None, last: int | None, max_page: int = MAX_PAGE) -> None:
    if first is not None and last is not None:
        raise BadUserInput("first 与 last 不能同时使用", "Use either first or last, not both")
    for name, value in (("first", first), ("last", last)):
        if value is None:
            continue
        if value < 0:
            raise BadUserInput(f"{name} 不能为负数", f"{name} must not be negative")
        if value > max_page:
            raise BadUserInput(
                f"每页最多 {max_page} 条,{name}={value} 超出上限",
                f"A page holds at most {max_page} items; {name}={value} was refused",
                maxPageSize=max_page,
            )


async def paginate(
    db: Database,
    stmt: Select[Any],
    key: Sequence[ColumnElement[Any]],
    to_node: Callable[[Any], T],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    descending: bool = False,
    max_page: int = MAX_PAGE,
    total: Callable[[Any], Awaitable[int]] | None = None,
) -> Connection[T]:
    """`stmt` selects whole rows with the list's filters but no ORDER BY or LIMIT.

    The key must be unique (end it with the primary key) and all in one direction. `total`, given
    a read connection, counts the whole list a cheaper way than counting `stmt`'s rows.
    """
    check_page_args(first, last, max_page)
    backwards = last is not None
    size = last if backwards else (first if first is not None else DEFAULT_PAGE)
    after_values = _decode(after, len(key)) if after is not None else []
    before_values = _decode(before, len(key)) if before is not None else []
    reverse_scan = backwards != descending
    # A compiled query may have asked for only some columns of each node (schema/compiled/).
    projection = projection_for(key, to_node)

    rows: list[Any] = []
    if size > 0:
        template = shape = values = None
        if db.read_engine.dialect.driver == "asyncpg":
            base = stmt._generate_cache_key()
            if base is not None:
                shape = (base.key, tuple(key), descending, reverse_scan, after is not None, before is not None, projection, size)
                template = _templates.get(shape)
                if template is not None and direct.runs_direct(template):
                    values = [b.effective_value for b in base.bindparams] + after_values + before_values
        page = template if values is not None else _page(stmt, key, after_values, before_values, descending, reverse_scan, size, projection)
        async with db.read() as conn:
            # Straight on the driver where it can; whole rows also by attribute, for `to_node`
            # (an organisation tree's streets went through SQLAlchemy's execution: a twentieth of its time).
            rows = list(await direct.rows(conn, page, values=values, named=projection is None))
        if shape is not None and values is None:
            _keep_template(shape, base, page, after_values + before_values)
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    if projection is not None:
        edges, start, end = projection.edges(rows, len(projection.columns), len(key))
    else:
        names = [c.key for c in key]
        edges = [Edge(cursor=_encode([getattr(r, n) for n in names]), node=to_node(r)) for r in rows]
        start, end = (edges[0].cursor, edges[-1].cursor) if edges else (None, None)

    async def count() -> int:
        async with db.read() as conn:
            if total is not None:
                return await total(conn)
            return await count_of(conn, stmt)

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_more if not backwards else before is not None,
            has_previous_page=has_more if backwards else after is not None,
            start_cursor=start,
            end_cursor=end,
        ),
        _count=count,
    )
