"""The SQL side of the department KPIs: collect, for units of one kind and a period, the plain
facts `resolvers.kpi.formulas` computes with. No arithmetic on the figures here.

What is read (SQLAlchemy Core, no ORM objects):

* the unit's assignments (LEAD and CO) that were made, or whose response or resolution deadline
  falls, in the period;
* every LEAD assignment of those requests and of the requests rated or reopened in the period
  (to know who led when, and how a dispute was ruled);
* the RESOLVED, REOPENED and RATED events of those requests, each charged to the LEAD assignment
  in charge at its time (the latest LEAD assignment made at or before it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, or_, select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Assignment, Department, Request, RequestEvent, Street, StreetSection
from resolvers.kpi.formulas import AGAINST, PENDING, UPHELD, AssignmentFact, EventFact, UnitKpi, unit_kpi
from resolvers.kpi.rules import DEFAULT_RULES, KpiRules
from resolvers.requests.vocab import EventKind, UnitKind

A = Assignment.__table__
R = Request.__table__
E = RequestEvent.__table__

KPI_UNIT_KINDS = (UnitKind.DEPARTMENT.value, UnitKind.STREET.value, UnitKind.SECTION.value)
_UNIT_TABLES = {
    UnitKind.DEPARTMENT.value: Department.__table__,
    UnitKind.STREET.value: Street.__table__,
    UnitKind.SECTION.value: StreetSection.__table__,
}
_EVENT_KINDS = (EventKind.RESOLVED.value, EventKind.REOPENED.value, EventKind.RATED.value)


@dataclass
class Unit:
    kind: str
    id: int
    name: str
    street_id: int | None = None  # of a section


@dataclass
class Facts:
    """Everything the formulas need for a set of units and one period."""

    start: datetime
    end: datetime
    units: list[Unit]
    assignments: list[AssignmentFact] = field(default_factory=list)
    events: list[EventFact] = field(default_factory=list)

    def kpi(self, unit: Unit, now: datetime, rules: KpiRules = DEFAULT_RULES) -> UnitKpi:
        return unit_kpi(unit.kind, unit.id, self.assignments, self.events, self.start, self.end, now, rules)

    def kpis(self, now: datetime, rules: KpiRules = DEFAULT_RULES) -> list[tuple[Unit, UnitKpi]]:
        mine: dict[tuple[str, int], list[AssignmentFact]] = defaultdict(list)
        for f in self.assignments:
            mine[(f.unit_kind, f.unit_id)].append(f)
        lead_ids: dict[tuple[str, int], set[int]] = defaultdict(set)
        for f in self.assignments:
            if f.role == "LEAD":
                lead_ids[(f.unit_kind, f.unit_id)].add(f.assignment_id)
        by_assignment: dict[int, list[EventFact]] = defaultdict(list)
        for e in self.events:
            by_assignment[e.assignment_id].append(e)
        out = []
        for u in self.units:
            key = (u.kind, u.id)
            evs = [e for aid in sorted(lead_ids.get(key, ())) for e in by_assignment.get(aid, [])]
            out.append((u, unit_kpi(u.kind, u.id, mine.get(key, []), evs, self.start, self.end, now, rules)))
        return out


async def units_of(conn: AsyncConnection, kind: str, ids: Iterable[int] | None = None) -> list[Unit]:
    """The units of `kind` (all of them, or those with `ids`), ordered by id."""
    t = _UNIT_TABLES[kind]
    cols = [t.c.id, t.c.name] + ([t.c.street_id] if kind == UnitKind.SECTION.value else [])
    stmt = select(*cols).order_by(t.c.id)
    if ids is not None:
        stmt = stmt.where(t.c.id.in_(sorted(set(ids))))
    return [Unit(kind, r.id, r.name, getattr(r, "street_id", None)) for r in await conn.execute(stmt)]


def _lead_at(leads: list[Any], at: datetime) -> Any | None:
    current = None
    for lead in leads:
        if lead.assigned_at <= at:
            current = lead
        else:
            break
    return current


def _dispute_outcome(a: Any, leads: list[Any]) -> str | None:
    if a.status != "DISPUTED" or a.role != "LEAD":
        return None
    later = [x for x in leads if x.round > a.round]
    if not later:
        return PENDING
    final = max(later, key=lambda x: (x.round, x.assigned_at, x.id))
    return AGAINST if (final.unit_kind, final.unit_id) == (a.unit_kind, a.unit_id) else UPHELD


def _score(data: str) -> tuple[Fraction | None, str | None]:
    try:
        parsed = json.loads(data or "{}")
    except ValueError:
        return None, None
    raw = parsed.get("score")
    score = Fraction(str(raw)) if raw is not None else None
    return score, parsed.get("by")


async def gather(conn: AsyncConnection, units: list[Unit], start: datetime, end: datetime) -> Facts:
    """The facts of `units` (all of one kind) for the period ``[start, end)``."""
    facts = Facts(start=start, end=end, units=units)
    if not units:
        return facts
    kind = units[0].kind
    ids = sorted({u.id for u in units})
    mine = and_(A.c.unit_kind == kind, A.c.unit_id.in_(ids))
    in_period = or_(
        and_(A.c.assigned_at >= start, A.c.assigned_at < end),
        and_(A.c.response_due_at >= start, A.c.response_due_at < end),
        and_(A.c.resolve_due_at >= start, A.c.resolve_due_at < end),
    )
    rated_or_reopened = select(E.c.request_id).where(
        E.c.kind.in_((EventKind.RATED.value, EventKind.REOPENED.value)), E.c.at >= start, E.c.at < end,
        E.c.request_id.in_(select(A.c.request_id).where(mine, A.c.role == "LEAD")),
    )
    request_ids = union(select(A.c.request_id).where(mine, in_period), rated_or_reopened).subquery()
    ids_q = select(request_ids.c.request_id)

    rows = (await conn.execute(
        select(A.c.id, A.c.request_id, A.c.unit_kind, A.c.unit_id, A.c.role, A.c.round, A.c.status, A.c.assigned_at,
               A.c.response_due_at, A.c.responded_at, A.c.resolve_due_at, R.c.tracking_code)
        .join(R, R.c.id == A.c.request_id)
        .where(A.c.request_id.in_(ids_q), or_(A.c.role == "LEAD", mine))
        .order_by(A.c.request_id, A.c.assigned_at, A.c.id)
    )).all()
    leads: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        if r.role == "LEAD":
            leads[r.request_id].append(r)

    resolved_at: dict[int, datetime] = {}
    reopened: set[int] = set()
    unit_lead_ids = {r.id for r in rows if r.role == "LEAD" and r.unit_kind == kind and r.unit_id in ids}
    ev_rows = (await conn.execute(
        select(E.c.request_id, E.c.kind, E.c.at, E.c.data, E.c.seq)
        .where(E.c.request_id.in_(ids_q), E.c.kind.in_(_EVENT_KINDS))
        .order_by(E.c.seq)
    )).all()
    codes = {r.request_id: r.tracking_code for r in rows}
    for ev in ev_rows:
        lead = _lead_at(leads.get(ev.request_id, []), ev.at)
        if lead is None:
            continue
        if ev.kind == EventKind.RESOLVED.value:
            resolved_at[lead.id] = ev.at
        elif ev.kind == EventKind.REOPENED.value:
            reopened.add(lead.id)
        if lead.id not in unit_lead_ids or ev.kind == EventKind.RESOLVED.value:
            continue
        score, by = _score(ev.data)
        if not (start <= ev.at < end):
            continue
        facts.events.append(EventFact(
            kind=ev.kind, request_id=ev.request_id, tracking_code=codes.get(ev.request_id, ""), assignment_id=lead.id,
            at=ev.at, score=score if ev.kind == EventKind.RATED.value else None,
            by=by if ev.kind == EventKind.REOPENED.value else None,
        ))

    for r in rows:
        if r.unit_kind != kind or r.unit_id not in ids:
            continue
        facts.assignments.append(AssignmentFact(
            assignment_id=r.id, request_id=r.request_id, tracking_code=r.tracking_code, unit_kind=r.unit_kind,
            unit_id=r.unit_id, role=r.role, round=r.round, assigned_at=r.assigned_at, status=r.status,
            response_due_at=r.response_due_at, responded_at=r.responded_at, resolve_due_at=r.resolve_due_at,
            dispute_outcome=_dispute_outcome(r, leads.get(r.request_id, [])),
            resolved_at=resolved_at.get(r.id) if r.role == "LEAD" else None,
            reopened=r.id in reopened,
        ))
    return facts


def local_period(start: date, end_inclusive: date) -> tuple[datetime, datetime]:
    """Local dates `start` … `end_inclusive` (Asia/Shanghai) as the half-open UTC period."""
    from resolvers.reports.cadence import day_period

    return day_period(start)[0], day_period(end_inclusive)[1]
