"""The phone survey (电话测评): a yearly campaign draws its sample from the residents register,
evaluators record each respondent's answers on the 5 aspects or mark the respondent unreachable.

Formulas (pure, exact):
* rating value: SATISFIED = 1, BASIC = 0.5, UNSATISFIED = 0;
* phone score of a community = 100 × (sum of the values of all recorded answers) / (number of
  recorded answers), an answer being one respondent × one aspect; only ANSWERED respondents have
  answers — UNREACHABLE and PENDING ones are left out; no recorded answer → null (not 0).

Sampling: per community, its residents (through their building) ordered by id, then
`random.Random(f"{seed}:{community_id}").sample(ids, min(n, len(ids)))` — the same seed draws the
same sample on any backend, and each community's draw does not depend on the others'. A community
with fewer residents than `n` has all of them sampled.

Recording rule: answers are recorded once. A respondent is PENDING until an evaluator records
answers (→ ANSWERED) or marks it unreachable (→ UNREACHABLE); recording or marking a respondent
that is no longer PENDING is a CONFLICT (two evaluators calling the same person: exactly one wins).
A published campaign is frozen: INVALID_TRANSITION.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import Building, Community, Resident, SurveyAnswer, SurveyCampaign, SurveyRespondent
from resolvers.actor import Actor
from resolvers.errors import BadUserInput, Conflict, InvalidTransition, NotFound
from resolvers.evaluation.access import require_manager, require_recorder
from resolvers.evaluation.vocab import RATING_VALUE, CampaignState, Rating, RespondentStatus, SurveyAspect

COMMUNITIES = 150
DISTRICT_SAMPLE = 10_000
# 67 × 150 = 10,050: the district's "10,000+" a year.
DEFAULT_SAMPLE_PER_COMMUNITY = -(-DISTRICT_SAMPLE // COMMUNITIES)
MAX_SAMPLE_PER_COMMUNITY = 2000
MAX_SEED = 2**31 - 1
MIN_YEAR, MAX_YEAR = 2000, 2100


# ---------------------------------------------------------------- pure formulas


def rating_value(rating: str) -> Fraction:
    """SATISFIED → 1, BASIC → 1/2, UNSATISFIED → 0."""
    return RATING_VALUE[rating]


def phone_score(ratings: Iterable[str]) -> Fraction | None:
    """100 × the mean of the values (1 / 0.5 / 0) of `ratings`, the recorded answers of a
    community (one per respondent × aspect); None when there is none."""
    total, count = Fraction(0), 0
    for r in ratings:
        total += rating_value(r)
        count += 1
    return None if count == 0 else 100 * total / count


@dataclass
class PhoneTally:
    """A community's phone survey in numbers. Only ANSWERED respondents' answers count."""

    respondents: int = 0
    answered: int = 0
    unreachable: int = 0
    pending: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0

    @property
    def answers(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def points(self) -> Fraction:
        """Sum of the answers' values: satisfied × 1 + basic × 0.5 + unsatisfied × 0."""
        return self.satisfied + Fraction(self.basic, 2)

    @property
    def score(self) -> Fraction | None:
        """100 × points / answers; None without answers."""
        return None if self.answers == 0 else 100 * self.points / self.answers


def phone_tally(respondent_counts: Iterable[tuple[str, int]], answer_counts: Iterable[tuple[str, str, int]]) -> PhoneTally:
    """`respondent_counts`: (status, number of respondents); `answer_counts`: (respondent status,
    rating, number of answers). Answers of respondents not ANSWERED are ignored (left out)."""
    t = PhoneTally()
    for status, n in respondent_counts:
        t.respondents += n
        if status == RespondentStatus.ANSWERED.value:
            t.answered += n
        elif status == RespondentStatus.UNREACHABLE.value:
            t.unreachable += n
        else:
            t.pending += n
    for status, rating, n in answer_counts:
        if status != RespondentStatus.ANSWERED.value or rating is None:
            continue
        if rating == Rating.SATISFIED.value:
            t.satisfied += n
        elif rating == Rating.BASIC.value:
            t.basic += n
        elif rating == Rating.UNSATISFIED.value:
            t.unsatisfied += n
    return t


def draw_sample(seed: int, candidates: Mapping[int, Sequence[int]], per_community: int) -> dict[int, list[int]]:
    """For each community (key) the residents drawn, in draw order: its candidate ids sorted
    ascending, then `random.Random(f"{seed}:{community}").sample(ids, min(per_community, len(ids)))`."""
    out: dict[int, list[int]] = {}
    for community in sorted(candidates):
        ids = sorted(set(candidates[community]))
        rng = random.Random(f"{seed}:{community}")
        out[community] = rng.sample(ids, min(per_community, len(ids)))
    return out


