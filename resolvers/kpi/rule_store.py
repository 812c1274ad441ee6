"""The KPI rule versions in the database: read them, and add one (ADMIN)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import AuditEntry, KpiRuleVersion
from resolvers.access import require_actor
from resolvers.actor import Actor
from resolvers.calendar import local_today
from resolvers.errors import BadUserInput, Conflict, Forbidden
from resolvers.kpi.rules import KpiRules, check_rules, rules_on
from resolvers.roles import Role

__all__ = ["define_rules", "load_versions", "rules_for"]

T = KpiRuleVersion.__table__


def _rules(row: Any) -> KpiRules:
    return KpiRules(
        version=row.id, effective_from=row.effective_from, base_score=row.base_score,
        late_response_points=row.late_response_points, refused_resolution_points=row.refused_resolution_points,
        unsatisfied_rating_points=row.unsatisfied_rating_points, co_handlers_measured=bool(row.co_handlers_measured),
        note=row.note or "",
    )


async def load_versions(conn: AsyncConnection | AsyncSession) -> list[KpiRules]:
    """Every version, oldest first (a handful a decade: read whole)."""
    rows = (await conn.execute(select(T).order_by(T.c.effective_from, T.c.id))).all()
    return [_rules(r) for r in rows]


async def rules_for(conn: AsyncConnection, day: date) -> KpiRules:
    """The rules in effect on local `day`."""
    return rules_on(await load_versions(conn), day)


async def define_rules(session: AsyncSession, actor: Actor | None, *, effective_from: date, base_score: int,
                       late_response_points: int, refused_resolution_points: int, unsatisfied_rating_points: int,
                       co_handlers_measured: bool, note: str, today: date | None = None) -> KpiRules:
    """Add a version (ADMIN only), in effect from `effective_from` (today or later) on; audited.
    One version per date: a second one for the same date is a CONFLICT."""
    actor = require_actor(actor)
    if actor.role is not Role.ADMIN:
        raise Forbidden("只有系统管理员可以修改考核规则", "Only an ADMIN may change the KPI rules")
    problems = check_rules(effective_from=effective_from, today=today or local_today(), base_score=base_score,
                           late_response_points=late_response_points, refused_resolution_points=refused_resolution_points,
                           unsatisfied_rating_points=unsatisfied_rating_points)
    if problems:
        field, message = next(iter(problems.items()))
        raise BadUserInput(message, f"Invalid {field}", field=field, problems=problems)
    taken = (await session.execute(select(T.c.id).where(T.c.effective_from == effective_from))).first()
    if taken is not None:
        raise Conflict("该日期已有一版考核规则", "A version already takes effect on that date", field="effectiveFrom")
    row = KpiRuleVersion(
        effective_from=effective_from, base_score=base_score, late_response_points=late_response_points,
        refused_resolution_points=refused_resolution_points, unsatisfied_rating_points=unsatisfied_rating_points,
        co_handlers_measured=co_handlers_measured, note=note.strip()[:2000], created_by_user_id=actor.user_id,
    )
    session.add(row)
    await session.flush()
    session.add(AuditEntry(
        actor_user_id=actor.user_id, action="KPI_RULES_DEFINED", target=f"KpiRuleVersion:{row.id}",
        detail=(f"from={effective_from.isoformat()} base={base_score} late={late_response_points} "
                f"refused={refused_resolution_points} unsatisfied={unsatisfied_rating_points} co={co_handlers_measured}"),
    ))
    return _rules(row)
