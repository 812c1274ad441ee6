"""The community ranking (社区综合排名) of a campaign year.

Formulas (pure, exact — `Fraction`s, never floats):
* total = (phoneWeight% × phone score + fieldWeight% × field score) / 100 (default 50% / 50%);
* missing score: a community without a phone score (no recorded answer) or without a field score
  (no team scored it) has no total, no rank and no mark — it is listed after every ranked community
  with its reason (NO_PHONE_SCORE / NO_FIELD_SCORE / NO_SCORES), ordered by community code. It is
  neither rewarded nor penalised for a gap in the evaluation. (A part whose weight is 0% is not
  required.)
* rank: competition ranking on the exact total — equal totals share a rank, the next rank skips
  (1, 2, 2, 4); rank = 1 + the number of ranked communities with a strictly greater total;
* display order: total descending, then phone score descending, then community code ascending;
* marks: REWARD when rank ≤ rewardCount (10); PENALTY when the rank from the bottom (1 + the number
  of ranked communities with a strictly smaller total) ≤ penaltyCount (10). A tie at a boundary is
  marked whole (more than 10 may be rewarded or penalised, never fewer while enough are ranked).
  REWARD wins when both apply (fewer than rewardCount + penaltyCount communities ranked).
* shown: scores rounded half up to 2 decimals; ranks and marks always come from the exact values.

Publishing freezes the campaign: no answer, unreachable mark, field score or weight changes
afterwards, so the ranking computed from its rows never changes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Community, SurveyCampaign
from resolvers.actor import Actor
from resolvers.evaluation.access import require_manager
from resolvers.evaluation.field import field_rows, field_scores
from resolvers.evaluation.survey import PhoneTally, bump, check_version, load_campaign, phone_tallies, require_open
from resolvers.evaluation.vocab import CampaignState, ExcludedReason, Mark


@dataclass(frozen=True)
class CommunityScores:
    """The input of one community: its exact phone and field scores (None when missing)."""

    community_id: int
    code: str
    phone: Fraction | None
    field: Fraction | None


@dataclass(frozen=True)
class RankedRow:
    community_id: int
    code: str
    phone: Fraction | None
    field: Fraction | None
    total: Fraction | None
    rank: int | None
    rank_from_bottom: int | None
    mark: Mark
    excluded_reason: ExcludedReason | None
    position: int


def total_score(phone: Fraction | None, field: Fraction | None, phone_weight_pct: int, field_weight_pct: int) -> Fraction | None:
    """(phone_weight_pct × phone + field_weight_pct × field) / 100; None when a part with a
    non-zero weight is missing."""
    if (phone is None and phone_weight_pct) or (field is None and field_weight_pct):
        return None
    return (phone_weight_pct * (phone or 0) + field_weight_pct * (field or 0)) / Fraction(100)


def excluded_reason(phone: Fraction | None, field: Fraction | None, phone_weight_pct: int, field_weight_pct: int) -> ExcludedReason | None:
    no_phone = phone is None and phone_weight_pct > 0
    no_field = field is None and field_weight_pct > 0
    if no_phone and no_field:
        return ExcludedReason.NO_SCORES
    if no_phone:
        return ExcludedReason.NO_PHONE_SCORE
    if no_field:
        return ExcludedReason.NO_FIELD_SCORE
    return None


def rank_communities(scores: Iterable[CommunityScores], phone_weight_pct: int = 50, field_weight_pct: int = 50,
                     reward_count: int = 10, penalty_count: int = 10) -> list[RankedRow]:
    """Every community exactly once: the ranked ones first, in display order (total desc, phone
    desc, code asc), then the excluded ones (no total) by code. total = total_score(...);
    rank = 1 + #(ranked with a strictly greater exact total); rank_from_bottom = 1 + #(ranked with a
    strictly smaller exact total); mark = REWARD if rank ≤ reward_count, else PENALTY if
    rank_from_bottom ≤ penalty_count, else NONE; excluded: rank, total None, mark NONE. The result
    does not depend on the order of `scores`."""
    items = sorted(scores, key=lambda s: (s.code, s.community_id))
    ranked: list[tuple[CommunityScores, Fraction]] = []
    excluded: list[CommunityScores] = []
    for s in items:
        t = total_score(s.phone, s.field, phone_weight_pct, field_weight_pct)
        (excluded.append(s) if t is None else ranked.append((s, t)))
    minus_one = Fraction(-1)
    ranked.sort(key=lambda st: (-st[1], -(st[0].phone if st[0].phone is not None else minus_one), st[0].code, st[0].community_id))
    totals = sorted(t for _, t in ranked)  # ascending
    n = len(totals)
    from bisect import bisect_left, bisect_right

    out: list[RankedRow] = []
    for s, t in ranked:
        rank = 1 + (n - bisect_right(totals, t))  # strictly greater
        from_bottom = 1 + bisect_left(totals, t)  # strictly smaller
        mark = Mark.REWARD if rank <= reward_count else Mark.PENALTY if from_bottom <= penalty_count else Mark.NONE
        out.append(RankedRow(s.community_id, s.code, s.phone, s.field, t, rank, from_bottom, mark, None, len(out) + 1))
    for s in excluded:
        reason = excluded_reason(s.phone, s.field, phone_weight_pct, field_weight_pct)
        out.append(RankedRow(s.community_id, s.code, s.phone, s.field, None, None, None, Mark.NONE, reason, len(out) + 1))
    return out


# ---------------------------------------------------------------- row gathering


@dataclass
class Ranking:
    campaign: Any
    rows: list[RankedRow]
    tallies: dict[int, PhoneTally] = field(default_factory=dict)
    field_rows: dict[int, list[Any]] = field(default_factory=dict)
    communities: dict[int, Any] = field(default_factory=dict)


async def compute_ranking(conn: Any, campaign: Any) -> Ranking:
    """Gather the campaign's rows (grouped answer counts, field scores, communities) and rank."""
    c = Community.__table__
    communities = {r.id: r for r in (await conn.execute(select(c).order_by(c.c.id))).all()}
    tallies = await phone_tallies(conn, campaign.id)
    rows = await field_rows(conn, campaign.id)
    fields = field_scores(rows)
    by_community: dict[int, list[Any]] = {}
    for r in rows:
        by_community.setdefault(r.community_id, []).append(r)
    inputs = [
        CommunityScores(cid, row.code, tallies[cid].score if cid in tallies else None, fields.get(cid))
        for cid, row in communities.items()
    ]
    ranked = rank_communities(inputs, campaign.phone_weight_pct, campaign.field_weight_pct, campaign.reward_count, campaign.penalty_count)
    return Ranking(campaign=campaign, rows=ranked, tallies=tallies, field_rows=by_community, communities=communities)


async def campaign_by_year(conn: Any, year: int) -> Any:
    t = SurveyCampaign.__table__
    return (await conn.execute(select(t).where(t.c.year == year))).first()


async def publish(session: AsyncSession, actor: Actor | None, campaign_id: int, *, version: int | None = None) -> SurveyCampaign:
    """OPEN → PUBLISHED: the ranking is announced and frozen."""
    require_manager(actor)
    campaign = await load_campaign(session, campaign_id)
    require_open(campaign)
    check_version(campaign, version, "测评年度")
    await bump(session, campaign, SurveyCampaign, state=CampaignState.PUBLISHED.value, published_at=utcnow())
    return campaign
