"""Run a cadence report by name for an actor, within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.base import utcnow
from resolvers.actor import Actor
from resolvers.calendar import LOCAL_TZ
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.reports.cadence import Column, Report, ReportScope, add_league_tables, daily_followup, monthly_supervision, quarterly_summary, weekly_dispatch
from resolvers.roles import Role

KINDS = ("DAILY_FOLLOWUP", "WEEKLY_DISPATCH", "MONTHLY_SUPERVISION", "QUARTERLY_SUMMARY")
READERS = {Role.CENTER_DISPATCHER, Role.DISTRICT_LEADER, Role.ADMIN, Role.EVALUATOR, Role.STREET_OFFICER,
           Role.COMMUNITY_WORKER, Role.DEPARTMENT_HANDLER}


@dataclass(frozen=True)
class ReportRequest:
    kind: str
    day: date

    def params(self) -> dict[str, str]:
        return {"kind": self.kind, "day": self.day.isoformat()}


async def run_report(conn: AsyncConnection, actor: Actor | None, req: ReportRequest) -> Report:
    if actor is None or actor.role not in READERS:
        raise Forbidden("无权查看跟踪问效报表", "You may not read the follow-up reports")
    scope = ReportScope.for_actor(actor)
    now = utcnow()
    report = await _base_report(conn, req, scope, now)
    # Every cadence report carries the per-unit league table and the overdue items per unit.
    return await add_league_tables(conn, report, scope=scope, now=now)


async def _base_report(conn: AsyncConnection, req: ReportRequest, scope: ReportScope | None, now: datetime) -> Report:
    d = req.day
    if req.kind == "DAILY_FOLLOWUP":
        return await daily_followup(conn, d, now=now, scope=scope)
    if req.kind == "WEEKLY_DISPATCH":
        return await weekly_dispatch(conn, d.fromordinal(d.toordinal() - d.weekday()), scope=scope, now=now)
    if req.kind == "MONTHLY_SUPERVISION":
        return await monthly_supervision(conn, d.year, d.month, scope=scope)
    if req.kind == "QUARTERLY_SUMMARY":
        return await quarterly_summary(conn, d.year, (d.month - 1) // 3 + 1, scope=scope)
    raise BadUserInput("未知的报表类型", f"Unknown report kind {req.kind}")


# ---------------------------------------------------------------- evaluation exports (issue #7 item 7)
#
# Every table of the console's evaluation page downloads through the same signed-link mechanism:
# the community ranking of a survey year (optionally one street), the street assessment of a year,
# the department KPIs of a period, one unit's monthly KPI trend, and the league table of a unit
# kind. Their rows come from the very functions the GraphQL fields use
# (`resolvers.evaluation.ranking.compute_ranking`, `resolvers.evaluation.street.street_satisfaction`
# over `resolvers.evaluation.survey.phone_tallies`, `resolvers.kpi.unit_kpis` / `kpi_trend`), so
# the Excel file shows the same numbers as `communityRanking` / `streetAssessment` /
# `departmentKpis` / `kpiTrend` / `unitKpis`.

EVALUATION_KINDS = ("COMMUNITY_RANKING", "DEPARTMENT_KPIS", "STREET_ASSESSMENT", "KPI_TREND", "UNIT_KPIS")

_MARK_ZH = {"REWARD": "奖励", "PENALTY": "惩戒", "NONE": ""}
_UNIT_KIND_ZH = {"DEPARTMENT": "区直部门", "STREET": "街道", "SECTION": "街道科室"}


@dataclass(frozen=True)
class EvaluationExportRequest:
    kind: str
    year: int | None = None
    street_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    # The unit for DEPARTMENT_KPIS, KPI_TREND and UNIT_KPIS: a department, or — with `unit_kind`
    # STREET or SECTION — that street or section (named as `kpiTrend` names it).
    department_id: int | None = None
    unit_kind: str | None = None

    def params(self) -> dict[str, str]:
        out = {"kind": self.kind}
        for key, value in (("year", self.year), ("street", self.street_id), ("from", self.date_from), ("to", self.date_to),
                           ("department", self.department_id), ("unit", self.unit_kind)):
            if value is not None:
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def file_stem(self) -> str:
        """The download's file name without extension, e.g. ``street_assessment-2025`` or
        ``unit_kpis-street-2026-01-01_2026-12-31``."""
        if self.kind in ("COMMUNITY_RANKING", "STREET_ASSESSMENT"):
            suffix = str(self.year)
        elif self.kind == "KPI_TREND":
            suffix = f"{(self.unit_kind or 'DEPARTMENT').lower()}{self.department_id}-{self.year}"
        elif self.kind == "UNIT_KPIS":
            suffix = f"{(self.unit_kind or '').lower()}-{self.date_from}_{self.date_to}"
        else:
            suffix = f"{self.date_from}_{self.date_to}"
        return f"{self.kind.lower()}-{suffix}"

    @classmethod
    def parse(cls, q: Any) -> EvaluationExportRequest:
        """From a link's query parameters; ValueError when malformed."""
        def opt_int(name: str) -> int | None:
            return int(q[name]) if q.get(name) not in (None, "") else None

        def opt_date(name: str) -> date | None:
            return date.fromisoformat(q[name]) if q.get(name) not in (None, "") else None

        from resolvers.kpi.gather import KPI_UNIT_KINDS

        unit = q.get("unit") or None
        if unit is not None and unit not in KPI_UNIT_KINDS:
            raise ValueError(f"unknown unit kind {unit!r}")
        return cls(kind=q.get("kind", ""), year=opt_int("year"), street_id=opt_int("street"), date_from=opt_date("from"),
                   date_to=opt_date("to"), department_id=opt_int("department"), unit_kind=unit)


