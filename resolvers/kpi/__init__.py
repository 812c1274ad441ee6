"""Department KPIs with deductions (SPEC §7): who may see which unit, and the entry points.

`formulas` holds the arithmetic (pure functions), `gather` the SQL that collects the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.base import utcnow
from db.models import StreetSection
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.kpi.formulas import UnitKpi
from resolvers.kpi.gather import KPI_UNIT_KINDS, Unit, gather, local_period, units_of
from resolvers.kpi.rule_store import load_versions, rules_for
from resolvers.kpi.rules import rules_on
from resolvers.requests.vocab import UnitKind
from resolvers.roles import Role, ScopeKind

__all__ = ["KpiRow", "allowed_unit_ids", "unit_kpis", "kpi_trend", "MAX_DAYS"]

ALL_UNITS = {Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER, Role.ADMIN}
MAX_DAYS = 366 * 3


@dataclass
class KpiRow:
    unit: Unit
    kpi: UnitKpi
    period_from: date
    period_to: date


async def allowed_unit_ids(conn: AsyncConnection, actor: Actor | None, kind: str) -> set[int] | None:
    """The unit ids of `kind` the actor may see (None: all). CENTER, DISTRICT_LEADER and ADMIN see
    all; a DEPARTMENT_HANDLER its own departments; a STREET_OFFICER its streets and their sections
    (and sections it is scoped to); everyone else is refused."""
    if actor is None:
        raise Forbidden("请先登录", "Sign in first")
    if actor.role in ALL_UNITS:
        return None
    if actor.role is Role.DEPARTMENT_HANDLER and kind == UnitKind.DEPARTMENT.value:
        return set(actor.ids(ScopeKind.DEPARTMENT))
    if actor.role is Role.STREET_OFFICER and kind == UnitKind.STREET.value:
        return set(actor.ids(ScopeKind.STREET))
    if actor.role is Role.STREET_OFFICER and kind == UnitKind.SECTION.value:
        streets = sorted(actor.ids(ScopeKind.STREET))
        S = StreetSection.__table__
        own = set(actor.ids(ScopeKind.SECTION))
        if streets:
            own |= set((await conn.execute(select(S.c.id).where(S.c.street_id.in_(streets)))).scalars())
        return own
    raise Forbidden("无权查看该类单位的考核指标", "You may not see the KPIs of these units")


async def _units(conn: AsyncConnection, actor: Actor | None, kind: str, unit_id: int | None) -> list[Unit]:
    if kind not in KPI_UNIT_KINDS:
        raise BadUserInput("只有区直部门、街道和街道科室有考核指标", "KPIs are for departments, streets and street sections", field="unitKind")
    allowed = await allowed_unit_ids(conn, actor, kind)
    if unit_id is not None:
        if allowed is not None and unit_id not in allowed:
            raise Forbidden("无权查看该单位的考核指标", "You may not see this unit's KPIs")
        found = await units_of(conn, kind, [unit_id])
        if not found:
            raise NotFound("单位不存在", "No such unit")
        return found
    return await units_of(conn, kind, allowed)


async def unit_kpis(conn: AsyncConnection, actor: Actor | None, *, kind: str, date_from: date, date_to: date,
                    unit_id: int | None = None, now: datetime | None = None) -> list[KpiRow]:
    """The KPIs of the units of `kind` the actor may see (or of one), for local dates
    `date_from` … `date_to` inclusive, as of `now`, under the rules in effect on `date_from`."""
    if date_to < date_from:
        raise BadUserInput("结束日期不能早于开始日期", "`to` is before `from`", field="to")
    if (date_to - date_from).days >= MAX_DAYS:
        raise BadUserInput("统计区间最长三年", "A period is at most three years", field="to")
    units = await _units(conn, actor, kind, unit_id)
    start, end = local_period(date_from, date_to)
    facts = await gather(conn, units, start, end)
    now = now or utcnow()
    rules = await rules_for(conn, date_from)
    return [KpiRow(u, k, date_from, date_to) for u, k in facts.kpis(now, rules)]


async def kpi_trend(conn: AsyncConnection, actor: Actor | None, *, kind: str, unit_id: int, year: int,
                    now: datetime | None = None) -> list[KpiRow]:
    """One row per local month of `year` for one unit (months not begun yet have null rates), each
    month under the rules in effect on its first day."""
    if not 2000 <= year <= 2100:
        raise BadUserInput("年份无效", "Year out of range", field="year")
    units = await _units(conn, actor, kind, unit_id)
    now = now or utcnow()
    versions = await load_versions(conn)
    out = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)
        start, end = local_period(first, last)
        facts = await gather(conn, units, start, end)
        for u, k in facts.kpis(now, rules_on(versions, first)):
            out.append(KpiRow(u, k, first, last))
    return out
