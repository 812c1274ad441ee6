"""To-one relation fields (a request's community, a community's street, …) declared once.

`@to_one("community", lambda self: self.row.community_id, Community.from_row)` on a stub turns it
into the usual DataLoader resolver and records how the field is found, so the compiled executor
(schema/compiled/) can load the field for a whole page of parents with one `load_many` instead
of one coroutine per parent. Both paths run the same key function, loader and wrapper.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToOne:
    loader: str  # attribute of schema.loaders.Loaders
    key: Callable[[Any], int | None]  # the parent object → the related row's id (None: no relation)
    wrap: Callable[[Any], Any]  # the related row → the API object


def to_one(loader: str, key: Callable[[Any], int | None], wrap: Callable[[Any], Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    relation = ToOne(loader, key, wrap)

    def decorate(stub: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(stub)  # strawberry reads the stub's signature and return annotation
        async def resolver(self: Any, info: Any) -> Any:
            pk = key(self)
            if pk is None:
                return None
            row = await getattr(info.context.loaders, loader).load(pk)
            return None if row is None else wrap(row)

        resolver.__to_one__ = relation  # type: ignore[attr-defined]
        return resolver

    return decorate


def relation_of(resolver: Any) -> ToOne | None:
    return getattr(resolver, "__to_one__", None)


@dataclass(frozen=True)
class ById:
    """A root field that gives one row by id (`request(id:)`, `node(id:)`). For a caller who may
    see every row of the row's type (`whole`), the compiled executor reads it with just the
    columns its selection needs and its to-one relations joined, in one statement, and its child
    connections after it; for anyone else, or a type without columns (schema/compiled/columnar.py),
    the resolver runs, with its checks. The field must have no permission classes or other
    extensions: `whole` is the only check the statement makes."""

    key: Callable[[dict[str, Any]], tuple[str, int]]  # the field's arguments → (type name, id); raises on a malformed id
    whole: Callable[[Any, str], bool]  # (context, type name) → whether the caller sees every row of that type


def by_id(key: Callable[[dict[str, Any]], tuple[str, int]], whole: Callable[[Any, str], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    spec = ById(key, whole)

    def decorate(resolver: Callable[..., Any]) -> Callable[..., Any]:
        resolver.__by_id__ = spec  # type: ignore[attr-defined]
        return resolver

    return decorate


def by_id_of(resolver: Any) -> ById | None:
    return getattr(resolver, "__by_id__", None)


@dataclass(frozen=True)
class ToMany:
    """A connection of the rows of `table` whose `parent_column` is the parent's key, in `order`."""

    table: Any
    parent_column: str
    key: Callable[[Any], int]
    node: Callable[[], Any]  # the API type (late: types refer to each other); its from_row makes nodes
    order: tuple[str, ...] = ("id",)


def to_many(table: Any, parent_column: str, key: Callable[[Any], int], node: Callable[[], Any],
            order: tuple[str, ...] = ("id",)) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A child connection (a street's communities, …): keyset pages of one parent's children. The
    compiled executor reads the first page of every parent of a level in one windowed statement."""
    relation = ToMany(table, parent_column, key, node, order)

    def decorate(stub: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(stub)
        async def resolver(self: Any, info: Any, first: int | None = None, after: str | None = None,
                           last: int | None = None, before: str | None = None) -> Any:
            from sqlalchemy import select

            from schema.pagination import paginate

            stmt = select(table).where(table.c[parent_column] == key(self))
            return await paginate(info.context.db, stmt, [table.c[o] for o in order], node().from_row,
                                  first=first, after=after, last=last, before=before)

        resolver.__to_many__ = relation  # type: ignore[attr-defined]
        return resolver

    return decorate


def children_of(resolver: Any) -> ToMany | None:
    return getattr(resolver, "__to_many__", None)