def _need_year(req: EvaluationExportRequest) -> int:
    if req.year is None:
        raise BadUserInput("请指定年度", "A year is required", field="year")
    return req.year


def _need_period(req: EvaluationExportRequest) -> tuple[date, date]:
    if req.date_from is None or req.date_to is None:
        raise BadUserInput("请指定统计区间", "A period is required", field="from")
    return req.date_from, req.date_to


async def run_evaluation_export(conn: AsyncConnection, actor: Actor | None, req: EvaluationExportRequest) -> Report:
    if req.kind == "COMMUNITY_RANKING":
        return await community_ranking_report(conn, actor, _need_year(req), req.street_id)
    if req.kind == "STREET_ASSESSMENT":
        return await street_assessment_report(conn, actor, _need_year(req), req.street_id)
    if req.kind == "DEPARTMENT_KPIS":
        if req.unit_kind not in (None, "DEPARTMENT"):
            raise BadUserInput("部门考核只含区直部门", "DEPARTMENT_KPIS is for departments", field="unitKind")
        date_from, date_to = _need_period(req)
        return await department_kpi_report(conn, actor, date_from, date_to, req.department_id)
    if req.kind == "KPI_TREND":
        year = _need_year(req)
        if req.department_id is None:
            raise BadUserInput("请指定单位", "A unit is required", field="departmentId")
        return await kpi_trend_report(conn, actor, req.unit_kind or "DEPARTMENT", req.department_id, year)
    if req.kind == "UNIT_KPIS":
        if req.unit_kind is None:
            raise BadUserInput("请指定单位类别", "A unit kind is required", field="unitKind")
        date_from, date_to = _need_period(req)
        return await unit_league_report(conn, actor, req.unit_kind, date_from, date_to, req.department_id)
    raise BadUserInput("未知的导出类型", f"Unknown export kind {req.kind}")


RANKING_COLUMNS = [
    Column("position", "序号", "int"),
    Column("rank", "名次", "int"),
    Column("community", "社区"),
    Column("street", "街道"),
    Column("phone_score", "电话测评得分", "float", decimals=2),
    Column("field_score", "实地测评得分", "float", decimals=2),
    Column("total", "综合得分", "float", decimals=2),
    Column("mark", "奖惩", labels=_MARK_ZH),
    Column("answered", "已受访人数", "int"),
    Column("phone_answers", "有效答项", "int"),
    Column("field_team_count", "实地测评组数", "int"),
    Column("excluded", "未排名原因"),
]


