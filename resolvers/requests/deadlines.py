"""Deadlines of each step (SPEC §5.5) from the subcategory's policy and the holiday table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Holiday, HolidayYear, Subcategory
from resolvers.calendar import Deadline, HolidayTable, add_calendar_days, add_clock_hours, add_working_days

# Defaults when a request has no subcategory yet (SPEC §5.5).
DEFAULT_POLICY = {
    "triage_minutes": 30,
    "major_response_hours": 2,
    "major_resolve_working_days": 5,
    "minor_a_hours": 24,
    "minor_c_progress_days": 7,
    "private_response_hours": 48,
}
# Steps the seed names without a figure; ours, stated here and in the schema.
REDISPATCH_HOURS = 24  # the street's second dispatch after a dispute
DECISION_WORKING_DAYS = 3  # the district's decision on an escalated dispute


@dataclass(frozen=True)
class Policy:
    triage_minutes: int
    major_response_hours: int
    major_resolve_working_days: int
    minor_a_hours: int
    minor_c_progress_days: int
    private_response_hours: int


async def policy_for(session: AsyncSession, subcategory_id: int | None) -> Policy:
    if subcategory_id is None:
        return Policy(**DEFAULT_POLICY)
    t = Subcategory.__table__
    row = (await session.execute(select(*[t.c[k] for k in DEFAULT_POLICY]).where(t.c.id == subcategory_id))).first()
    return Policy(**(row._asdict() if row else DEFAULT_POLICY))


async def holiday_table(session: AsyncSession) -> HolidayTable:
    rows = (await session.execute(select(Holiday.day, Holiday.is_workday, Holiday.name))).all()
    years = (await session.execute(select(HolidayYear.year))).scalars().all()
    return HolidayTable.from_rows([(r.day, r.is_workday, r.name) for r in rows], entered_years=years)


def hours(start: datetime, n: float) -> Deadline:
    return Deadline(at=add_clock_hours(start, n), estimated=False)


def days(start: datetime, n: int) -> Deadline:
    return Deadline(at=add_calendar_days(start, n), estimated=False)


def working_days(start: datetime, n: int, table: HolidayTable) -> Deadline:
    return add_working_days(start, n, table)


def triage_due(created_at: datetime, policy: Policy) -> Deadline:
    return Deadline(at=created_at + timedelta(minutes=policy.triage_minutes), estimated=False)


def set_due(request: Any, kind: str | None, deadline: Deadline | None) -> None:
    """Point the request's clock at the next deadline; a new step clears the overdue mark."""
    request.due_kind = kind
    request.due_at = deadline.at if deadline else None
    request.due_estimated = bool(deadline and deadline.estimated)
    request.overdue = False
    request.overdue_since = None