def validate_weights(phone_pct: int, field_pct: int) -> None:
    """Whole percents, each 0–100, summing to 100."""
    for name, v in (("phoneWeightPercent", phone_pct), ("fieldWeightPercent", field_pct)):
        if not 0 <= v <= 100:
            raise BadUserInput("权重应在 0 到 100 之间", f"{name} must be 0–100", field=name)
    if phone_pct + field_pct != 100:
        raise BadUserInput(
            f"电话测评与实地测评权重之和应为 100%(现为 {phone_pct + field_pct}%)",
            f"The phone and field weights must sum to 100% (they sum to {phone_pct + field_pct}%)", field="fieldWeightPercent",
        )


def validate_street_config(weight: int, share_permille: int) -> None:
    if not 1 <= weight <= 1000:
        raise BadUserInput("群众满意度分值应在 1 到 1000 之间", "satisfactionWeight must be 1–1000", field="satisfactionWeight")
    if not 1 <= share_permille <= 1000:
        raise BadUserInput("占比应在 0.1% 到 100% 之间(千分数 1–1000)", "satisfactionSharePermille must be 1–1000", field="satisfactionSharePermille")


def _range(value: int, lo: int, hi: int, name: str, zh: str) -> int:
    if not lo <= value <= hi:
        raise BadUserInput(f"{zh}应在 {lo} 到 {hi} 之间", f"{name} must be {lo}–{hi}", field=name)
    return value


# ---------------------------------------------------------------- campaigns


async def load_campaign(session: AsyncSession, campaign_id: int) -> SurveyCampaign:
    campaign = await session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound("测评年度不存在", "No such evaluation campaign")
    return campaign


def require_open(campaign: Any) -> None:
    if campaign.state != CampaignState.OPEN.value:
        raise InvalidTransition(
            f"{campaign.year}年度测评已发布,结果已冻结", f"The {campaign.year} evaluation is published and frozen", state=campaign.state,
        )


def check_version(row: Any, version: int | None, what_zh: str) -> None:
    if version is not None and row.version != version:
        raise Conflict(
            f"该{what_zh}已被他人更新(当前版本 {row.version}),请刷新后重试",
            f"Changed by someone else (now version {row.version}); reload and retry", currentVersion=row.version,
        )


async def create_campaign(
    session: AsyncSession, actor: Actor | None, *, year: int, seed: int | None = None,
    sample_per_community: int = DEFAULT_SAMPLE_PER_COMMUNITY, phone_weight_pct: int = 50, field_weight_pct: int = 50,
    reward_count: int = 10, penalty_count: int = 10, satisfaction_weight: int = 48, satisfaction_share_permille: int = 143,
) -> tuple[SurveyCampaign, int]:
    """Create the year's campaign and draw its sample (one transaction). Returns (campaign, drawn)."""
    actor = require_manager(actor)
    _range(year, MIN_YEAR, MAX_YEAR, "year", "年度")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    _range(seed, 0, MAX_SEED, "seed", "随机种子")
    _range(sample_per_community, 1, MAX_SAMPLE_PER_COMMUNITY, "samplePerCommunity", "每社区样本量")
    _range(reward_count, 0, COMMUNITIES, "rewardCount", "奖励名额")
    _range(penalty_count, 0, COMMUNITIES, "penaltyCount", "惩戒名额")
    validate_weights(phone_weight_pct, field_weight_pct)
    validate_street_config(satisfaction_weight, satisfaction_share_permille)
    existing = (await session.execute(select(SurveyCampaign.id).where(SurveyCampaign.year == year))).scalar()
    if existing is not None:
        raise Conflict(f"{year}年度测评已存在", f"The {year} campaign already exists", field="year")
    campaign = SurveyCampaign(
        year=year, seed=seed, sample_per_community=sample_per_community, phone_weight_pct=phone_weight_pct,
        field_weight_pct=field_weight_pct, reward_count=reward_count, penalty_count=penalty_count,
        satisfaction_weight=satisfaction_weight, satisfaction_share_permille=satisfaction_share_permille,
        state=CampaignState.OPEN.value, created_by_user_id=actor.user_id, version=1,
    )
    session.add(campaign)
    await session.flush()
    candidates = await residents_by_community(session)
    sample = draw_sample(seed, candidates, sample_per_community)
    rows = [
        {"campaign_id": campaign.id, "community_id": cid, "resident_id": rid, "position": i + 1,
         "status": RespondentStatus.PENDING.value, "note": "", "version": 1}
        for cid, drawn in sample.items() for i, rid in enumerate(drawn)
    ]
    for start in range(0, len(rows), 5000):
        await session.execute(insert(SurveyRespondent.__table__), rows[start:start + 5000])
    return campaign, len(rows)


