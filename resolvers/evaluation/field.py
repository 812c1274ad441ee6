"""Field evaluation (实地测评): teams drawn from departments, streets, communities and social workers
visit a community and score it on 5 aspects — GOVERNANCE 社区治理, SERVICES 社区服务, NEIGHBOURLY_HELP
邻里互助, TEAM_BUILDING 队伍建设, INNOVATION 方法创新 — each 0 to 20 points in steps of 0.1 (an integer
or one decimal: 17 or 17.5; 17.25 is refused), with notes.

Formulas (pure, exact):
* a team's total for a community = the sum of its 5 aspect scores (0–100);
* field score of a community = the mean of the totals of the teams that scored it (one team: its
  total); no team → null.

Recording rule: a team scores a community once; to correct it, record again passing the score's
current `version` (the new scores replace the old ones, version + 1). Without `version`, or with a
stale one, a second record is a CONFLICT. A published campaign is frozen: INVALID_TRANSITION.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Community, FieldScore, FieldTeam
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, NotFound
from resolvers.evaluation.access import require_recorder
from resolvers.evaluation.survey import bump, check_version, load_campaign, require_open
from resolvers.evaluation.vocab import FIELD_COLUMN, FIELD_ZH, FieldAspect

MAX_ASPECT_TENTHS = 200  # 20.0 points


# ---------------------------------------------------------------- pure formulas


def parse_aspect_score(value: Any, aspect: FieldAspect) -> int:
    """An aspect score given as a number 0–20 with at most one decimal → tenths of a point
    (0–200). Anything else (negative, above 20, 17.25, not a number) → BAD_USER_INPUT."""
    name = aspect.value
    try:
        exact = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadUserInput(f"{FIELD_ZH[aspect]}得分不是数字", f"{name} is not a number", field=name) from None
    if not exact.is_finite() or exact < 0 or exact > 20:
        raise BadUserInput(f"{FIELD_ZH[aspect]}得分应在 0 到 20 之间", f"{name} must be between 0 and 20", field=name)
    tenths = exact * 10
    if tenths != tenths.to_integral_value():
        raise BadUserInput(f"{FIELD_ZH[aspect]}得分最多保留一位小数", f"{name} takes at most one decimal (e.g. 17.5)", field=name)
    return int(tenths)


def team_total(tenths: Iterable[int]) -> Fraction:
    """The sum of a team's 5 aspect scores, given in tenths: Σ tenths / 10 points (0–100)."""
    return Fraction(sum(tenths), 10)


def field_score(team_totals: Iterable[Fraction]) -> Fraction | None:
    """The mean of the teams' totals for one community; None when no team scored it."""
    totals = list(team_totals)
    return None if not totals else sum(totals, Fraction(0)) / len(totals)


def score_tenths(row: Any) -> list[int]:
    """The 5 aspect scores of a FieldScore row, in tenths, in FieldAspect order."""
    return [getattr(row, FIELD_COLUMN[a]) for a in FieldAspect]


def field_scores(rows: Iterable[Any]) -> dict[int, Fraction]:
    """community id → field score, from FieldScore rows (community_id and the 5 columns)."""
    totals: dict[int, list[Fraction]] = {}
    for row in rows:
        totals.setdefault(row.community_id, []).append(team_total(score_tenths(row)))
    return {cid: field_score(t) for cid, t in totals.items()}  # type: ignore[misc]


# ---------------------------------------------------------------- teams and scores


def _text(value: str | None, zh: str, name: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise BadUserInput(f"{zh}不能为空", f"{name} is required", field=name)
    if len(text) > limit:
        raise BadUserInput(f"{zh}过长(最多 {limit} 字)", f"{name} is too long (at most {limit} characters)", field=name)
    return text


async def create_team(session: AsyncSession, actor: Actor | None, campaign_id: int, *, name: str, members: str = "") -> FieldTeam:
    actor = require_recorder(actor)
    campaign = await load_campaign(session, campaign_id)
    require_open(campaign)
    name = _text(name, "小组名称", "name", 64, required=True)
    members = _text(members, "成员", "members", 2000, required=False)
    clash = (await session.execute(select(FieldTeam.id).where(FieldTeam.campaign_id == campaign.id, FieldTeam.name == name))).scalar()
    if clash is not None:
        raise Conflict(f"本年度已有名为“{name}”的测评小组", f"The campaign already has a team named {name}", field="name")
    team = FieldTeam(campaign_id=campaign.id, name=name, members=members)
    session.add(team)
    await session.flush()
    return team


async def record_field_score(
    session: AsyncSession, actor: Actor | None, *, team_id: int, community_id: int, scores: Mapping[FieldAspect, Any],
    notes: str = "", version: int | None = None,
) -> FieldScore:
    """Record (or, with the current `version`, correct) one team's scores of one community."""
    actor = require_recorder(actor)
    team = await session.get(FieldTeam, team_id)
    if team is None:
        raise NotFound("测评小组不存在", "No such field team", field="teamId")
    if await session.get(Community, community_id) is None:
        raise NotFound("社区不存在", "No such community", field="communityId")
    require_open(await load_campaign(session, team.campaign_id))
    missing = [a.value for a in FieldAspect if a not in scores]
    if missing:
        raise BadUserInput("五个方面都要打分", f"Score all 5 aspects (missing {', '.join(missing)})", field=missing[0])
    values = {FIELD_COLUMN[a]: parse_aspect_score(scores[a], a) for a in FieldAspect}
    text = _text(notes, "备注", "notes", 4000, required=False)
    existing = (await session.execute(
        select(FieldScore).where(FieldScore.team_id == team.id, FieldScore.community_id == community_id))).scalar_one_or_none()
    if existing is None:
        if version is not None:
            raise Conflict("该小组尚未给该社区打分,无需传 version", "No score to correct yet; leave version out", field="version")
        row = FieldScore(campaign_id=team.campaign_id, team_id=team.id, community_id=community_id, notes=text,
                         evaluator_user_id=actor.user_id, recorded_at=utcnow(), version=1, **values)
        session.add(row)
        await session.flush()
        return row
    if version is None:
        raise Conflict(
            "该小组已给该社区打分;如需更正请传当前 version", "This team already scored this community; pass its version to correct it",
            currentVersion=existing.version,
        )
    check_version(existing, version, "实地测评得分")
    await bump(session, existing, FieldScore, notes=text, evaluator_user_id=actor.user_id, recorded_at=utcnow(), **values)
    return existing


async def field_rows(conn: Any, campaign_id: int, community_ids: Iterable[int] | None = None) -> list[Any]:
    t = FieldScore.__table__
    stmt = select(t).where(t.c.campaign_id == campaign_id)
    if community_ids is not None:
        stmt = stmt.where(t.c.community_id.in_(list(community_ids)))
    return list((await conn.execute(stmt.order_by(t.c.community_id, t.c.team_id))).all())
