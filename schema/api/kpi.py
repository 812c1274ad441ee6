"""Department KPI queries (部门考核, SPEC §7): per unit for any period, and the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from resolvers.kpi import kpi_trend, unit_kpis
from resolvers.kpi.rule_store import define_rules, load_versions
from resolvers.kpi.rules import DEFAULT_RULES
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.permissions import SignedIn
from schema.types.kpi import _GID_TYPE, KpiRules, KpiUnitKind, UnitKpi

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


    @strawberry.field(permission_classes=[SignedIn], description=(
        "Every version of the KPI rules, the defaults (version 0) first, then by the date they take effect. Readable by "
        "anyone signed in: the rules a unit is measured by are no secret."))
    async def kpi_rules(self, info: Info) -> list[KpiRules]:
        async with info.context.db.read() as conn:
            versions = await load_versions(conn)
        return [KpiRules.of(r) for r in [DEFAULT_RULES, *versions]]


@strawberry.input(description="A new version of the KPI rules.")
class DefineKpiRulesInput:
    effective_from: date = strawberry.field(description="First local day it applies to: today or later (the past is never re-scored).")
    base_score: int = strawberry.field(default=100, description="1–1000.")
    late_response_points: int = strawberry.field(default=1, description="0–100; 0 turns the deduction off.")
    refused_resolution_points: int = strawberry.field(default=1, description="0–100; 0 turns the deduction off.")
    unsatisfied_rating_points: int = strawberry.field(default=1, description="0–100; 0 turns the deduction off.")
    co_handlers_measured: bool = True
    note: str = strawberry.field(default="", description="Why (e.g. the district's document number).")


@strawberry.type(description="The version added.")
class DefineKpiRulesPayload:
    rules: KpiRules


@strawberry.type(description="KPI rule mutations.")
class KpiMutation:
    @strawberry.mutation(description=(
        "Add a version of the KPI rules (ADMIN only; audited). A date already taken: CONFLICT; a date in the past or a "
        "value out of range: BAD_USER_INPUT."))
    async def define_kpi_rules(self, info: Info, input: DefineKpiRulesInput) -> DefineKpiRulesPayload:
        async with write_unit(info.context) as session:
            rules = await define_rules(
                session, info.context.actor, effective_from=input.effective_from, base_score=input.base_score,
                late_response_points=input.late_response_points, refused_resolution_points=input.refused_resolution_points,
                unsatisfied_rating_points=input.unsatisfied_rating_points, co_handlers_measured=input.co_handlers_measured,
                note=input.note)
        return DefineKpiRulesPayload(rules=KpiRules.of(rules))


async def _unit_kpis(info: Info, kind: KpiUnitKind, date_from: date, date_to: date, gid: strawberry.ID | None) -> list[UnitKpi]:
    unit_id = _pk(gid, kind)
    async with info.context.db.read() as conn:
        rows = await unit_kpis(conn, info.context.actor, kind=kind.value, date_from=date_from, date_to=date_to, unit_id=unit_id)
    return [UnitKpi.of(r) for r in rows]
