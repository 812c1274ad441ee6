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
# The console's evaluation page offers two further downloads through the same signed-link
# mechanism: the community ranking of a survey year (optionally one street) and the department
# KPIs of a period. Their rows come from the very functions the GraphQL fields use
# (`resolvers.evaluation.ranking.compute_ranking`, `resolvers.kpi.unit_kpis`), so the Excel file
# shows the same numbers as `communityRanking` / `departmentKpis`.

EVALUATION_KINDS = ("COMMUNITY_RANKING", "DEPARTMENT_KPIS")

_MARK_ZH = {"REWARD": "奖励", "PENALTY": "惩戒", "NONE": ""}


@dataclass(frozen=True)
class EvaluationExportRequest:
    kind: str
    year: int | None = None
    street_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    department_id: int | None = None

    def params(self) -> dict[str, str]:
        out = {"kind": self.kind}
        for key, value in (("year", self.year), ("street", self.street_id), ("from", self.date_from), ("to", self.date_to),
                           ("department", self.department_id)):
            if value is not None:
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    @classmethod
    def parse(cls, q: Any) -> EvaluationExportRequest:
        """From a link's query parameters; ValueError when malformed."""
        def opt_int(name: str) -> int | None:
            return int(q[name]) if q.get(name) not in (None, "") else None

        def opt_date(name: str) -> date | None:
            return date.fromisoformat(q[name]) if q.get(name) not in (None, "") else None

        return cls(kind=q.get("kind", ""), year=opt_int("year"), street_id=opt_int("street"), date_from=opt_date("from"),
                   date_to=opt_date("to"), department_id=opt_int("department"))


async def run_evaluation_export(conn: AsyncConnection, actor: Actor | None, req: EvaluationExportRequest) -> Report:
    if req.kind == "COMMUNITY_RANKING":
        if req.year is None:
            raise BadUserInput("请指定年度", "A year is required", field="year")
        return await community_ranking_report(conn, actor, req.year, req.street_id)
    if req.kind == "DEPARTMENT_KPIS":
        if req.date_from is None or req.date_to is None:
            raise BadUserInput("请指定统计区间", "A period is required", field="from")
        return await department_kpi_report(conn, actor, req.date_from, req.date_to, req.department_id)
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


KPI_COLUMNS = [
    Column("unit", "部门"),
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


async def department_kpi_report(conn: AsyncConnection, actor: Actor | None, date_from: date, date_to: date,
                                department_id: int | None) -> Report:
    """部门考核 for local dates `date_from`–`date_to` inclusive, as `departmentKpis` answers it."""
    from resolvers.kpi import unit_kpis
    from resolvers.kpi.formulas import shown
    from resolvers.kpi.gather import local_period

    kpis = await unit_kpis(conn, actor, kind="DEPARTMENT", date_from=date_from, date_to=date_to, unit_id=department_id)
    rows = []
    for row in kpis:
        k = row.kpi
        rows.append({
            "unit": row.unit.name, "response_rate": shown(k.response.value), "acceptance_rate": shown(k.acceptance.value),
            "completion_rate": shown(k.completion.value), "satisfaction_rate": shown(k.satisfaction.value),
            "late_responses": k.count("LATE_RESPONSE"), "refused_resolutions": k.count("REFUSED_RESOLUTION"),
            "unsatisfied_ratings": k.count("UNSATISFIED_RATING"), "deducted": k.deducted, "score": k.score,
        })
    start, end = local_period(date_from, date_to)
    label = f"{date_from.isoformat()} 至 {date_to.isoformat()}"
    return Report(kind="DEPARTMENT_KPIS", title=f"部门考核({label})", title_en=f"Department KPIs {label}",
                  period_start=start, period_end=end, columns=KPI_COLUMNS, rows=rows, period_label=label, sheet_title="部门考核")
