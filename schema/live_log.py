"""Reading the event log for live delivery: a range of events with the rows every subscriber is
judged on (the request as it is now, its assignments, the streets of the sections named), read
once per range and shared by all subscribers of a process (schema/fanout.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

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


async def log_top(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.coalesce(func.max(E.c.seq), 0)))).scalar_one()


async def read_items(conn: AsyncConnection, after: int, upto: int | None, limit: int) -> list[LogItem]:
    """Events with after < seq <= upto, oldest first, at most `limit`, with their rows.

    `upto` None means the log's top, read in the same statement — so in the same snapshot: seqs
    follow commit order (resolvers/events.py), so whatever that snapshot shows up to its top is
    all there will ever be up to there. Three statements, each fine on its own snapshot: the
    request and assignment rows are simply as they are now (as `visible()` would read them)."""
    top = select(func.max(E.c.seq)).scalar_subquery() if upto is None else upto
    events = (await conn.execute(select(E).where(E.c.seq > after, E.c.seq <= top).order_by(E.c.seq).limit(limit))).all()
    if not events:
        return []
    ids = {e.request_id for e in events}
    requests = {r.id: r for r in (await conn.execute(select(R).where(R.c.id.in_(ids)))).all()}
    by_request: dict[int, list[Any]] = {i: [] for i in ids}
    section_street: dict[int, int] = {}
    assignments = select(A, S.c.street_id.label("section_street_id")).outerjoin(
        S, and_(A.c.unit_kind == "SECTION", S.c.id == A.c.unit_id)).where(A.c.request_id.in_(ids)).order_by(A.c.id)
    for a in (await conn.execute(assignments)).all():
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
