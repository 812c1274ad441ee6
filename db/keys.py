"""`column IN (the keys of a batch)`, written so that its SQL is the same for any number of keys.

SQLAlchemy's expanding IN renders the statement again at every execution (`IN ($1, $2, … $n)`),
and asyncpg prepares a statement for every distinct n: a page of 30 requests whose relations
come in batches of 1 to 30 keys re-rendered and re-prepared a dozen statements — ~0.8 ms of a
console wall's 12 ms. On PostgreSQL the keys go as one array parameter (`= ANY($1::INTEGER[])`):
one text, prepared once per connection. SQLite has no arrays; it keeps the expanding IN.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def in_keys(column: ColumnElement[Any], name: str, dialect: str, *, one: bool = False) -> ColumnElement[bool]:
    """`column` among the values of the parameter `name` (a list), for the `dialect` ("postgresql", "sqlite").

    `one`: the parameter is a single key, `column = $1`. PostgreSQL plans `= ANY($1)` again at every
    execution where its generic plan, made for an array of unknown length, never looks cheaper than
    a custom one — for one key, the usual case of a single object's page, that planning can cost
    several times the execution (issue #10); `= $1` gets a generic plan, made once per connection."""
    if one:
        return column == bindparam(name, type_=column.type)
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
