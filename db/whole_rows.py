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


_PLANS: dict[str, tuple[frozenset[str], tuple[tuple[str, int, Any], ...]]] = {}
_NONE, _CALL, _VALUE = 0, 1, 2


def _columns(table: Table) -> list[Any]:
    """The columns an insert names: all but an autoincrementing key (the database draws it)."""
    return [c for c in table.c if c is not table.autoincrement_column]


def _plan(table: Table) -> tuple[frozenset[str], tuple[tuple[str, int, Any], ...]]:
    """The table's column names, and for each column an insert names how its default is made."""
    plan = _PLANS.get(table.name)
    if plan is None:
        defaults = []
        for c in _columns(table):
            if c.default is None:
                defaults.append((c.name, _NONE, None))
            elif c.default.is_callable:
                defaults.append((c.name, _CALL, c.default.arg))
            else:
                defaults.append((c.name, _VALUE, c.default.arg))
        plan = _PLANS[table.name] = (frozenset(c.name for c in table.c), tuple(defaults))
    return plan


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
    names, defaults = _plan(table)
    if not given.keys() <= names:
        raise KeyError(f"{table.name} has no column {', '.join(sorted(set(given) - names))}")
    out: dict[str, Any] = {}
    for name, how, arg in defaults:
        if name in given:
            out[name] = given[name]
        elif how == _CALL:
            out[name] = arg(None)  # SQLAlchemy wraps a no-argument default to take a context
        else:
            out[name] = arg
    return out
