"""Inserts of whole rows, one statement per table built once, for hot units of work that write
without the ORM (a submission: db/direct.py's `in_session`).

The ORM fills a new object's Python-side column defaults as it flushes; a statement that names
every column must be given every value, so `values` fills them the same way. A column with a
server-side default could not be filled here without overriding it: such a table is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.sql.dml import Insert

_STATEMENTS: dict[tuple[str, bool], Insert] = {}


def _columns(table: Table) -> list[Any]:
    """The columns an insert names: all but an autoincrementing key (the database draws it)."""
    return [c for c in table.c if c is not table.autoincrement_column]


def statement(table: Table, *, returning: bool = False) -> Insert:
    """INSERT INTO table (every column) VALUES (:column, …) [RETURNING every column]."""
    key = (table.name, returning)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if refused := [c.name for c in table.c if c.server_default is not None]:
            raise ValueError(f"{table.name}: server-side defaults ({', '.join(refused)}) would be overridden")
        stmt = insert(table).values({c.name: bindparam(c.name, type_=c.type) for c in _columns(table)})
        if returning:
            stmt = stmt.returning(*table.c)
        _STATEMENTS[key] = stmt
    return stmt


def values(table: Table, given: dict[str, Any]) -> dict[str, Any]:
    """Every column's value for a new row: `given`, else the column's Python-side default (called
    if it is a function, as a flush calls it), else None. A name that is not a column is refused."""
    names = {c.name for c in table.c}
    if unknown := set(given) - names:
        raise KeyError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for c in _columns(table):
        if c.name in given:
            out[c.name] = given[c.name]
        elif c.default is None:
            out[c.name] = None
        elif c.default.is_callable:
            out[c.name] = c.default.arg(None)  # SQLAlchemy wraps a no-argument default to take a context
        else:
            out[c.name] = c.default.arg
    return out
