"""The follow-up cadence reports, on screen and as signed CSV / Excel downloads."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import date, datetime
from enum import Enum
from typing import Annotated
from urllib.parse import urlencode

import strawberry

from resolvers.reports.export import csv_rows, table_rows
from resolvers.reports.run import ReportRequest, run_report
from schema.context import Info
from schema.permissions import SignedIn
from schema.types.kpi import _GID_TYPE, KpiUnitKind

EXPORT_TTL = 600


@strawberry.enum(description="一天一跟进 / 一周一调度 / 一月一督考 / 一季一总结 (SPEC §5.5).")
class CadenceReportKind(Enum):
    DAILY_FOLLOWUP = "DAILY_FOLLOWUP"
    WEEKLY_DISPATCH = "WEEKLY_DISPATCH"
    MONTHLY_SUPERVISION = "MONTHLY_SUPERVISION"
    QUARTERLY_SUMMARY = "QUARTERLY_SUMMARY"


@strawberry.type(description="A column of a report.")
class ReportColumn:
    key: str
    label: str = strawberry.field(description="Chinese header.")
    kind: str = strawberry.field(description="text, int, float, percent or datetime.")


@strawberry.type(description=(
    "A further table of a cadence report for the same period: `league` 单位排行榜 (departments, streets and street "
    "sections ranked by KPI score — 100 − deductions, see `departmentKpis` — then by fewer overdue items; equal units "
    "share a rank) or `overdue_by_unit` 挂牌督办事项 (the period's overdue items per responsible unit). In the Excel "
    "download each is a sheet of its own."))
class ReportTable:
    key: str = strawberry.field(description="league or overdue_by_unit.")
    title: str
    columns: list[ReportColumn]
    rows: list[list[str]] = strawberry.field(description="Cells as the Excel sheet shows them (rates as 66.7%), header excluded.")


@strawberry.type(description="A follow-up report within your scope; every figure is traceable to its requests.")
class CadenceReport:
    kind: CadenceReportKind
    title: str
    title_en: str
    period_start: datetime
    period_end: datetime = strawberry.field(description="Exclusive end; periods are Asia/Shanghai days, weeks (Mon–Sun), months, quarters.")
    columns: list[ReportColumn]
    rows: list[list[str]] = strawberry.field(description="Cells as the CSV shows them, header excluded, totals last if any.")
    csv_url: str = strawberry.field(description="Signed download (UTF-8 with BOM), valid 10 minutes.")
    xlsx_url: str = strawberry.field(description="Signed Excel download (the report, then one sheet per further table), valid 10 minutes.")
    tables: list[ReportTable] = strawberry.field(description="The per-unit league table and the overdue (挂牌督办) items per unit for the same period.")


def sign_export(secret: str, user_id: int, params: dict[str, str], fmt: str, expires: int) -> str:
    body = urlencode(sorted({**params, "fmt": fmt, "uid": str(user_id), "exp": str(expires)}.items()))
    return hmac.new(secret.encode(), f"export:{body}".encode(), hashlib.sha256).hexdigest()[:40]


def export_url(secret: str, user_id: int, params: dict[str, str], fmt: str) -> str:
    expires = int(time.time()) + EXPORT_TTL
    query = {**params, "fmt": fmt, "uid": str(user_id), "exp": str(expires)}
    return "/exports/report?" + urlencode({**query, "sig": sign_export(secret, user_id, params, fmt, expires)})


@strawberry.type(description="Report queries.")
class ReportQuery:
    @strawberry.field(permission_classes=[SignedIn], description=(
        "A follow-up cadence report for the period containing `day` (default today), within your scope: the center, "
        "district and evaluators see the district; a street its street; a community its community; a department its own."))
    async def cadence_report(self, info: Info, kind: CadenceReportKind, day: date | None = None) -> CadenceReport:
        from resolvers.calendar import LOCAL_TZ

        actor = info.context.actor
        req = ReportRequest(kind=kind.value, day=day or datetime.now(LOCAL_TZ).date())
        async with info.context.db.read() as conn:
            report = await run_report(conn, actor, req)
        table = csv_rows(report)
        secret = info.context.settings.secret_key
        return CadenceReport(
            kind=kind, title=report.title, title_en=report.title_en, period_start=report.period_start, period_end=report.period_end,
            columns=[ReportColumn(key=c.key, label=c.label_zh, kind=c.kind) for c in report.columns], rows=table[1:],
            csv_url=export_url(secret, actor.user_id, req.params(), "csv"),
            xlsx_url=export_url(secret, actor.user_id, req.params(), "xlsx"),
            tables=[
                ReportTable(key=t.key, title=t.title, columns=[ReportColumn(key=c.key, label=c.label_zh, kind=c.kind) for c in t.columns],
                            rows=table_rows(t.columns, t.rows)[1:])
                for t in report.tables
            ],
        )


@strawberry.enum(description="The evaluation page's Excel downloads.")
class EvaluationExportKind(Enum):
    COMMUNITY_RANKING = strawberry.enum_value("COMMUNITY_RANKING", description="社区综合排名 of a survey year (needs `year`; optional `streetId`).")
    DEPARTMENT_KPIS = strawberry.enum_value("DEPARTMENT_KPIS", description="部门考核 of a period (needs `from` and `to`; optional `departmentId`).")
    STREET_ASSESSMENT = strawberry.enum_value("STREET_ASSESSMENT", description="街道考核 of a survey year (needs `year`; optional `streetId`).")
    KPI_TREND = strawberry.enum_value("KPI_TREND", description=(
        "One unit's 12 monthly KPI rows of a year (needs `year` and `departmentId`; `unitKind` STREET or SECTION with that unit's ID)."))
    UNIT_KPIS = strawberry.enum_value("UNIT_KPIS", description=(
        "单位排行榜 — the units of `unitKind` ranked by KPI score for a period (needs `unitKind`, `from` and `to`)."))


@strawberry.type(description="A signed Excel download of an evaluation table, with the same numbers as the GraphQL field it mirrors.")
class EvaluationExport:
    kind: EvaluationExportKind = strawberry.field(description="Which table.")
    title: str = strawberry.field(description="The sheet's title.")
    row_count: int = strawberry.field(description="Rows in the sheet (header and title excluded).")
    xlsx_url: str = strawberry.field(description="Signed Excel download, valid 10 minutes; your access is checked again when it is fetched.")


@strawberry.type(description="Evaluation export queries.")
class EvaluationExportQuery:
    @strawberry.field(permission_classes=[SignedIn], description=(
        "A signed Excel link for the evaluation page. COMMUNITY_RANKING: the rows of `communityRanking(year, streetId)` that you "
        "may drill into — district-wide readers (admins, center, district leaders, evaluators) all, a street officer its own "
        "street(s) only (another street: FORBIDDEN), a community worker its own row; no campaign: NOT_FOUND. STREET_ASSESSMENT: "
        "the rows of `streetAssessment(year, streetId)` with its access rules; no campaign: NOT_FOUND. DEPARTMENT_KPIS: "
        "the rows of `departmentKpis(from, to, departmentId)` with its access rules. KPI_TREND: the 12 rows of "
        "`kpiTrend(departmentId, year, unitKind)` with its access rules. UNIT_KPIS: the rows of `unitKpis(unitKind, from, to)` "
        "with its access rules, each with its rank — higher KPI score first, equal scores share a rank (1, 2, 2, 4), ties "
        "listed by name (unitKpis has no overdue count, so the cadence reports' overdue tie-break does not apply)."))
    async def evaluation_export(
        self, info: Info, kind: EvaluationExportKind, year: int | None = None, street_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None, to: date | None = None,
        department_id: Annotated[strawberry.ID | None, strawberry.argument(description=(
            "The department; for KPI_TREND and UNIT_KPIS with `unitKind` STREET or SECTION, that Street or StreetSection."))] = None,
        unit_kind: Annotated[KpiUnitKind | None, strawberry.argument(description=(
            "KPI_TREND: the kind of `departmentId` (default DEPARTMENT); UNIT_KPIS: the units ranked (required)."))] = None,
    ) -> EvaluationExport:
        from resolvers.reports.run import EvaluationExportRequest, run_evaluation_export
        from schema.ids import from_global_id

        actor = info.context.actor
        unit_type = _GID_TYPE[unit_kind.value if unit_kind is not None else "DEPARTMENT"]
        req = EvaluationExportRequest(
            kind=kind.value, year=year, street_id=None if street_id is None else from_global_id(street_id, "Street")[1],
            date_from=from_, date_to=to,
            department_id=None if department_id is None else from_global_id(department_id, unit_type)[1],
            unit_kind=None if unit_kind is None else unit_kind.value)
        async with info.context.db.read() as conn:
            report = await run_evaluation_export(conn, actor, req)
        secret = info.context.settings.secret_key
        return EvaluationExport(kind=kind, title=report.title, row_count=len(report.rows),
                                xlsx_url=export_url(secret, actor.user_id, req.params(), "xlsx"))