async def community_ranking_report(conn: AsyncConnection, actor: Actor | None, year: int, street_id: int | None) -> Report:
    """社区综合排名 of `year` as a report. District-wide readers get every row; a street officer
    only the rows of its own street(s) (asking for another street is FORBIDDEN), a community worker
    its own row — the rows the reader may drill into, whether or not the ranking is published."""
    from resolvers.evaluation import access as eval_access
    from resolvers.evaluation import ranking as ranking_rules
    from resolvers.evaluation.numbers import shown
    from db.models import Community, Street

    actor = eval_access.require_reader(actor)
    campaign = await ranking_rules.campaign_by_year(conn, year)
    if campaign is None:
        raise NotFound(f"{year}年度没有测评", f"No campaign for {year}", field="year")
    c, s = Community.__table__, Street.__table__
    streets = {r.id: r.name for r in (await conn.execute(select(s.c.id, s.c.name))).all()}
    community_street = {r.id: r.street_id for r in (await conn.execute(select(c.c.id, c.c.street_id))).all()}
    if street_id is not None and street_id not in streets:
        raise BadUserInput("街道不存在", "No such street", field="streetId")
    own = eval_access.own_communities(actor, community_street)
    if street_id is not None and own is not None and not any(community_street[cid] == street_id for cid in own):
        raise Forbidden("只能导出本辖区的排名", "Only your own area's ranking rows")
    ranking = await ranking_rules.compute_ranking(conn, campaign)
    rows = []
    for r in ranking.rows:
        if (own is not None and r.community_id not in own) or (street_id is not None and community_street[r.community_id] != street_id):
            continue
        tally = ranking.tallies.get(r.community_id)
        rows.append({
            "position": r.position, "rank": r.rank, "community": ranking.communities[r.community_id].name,
            "street": streets[community_street[r.community_id]],
            "phone_score": shown(r.phone), "field_score": shown(r.field), "total": shown(r.total),
            "mark": r.mark.value if hasattr(r.mark, "value") else str(r.mark),
            "answered": tally.answered if tally else 0, "phone_answers": tally.answers if tally else 0,
            "field_team_count": len(ranking.field_rows.get(r.community_id, [])),
            "excluded": None if r.excluded_reason is None else getattr(r.excluded_reason, "value", str(r.excluded_reason)),
        })
    where = f"({streets[street_id]})" if street_id is not None else ""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
    return Report(kind="COMMUNITY_RANKING", title=f"{year}年度社区综合排名{where}", title_en=f"Community ranking {year}",
                  period_start=start, period_end=end, columns=RANKING_COLUMNS, rows=rows, period_label=f"{year}年度",
                  sheet_title=f"{year}社区综合排名")


STREET_COLUMNS = [
    Column("street", "街道"),
    Column("community_count", "社区数", "int"),
    Column("scored_community_count", "有电话测评得分的社区数", "int"),
    Column("mean_phone_score", "电话测评平均分", "float", decimals=2),
    Column("satisfaction_points", "群众满意度得分", "float", decimals=2),
]


async def street_assessment_report(conn: AsyncConnection, actor: Actor | None, year: int, street_id: int | None) -> Report:
    """街道考核 of `year` as `streetAssessment(year, streetId)` answers it, with its access rules:
    district-wide readers every street, a street officer its own (another street: FORBIDDEN),
    anyone else FORBIDDEN; no campaign: NOT_FOUND (where the field answers null)."""
    from resolvers.evaluation.numbers import shown
    from resolvers.evaluation.street_assessment import street_assessment

    assessment = await street_assessment(conn, actor, year, street_id)
    if assessment is None:
        raise NotFound(f"{year}年度没有测评", f"No campaign for {year}", field="year")
    campaign = assessment.campaign
    rows = [{"street": r.name, "community_count": len(r.members), "scored_community_count": r.item.scored,
             "mean_phone_score": shown(r.item.mean_phone), "satisfaction_points": shown(r.item.points)} for r in assessment.rows]
    where = f"({assessment.rows[0].name})" if street_id is not None and assessment.rows else ""
    start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)
    return Report(kind="STREET_ASSESSMENT", title=f"{year}年度街道考核·群众满意度(满分{campaign.satisfaction_weight}分){where}",
                  title_en=f"Street assessment {year}", period_start=start, period_end=end, columns=STREET_COLUMNS, rows=rows,
                  period_label=f"{year}年度", sheet_title=f"{year}街道考核")


# The KPI figures of one unit and period, as every KPI sheet writes them.
_KPI_FIGURES = [
    Column("response_rate", "响应率", "percent"),
    Column("acceptance_rate", "承办率", "percent"),
    Column("completion_rate", "办结率", "percent"),
    Column("satisfaction_rate", "满意率", "percent"),
    Column("late_responses", "超时响应扣分", "int"),
    Column("refused_resolutions", "办理不合理扣分", "int"),
    Column("unsatisfied_ratings", "不满意扣分", "int"),
    Column("deducted", "扣分合计", "int"),
    Column("score", "考核得分", "int"),
]

KPI_COLUMNS = [Column("unit", "部门"), *_KPI_FIGURES]


def _kpi_figures(kpi: Any) -> dict[str, Any]:
    """A `resolvers.kpi.formulas.UnitKpi` as the figures `UnitKpi.of` shows (rates rounded by the same `shown`)."""
    from resolvers.kpi.formulas import shown

    return {
        "response_rate": shown(kpi.response.value), "acceptance_rate": shown(kpi.acceptance.value),
        "completion_rate": shown(kpi.completion.value), "satisfaction_rate": shown(kpi.satisfaction.value),
        "late_responses": kpi.count("LATE_RESPONSE"), "refused_resolutions": kpi.count("REFUSED_RESOLUTION"),
        "unsatisfied_ratings": kpi.count("UNSATISFIED_RATING"), "deducted": kpi.deducted, "score": kpi.score,
    }


