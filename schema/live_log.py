"""Reading the event log for live delivery: a range of events with the rows every subscriber is
judged on (the request as it is now, its assignments, the streets of the sections named), read
once per range and shared by all subscribers of a process (schema/fanout.py)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db import direct
from db.keys import in_keys
from db.models import Assignment, Request, RequestEvent, StreetSection
from schema.loaders import Loaders

E = RequestEvent.__table__
R = Request.__table__
A = Assignment.__table__
S = StreetSection.__table__


@dataclass(slots=True)
class LogItem:
    event: Any  # the request_event row
    request: Any  # the request row as it is now (the same rows `visible()` would join)
    assignments: list[Any]
    section_street: dict[int, int]  # street of every SECTION unit named in this batch
    _data: dict[str, Any] | None = field(default=None)

    @property
    def seq(self) -> int:
        return self.event.seq

    @property
    def data(self) -> dict[str, Any]:
        """The event's `data` JSON, parsed once however many subscriptions look at it."""
        if self._data is None:
            self._data = json.loads(self.event.data or "{}")
        return self._data


# Built once: every bell of every process runs them (issue #10 — building them per read, and
# SQLAlchemy's execution of them, were a fifth of the hub's time). On PostgreSQL they run on
# asyncpg itself (db/direct.py): the id lists go as one array parameter (db/keys.py).
_TOP = select(func.coalesce(func.max(E.c.seq), 0))
_EVENTS_UPTO = select(E).where(E.c.seq > bindparam("after"), E.c.seq <= bindparam("upto")).order_by(E.c.seq).limit(bindparam("limit"))
_EVENTS_TO_TOP = (select(E).where(E.c.seq > bindparam("after"), E.c.seq <= select(func.max(E.c.seq)).scalar_subquery())
                  .order_by(E.c.seq).limit(bindparam("limit")))


@functools.cache
def _row_statements(dialect: str) -> tuple[Any, Any]:
    """The requests, and their assignments with the street of a SECTION unit, of a set of ids."""
    requests = select(R).where(in_keys(R.c.id, "ids", dialect))
    assignments = select(A, S.c.street_id.label("section_street_id")).outerjoin(
        S, and_(A.c.unit_kind == "SECTION", S.c.id == A.c.unit_id)).where(in_keys(A.c.request_id, "ids", dialect)).order_by(A.c.id)
    return requests, assignments


async def log_top(conn: AsyncConnection) -> int:
    return (await direct.rows(conn, _TOP))[0][0]


async def read_items(conn: AsyncConnection, after: int, upto: int | None, limit: int) -> list[LogItem]:
    """Events with after < seq <= upto, oldest first, at most `limit`, with their rows.

    `upto` None means the log's top, read in the same statement — so in the same snapshot: seqs
    follow commit order (resolvers/events.py), so whatever that snapshot shows up to its top is
    all there will ever be up to there. Three statements, each fine on its own snapshot: the
    request and assignment rows are simply as they are now (as `visible()` would read them)."""
    if upto is None:
        events = await direct.rows(conn, _EVENTS_TO_TOP, {"after": after, "limit": limit}, named=True)
    else:
        events = await direct.rows(conn, _EVENTS_UPTO, {"after": after, "upto": upto, "limit": limit}, named=True)
    if not events:
        return []
    ids = list({e.request_id for e in events})
    requests_of, assignments_of = _row_statements(conn.dialect.name)
    requests = {r.id: r for r in await direct.rows(conn, requests_of, {"ids": ids}, named=True)}
    by_request: dict[int, list[Any]] = {i: [] for i in ids}
    section_street: dict[int, int] = {}
    for a in await direct.rows(conn, assignments_of, {"ids": ids}, named=True):
        by_request[a.request_id].append(a)
        if a.section_street_id is not None:
            section_street[a.unit_id] = a.section_street_id
    return [LogItem(e, requests.get(e.request_id), by_request[e.request_id], section_street) for e in events]


def primed_loaders(db: Any, items: list[LogItem]) -> Loaders:
    """Fresh DataLoaders for one delivery round, already holding the rows just read: rendering
    the events then costs no query for the request or its assignments."""
    loaders = Loaders(db)
    for item in items:
        if item.request is not None:
            loaders.request.prime(item.request.id, item.request)
            loaders.assignments_of_request.prime(item.request.id, item.assignments)
    return loaders