async def residents_by_community(conn: Any) -> dict[int, list[int]]:
    """Every community (also one without residents) → its residents' ids, ascending."""
    r, b, c = Resident.__table__, Building.__table__, Community.__table__
    out: dict[int, list[int]] = {cid: [] for cid in (await conn.execute(select(c.c.id))).scalars()}
    rows = await conn.execute(select(b.c.community_id, r.c.id).join(b, b.c.id == r.c.building_id).order_by(r.c.id))
    for cid, rid in rows.all():
        out[cid].append(rid)
    return out


async def update_campaign(
    session: AsyncSession, actor: Actor | None, campaign_id: int, *, version: int | None = None,
    phone_weight_pct: int | None = None, field_weight_pct: int | None = None, reward_count: int | None = None,
    penalty_count: int | None = None, satisfaction_weight: int | None = None, satisfaction_share_permille: int | None = None,
) -> SurveyCampaign:
    """Change the weights and counts of an OPEN campaign (the sample stays as drawn)."""
    require_manager(actor)
    campaign = await load_campaign(session, campaign_id)
    require_open(campaign)
    check_version(campaign, version, "测评年度")
    values = {
        "phone_weight_pct": campaign.phone_weight_pct if phone_weight_pct is None else phone_weight_pct,
        "field_weight_pct": campaign.field_weight_pct if field_weight_pct is None else field_weight_pct,
        "reward_count": campaign.reward_count if reward_count is None else _range(reward_count, 0, COMMUNITIES, "rewardCount", "奖励名额"),
        "penalty_count": campaign.penalty_count if penalty_count is None else _range(penalty_count, 0, COMMUNITIES, "penaltyCount", "惩戒名额"),
        "satisfaction_weight": campaign.satisfaction_weight if satisfaction_weight is None else satisfaction_weight,
        "satisfaction_share_permille": campaign.satisfaction_share_permille if satisfaction_share_permille is None else satisfaction_share_permille,
    }
    validate_weights(values["phone_weight_pct"], values["field_weight_pct"])
    validate_street_config(values["satisfaction_weight"], values["satisfaction_share_permille"])
    await bump(session, campaign, SurveyCampaign, **values)
    return campaign


async def bump(session: AsyncSession, row: Any, model: Any, **values: Any) -> None:
    """Compare-and-set on `version`: of two concurrent writers exactly one wins (CONFLICT)."""
    from sqlalchemy.orm.attributes import set_committed_value

    t = model.__table__
    before = row.version
    await session.flush()
    result = await session.execute(update(t).where(t.c.id == row.id, t.c.version == before).values(version=before + 1, **values))
    if result.rowcount != 1:
        raise Conflict()
    for k, v in {"version": before + 1, **values}.items():
        set_committed_value(row, k, v)


# ---------------------------------------------------------------- calls


async def _respondent_to_record(session: AsyncSession, actor: Actor | None, respondent_id: int, version: int | None) -> tuple[Actor, SurveyRespondent]:
    actor = require_recorder(actor)
    respondent = await session.get(SurveyRespondent, respondent_id)
    if respondent is None:
        raise NotFound("受访者不存在", "No such respondent")
    require_open(await load_campaign(session, respondent.campaign_id))
    check_version(respondent, version, "受访记录")
    if respondent.status != RespondentStatus.PENDING.value:
        raise Conflict(
            "该受访者已有记录(已访或无法接通),答案只记录一次",
            f"This respondent is already {respondent.status}; answers are recorded once", status=respondent.status,
        )
    return actor, respondent