async def department_kpi_report(conn: AsyncConnection, actor: Actor | None, date_from: date, date_to: date,
                                department_id: int | None) -> Report:
    """部门考核 for local dates `date_from`–`date_to` inclusive, as `departmentKpis` answers it."""
    from resolvers.kpi import unit_kpis
    from resolvers.kpi.gather import local_period

    kpis = await unit_kpis(conn, actor, kind="DEPARTMENT", date_from=date_from, date_to=date_to, unit_id=department_id)
    rows = [{"unit": row.unit.name, **_kpi_figures(row.kpi)} for row in kpis]
    start, end = local_period(date_from, date_to)
    label = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    return Report(kind="DEPARTMENT_KPIS", title=f"部门考核({label})", title_en=f"Department KPIs {label}",
                  period_start=start, period_end=end, columns=KPI_COLUMNS, rows=rows, period_label=label, sheet_title="部门考核")


TREND_COLUMNS = [Column("month", "月份"), *_KPI_FIGURES]


async def kpi_trend_report(conn: AsyncConnection, actor: Actor | None, unit_kind: str, unit_id: int, year: int) -> Report:
    """One unit's KPIs per local month of `year` (12 rows), as `kpiTrend(departmentId, year, unitKind)`
    answers them, with its access rules."""
    from resolvers.kpi import kpi_trend
    from resolvers.kpi.gather import local_period

    months = await kpi_trend(conn, actor, kind=unit_kind, unit_id=unit_id, year=year)
    rows = [{"month": f"{row.period_from:%Y-%m}", **_kpi_figures(row.kpi)} for row in months]
    name = months[0].unit.name if months else ""
    start, end = local_period(date(year, 1, 1), date(year, 12, 31))
    return Report(kind="KPI_TREND", title=f"{name}·{year}年月度考核趋势", title_en=f"Monthly KPIs {year}", period_start=start,
                  period_end=end, columns=TREND_COLUMNS, rows=rows, period_label=f"{year}年", sheet_title=f"{year}月度考核")


LEAGUE_COLUMNS = [
    Column("rank", "名次", "int"),
    Column("unit", "单位"),
    Column("score", "考核得分", "int"),
    Column("deducted", "扣分合计", "int"),
    Column("response_rate", "响应率", "percent"),
    Column("acceptance_rate", "承办率", "percent"),
    Column("completion_rate", "办结率", "percent"),
    Column("satisfaction_rate", "满意率", "percent"),
]


async def unit_league_report(conn: AsyncConnection, actor: Actor | None, unit_kind: str, date_from: date, date_to: date,
                             unit_id: int | None = None) -> Report:
    """单位排行榜: the rows of `unitKpis(unitKind, from, to)` ranked by `league_ranks` — higher KPI
    score first, equal scores share a rank (1, 2, 2, 4), ties listed by name.

    `unitKpis` carries no overdue (挂牌督办) count, and the console page ranks the very rows it
    shows, so every unit enters with the same overdue count: the overdue tie-break of the cadence
    reports' league table does not apply here, and the page's legend says so."""
    from resolvers.kpi import unit_kpis
    from resolvers.kpi.formulas import LeagueEntry, league_ranks
    from resolvers.kpi.gather import local_period

    kpis = await unit_kpis(conn, actor, kind=unit_kind, date_from=date_from, date_to=date_to, unit_id=unit_id)
    by_key = {(row.unit.kind, row.unit.id): row for row in kpis}
    ranked = league_ranks(LeagueEntry(key, row.unit.name, row.kpi.score, 0) for key, row in by_key.items())
    rows = []
    for e in ranked:
        row = by_key[e.key]  # type: ignore[index]
        rows.append({"rank": e.rank, "unit": row.unit.name, **_kpi_figures(row.kpi)})
    start, end = local_period(date_from, date_to)
    label = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    kind_zh = _UNIT_KIND_ZH.get(unit_kind, unit_kind)
    return Report(kind="UNIT_KPIS", title=f"单位排行榜·{kind_zh}({label})", title_en=f"League table {unit_kind} {label}",
                  period_start=start, period_end=end, columns=LEAGUE_COLUMNS, rows=rows, period_label=label,
                  sheet_title=f"{kind_zh}排行榜")
