"""Department KPI queries (部门考核, SPEC §7): per unit for any period, and the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from resolvers.kpi import kpi_trend, unit_kpis
from schema.context import Info
from schema.ids import from_global_id
from schema.permissions import SignedIn
from schema.types.kpi import _GID_TYPE, KpiUnitKind, UnitKpi

WHO = ("CENTER_DISPATCHER, DISTRICT_LEADER and ADMIN see every unit; a DEPARTMENT_HANDLER its own department(s); a "
       "STREET_OFFICER its street(s) and their sections; everyone else gets FORBIDDEN.")


def _pk(gid: strawberry.ID | None, kind: KpiUnitKind) -> int | None:
    return None if gid is None else from_global_id(gid, _GID_TYPE[kind.value])[1]


@strawberry.type(description="Department KPI queries.")
class KpiQuery:
    @strawberry.field(permission_classes=[SignedIn], description=(
        "部门考核 — the KPIs of every department you may see (or of `departmentId`) for local dates `from`–`to` "
        "inclusive (Asia/Shanghai), ordered by department. A department with no assignments in the period has null "
        "rates and score 100. " + WHO))
    async def department_kpis(self, info: Info, from_: Annotated[date, strawberry.argument(name="from")], to: date,
                              department_id: strawberry.ID | None = None) -> list[UnitKpi]:
        return await _unit_kpis(info, KpiUnitKind.DEPARTMENT, from_, to, department_id)

    @strawberry.field(permission_classes=[SignedIn], description=(
        "The same KPIs for any unit kind that receives dispatches: DEPARTMENT, STREET or SECTION. " + WHO))
    async def unit_kpis(self, info: Info, unit_kind: KpiUnitKind, from_: Annotated[date, strawberry.argument(name="from")],
                        to: date, unit_id: strawberry.ID | None = None) -> list[UnitKpi]:
        return await _unit_kpis(info, unit_kind, from_, to, unit_id)

    @strawberry.field(permission_classes=[SignedIn], description=(
        "One department's KPIs per local month of `year` (12 rows, January first; months not begun have null rates). "
        "Give `unitKind` STREET or SECTION with that unit's ID for other units. " + WHO))
    async def kpi_trend(self, info: Info, department_id: strawberry.ID, year: int,
                        unit_kind: KpiUnitKind = KpiUnitKind.DEPARTMENT) -> list[UnitKpi]:
        unit_id = _pk(department_id, unit_kind)
        async with info.context.db.read() as conn:
            rows = await kpi_trend(conn, info.context.actor, kind=unit_kind.value, unit_id=unit_id, year=year)
        return [UnitKpi.of(r) for r in rows]


async def _unit_kpis(info: Info, kind: KpiUnitKind, date_from: date, date_to: date, gid: strawberry.ID | None) -> list[UnitKpi]:
    unit_id = _pk(gid, kind)
    async with info.context.db.read() as conn:
        rows = await unit_kpis(conn, info.context.actor, kind=kind.value, date_from=date_from, date_to=date_to, unit_id=unit_id)
    return [UnitKpi.of(r) for r in rows]