async def _settle(session: AsyncSession, actor: Actor, respondent: SurveyRespondent, status: RespondentStatus, note: str) -> None:
    """PENDING → `status`, guarded: a concurrent call that settled it first makes this a CONFLICT."""
    from sqlalchemy.orm.attributes import set_committed_value

    t = SurveyRespondent.__table__
    now = utcnow()
    values = {"status": status.value, "evaluator_user_id": actor.user_id, "recorded_at": now, "note": note,
              "version": respondent.version + 1}
    result = await session.execute(update(t).where(
        t.c.id == respondent.id, t.c.status == RespondentStatus.PENDING.value, t.c.version == respondent.version).values(**values))
    if result.rowcount != 1:
        raise Conflict("该受访者刚被其他测评员记录", "Another evaluator recorded this respondent first")
    for k, v in values.items():
        set_committed_value(respondent, k, v)


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > 1000:
        raise BadUserInput("备注过长(最多 1000 字)", "note is too long (at most 1000 characters)", field="note")
    return text


async def record_answers(
    session: AsyncSession, actor: Actor | None, respondent_id: int, answers: Sequence[tuple[SurveyAspect, Rating]], *,
    note: str | None = None, version: int | None = None,
) -> SurveyRespondent:
    """Record a reached respondent's answers: 1 to 5 aspects, each at most once (an aspect the
    respondent would not rate is simply not recorded)."""
    require_recorder(actor)
    if not answers:
        raise BadUserInput("至少记录一个方面的评价", "Record at least one answer", field="answers")
    aspects = [a.value for a, _ in answers]
    if len(set(aspects)) != len(aspects):
        raise BadUserInput("同一方面只能评价一次", "Each aspect may be answered once", field="answers")
    text = _note(note)
    actor, respondent = await _respondent_to_record(session, actor, respondent_id, version)
    await _settle(session, actor, respondent, RespondentStatus.ANSWERED, text)
    await session.execute(insert(SurveyAnswer.__table__), [
        {"respondent_id": respondent.id, "aspect": a.value, "rating": r.value} for a, r in answers])
    return respondent


async def mark_unreachable(session: AsyncSession, actor: Actor | None, respondent_id: int, *, note: str | None = None,
                           version: int | None = None) -> SurveyRespondent:
    """The respondent could not be reached: left out of every score."""
    require_recorder(actor)
    text = _note(note)
    actor, respondent = await _respondent_to_record(session, actor, respondent_id, version)
    await _settle(session, actor, respondent, RespondentStatus.UNREACHABLE, text)
    return respondent


# ---------------------------------------------------------------- row gathering


async def phone_tallies(conn: Any, campaign_id: int, community_ids: Iterable[int] | None = None) -> dict[int, PhoneTally]:
    """Per community: the counts behind its phone score (grouped in SQL, computed by phone_tally)."""
    from sqlalchemy import func

    r, a = SurveyRespondent.__table__, SurveyAnswer.__table__
    where = [r.c.campaign_id == campaign_id]
    if community_ids is not None:
        where.append(r.c.community_id.in_(list(community_ids)))
    statuses = (await conn.execute(select(r.c.community_id, r.c.status, func.count()).where(*where).group_by(r.c.community_id, r.c.status))).all()
    ratings = (await conn.execute(
        select(r.c.community_id, r.c.status, a.c.rating, func.count()).join(a, a.c.respondent_id == r.c.id)
        .where(*where).group_by(r.c.community_id, r.c.status, a.c.rating))).all()
    by_status: dict[int, list[tuple[str, int]]] = {}
    by_rating: dict[int, list[tuple[str, str, int]]] = {}
    for cid, status, n in statuses:
        by_status.setdefault(cid, []).append((status, n))
    for cid, status, rating, n in ratings:
        by_rating.setdefault(cid, []).append((status, rating, n))
    return {cid: phone_tally(by_status.get(cid, []), by_rating.get(cid, [])) for cid in set(by_status) | set(by_rating)}


async def aspect_counts(conn: Any, campaign_id: int, community_ids: Iterable[int]) -> dict[int, dict[str, dict[str, int]]]:
    """community → aspect → rating → number of answers of its ANSWERED respondents (one query)."""
    from sqlalchemy import func

    r, a = SurveyRespondent.__table__, SurveyAnswer.__table__
    wanted = list(community_ids)
    rows = (await conn.execute(
        select(r.c.community_id, a.c.aspect, a.c.rating, func.count()).join(r, r.c.id == a.c.respondent_id)
        .where(r.c.campaign_id == campaign_id, r.c.community_id.in_(wanted), r.c.status == RespondentStatus.ANSWERED.value)
        .group_by(r.c.community_id, a.c.aspect, a.c.rating))).all()
    out: dict[int, dict[str, dict[str, int]]] = {cid: {x.value: {} for x in SurveyAspect} for cid in wanted}
    for cid, aspect, rating, n in rows:
        out[cid].setdefault(aspect, {})[rating] = n
    return out
