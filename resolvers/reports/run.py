"""Run a cadence report by name for an actor, within the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from db.base import utcnow
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Forbidden
from resolvers.reports.cadence import Report, ReportScope, add_league_tables, daily_followup, monthly_supervision, quarterly_summary, weekly_dispatch
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
