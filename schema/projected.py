"""The hand-over between the compiled executor and `paginate` (schema/pagination.py): while a
compiled connection field resolves, PROJECTION holds the projection of its nodes, and a page of
that table and node type is read with only the columns (and joins) the nodes need, its nodes
built straight into response dicts. Kept apart from projection.py so that pagination imports
nothing of the types."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

PROJECTION: ContextVar[Any] = ContextVar("projection", default=None)


class Projected:
    """A node already completed: its response dict."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


def projection_for(key: Any, to_node: Any) -> Any:
    """The projection in force for a page keyed by `key` (columns of the list's table) whose rows
    become nodes by `to_node`."""
    projection = PROJECTION.get()
    if projection is None or projection.from_row != to_node or key[0].table is not projection.table:
        return None
    return projection
