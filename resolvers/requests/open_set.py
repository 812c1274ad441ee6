"""The open requests as SQL, and the per-row probe that goes with a bounded set of rows.

However long the history grows, the open requests are a few thousand (4,403 both at one year
and at ten years of Zhifu's volume). A list of open requests therefore walks the partial index
`ix_request_open_created` newest first and checks each row's assignments with one index probe,
stopping at the page's end: its cost follows the open set and the page, not the history. The
planner, left alone, prefers hashing all of a unit's assignments (tens of thousands after a
year, ten times that after ten) — the right choice over the whole history, the wrong one here.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Exists, Select, exists, literal_column

from db.models import Request
from db.models.requests import IN_HAND_STATES, OPEN_STATES

R = Request.__table__


def _literals(column: ColumnElement[str], states: tuple[str, ...]) -> ColumnElement[bool]:
    # The values as literals, in the partial index's order: a bound parameter list would keep
    # both databases from proving the index applies.
    return column.in_([literal_column(f"'{state}'") for state in states])


def is_open(column: ColumnElement[str] = R.c.state) -> ColumnElement[bool]:
    """`state IN ('ACCEPTED', …)`: the open requests (`ix_request_open_created`)."""
    return _literals(column, OPEN_STATES)


def in_hand(column: ColumnElement[str] = R.c.state) -> ColumnElement[bool]:
    """The open requests past triage (`ix_request_in_hand_created`): the same rows as `is_open()`
    wherever the statement also requires an assignment, since no request holds one while
    SUBMITTED or TRIAGED — without walking the untriaged backlog first."""
    return _literals(column, IN_HAND_STATES)


def probe(subquery: Select) -> Exists:
    """EXISTS over a correlated subquery that stays one index probe per outer row.

    OFFSET 0 keeps PostgreSQL from turning the subquery into a (hash) semi-join or a hashed
    subplan; SQLite runs correlated subqueries per row anyway. Only for outer rows already
    bounded, such as the open set."""
    return exists(subquery.offset(literal_column("0")))
