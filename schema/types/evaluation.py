"""Exact evaluation (精确考评) as the API shows it: survey campaigns, respondents and their answers,
field teams and their scores, the community ranking with its drill-down, the street assessment.

Scores are computed exactly (fractions) and shown rounded half up to 2 decimals; every `…Exact`
field gives the exact value (a decimal, or p/q when it repeats); ranks and marks always come from
the exact values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry.dataloader import DataLoader

from db.models import FieldScore as FieldScoreModel
from db.models import FieldTeam as FieldTeamModel
from db.models import Resident as ResidentModel
from db.models import SurveyAnswer as AnswerModel
from db.models import SurveyCampaign as CampaignModel
from db.models import SurveyRespondent as RespondentModel
from resolvers.audit import record_personal_read
from resolvers.errors import DomainError, Forbidden
from resolvers.evaluation import access as eval_access
from resolvers.evaluation import vocab
from resolvers.evaluation.field import score_tenths, team_total
from resolvers.evaluation.numbers import exact_text, shown
from resolvers.evaluation.ranking import RankedRow
from resolvers.evaluation.street import street_total
from resolvers.evaluation.survey import PhoneTally, aspect_counts
from resolvers.masking import mask_name, mask_phone
from schema.context import Info
from schema.loaders import _by_id, _children
from schema.ids import to_global_id
from schema.pagination import Connection, paginate
from schema.types.node import Node
from schema.types.people import PersonalDataView
from schema.types.places import Community, Street

SurveyAspect = strawberry.enum(
    vocab.SurveyAspect, name="SurveyAspect",
    description="The 5 aspects of the phone survey: SOLVING_NEEDS 解决需求, CONTACT 联系群众, DAILY_DUTY 日常履职, WORK_STYLE 工作作风, "
                "SERVICE_ATTITUDE 服务态度.")
SurveyRating = strawberry.enum(
    vocab.Rating, name="SurveyRating", description="SATISFIED 满意 = 1, BASIC 基本满意 = 0.5, UNSATISFIED 不满意 = 0.")
RespondentStatus = strawberry.enum(
    vocab.RespondentStatus, name="RespondentStatus",
    description="PENDING (to be called) → ANSWERED (answers recorded) or UNREACHABLE (left out of every score). Recorded once.")
FieldAspect = strawberry.enum(
    vocab.FieldAspect, name="FieldAspect",
    description="The 5 aspects of the field evaluation, 0–20 points each: GOVERNANCE 社区治理, SERVICES 社区服务, NEIGHBOURLY_HELP 邻里互助, "
                "TEAM_BUILDING 队伍建设, INNOVATION 方法创新.")
CampaignState = strawberry.enum(
    vocab.CampaignState, name="SurveyCampaignState",
    description="OPEN (answers and field scores being recorded) → PUBLISHED (ranking announced; everything frozen).")
RankingMark = strawberry.enum(
    vocab.Mark, name="RankingMark",
    description="REWARD (rank ≤ rewardCount, ties at the boundary all included), PENALTY (rank from the bottom ≤ penaltyCount, ties "
                "included; REWARD wins if both apply), NONE.")
ExcludedReason = strawberry.enum(
    vocab.ExcludedReason, name="RankingExcludedReason",
    description="Why a community has no total and no rank: NO_PHONE_SCORE (no recorded answer), NO_FIELD_SCORE (no team scored it), "
                "NO_SCORES (neither). Such communities are listed after the ranked ones, by code, neither rewarded nor penalised.")


# ---------------------------------------------------------------- per-operation loaders


class EvaluationLoaders:
    def __init__(self, info: Info) -> None:
        db = info.context.db
        self.campaign = _by_id(db, CampaignModel.__table__)
        self.respondent = _by_id(db, RespondentModel.__table__)
        self.team = _by_id(db, FieldTeamModel.__table__)
        self.field_score = _by_id(db, FieldScoreModel.__table__)
        self.answers_of_respondent = _children(db, AnswerModel.__table__, "respondent_id", "id")
        self.scores_of_team = _children(db, FieldScoreModel.__table__, "team_id", "community_id")
        self.teams_of_campaign = _children(db, FieldTeamModel.__table__, "campaign_id", "id")

        async def whole_phones(keys: Sequence[tuple[int, int]]) -> list[str | None]:
            """(respondent id, resident id) → the whole phone; one audit entry for the batch."""
            r = ResidentModel.__table__
            async with db.read() as conn:
                rows = (await conn.execute(select(r.c.id, r.c.phone).where(r.c.id.in_({k[1] for k in keys})))).all()
            phones = {row.id: row.phone for row in rows}
            await record_personal_read(db, info.context.actor, "SurveyRespondent", sorted({k[0] for k in keys}), info.context.client)
            return [phones.get(k[1]) for k in keys]

        self.whole_phone: DataLoader[tuple[int, int], str | None] = DataLoader(load_fn=whole_phones)

        async def aspects(keys: Sequence[tuple[int, int]]) -> list[dict[str, dict[str, int]]]:
            """(campaign id, community id) → aspect → rating → answers; one query per campaign."""
            found: dict[tuple[int, int], dict[str, dict[str, int]]] = {}
            async with db.read() as conn:
                for campaign_id in {k[0] for k in keys}:
                    counts = await aspect_counts(conn, campaign_id, {k[1] for k in keys if k[0] == campaign_id})
                    found.update({(campaign_id, cid): c for cid, c in counts.items()})
            return [found[k] for k in keys]

        self.aspects: DataLoader[tuple[int, int], dict[str, dict[str, int]]] = DataLoader(load_fn=aspects)


def loaders(info: Info) -> EvaluationLoaders:
    extra = info.context.extra
    if "evaluation_loaders" not in extra:
        extra["evaluation_loaders"] = EvaluationLoaders(info)
    return extra["evaluation_loaders"]


def _tenths(value: int) -> float:
    return value / 10


# ---------------------------------------------------------------- campaign


@strawberry.type(description="How far the phone survey has come: respondents by status.")
class SurveyProgress:
    respondents: int = strawberry.field(description="Sampled respondents.")
    pending: int = strawberry.field(description="Still to be called.")
    answered: int = strawberry.field(description="Answers recorded.")
    unreachable: int = strawberry.field(description="Could not be reached: left out of every score.")


@strawberry.type(description=(
    "测评年度 — one year's evaluation (each December): the phone-survey sample drawn reproducibly from `seed`, field teams, and the "
    "configuration of the ranking (weights, reward and penalty counts) and of the street assessment's satisfaction item."))
class SurveyCampaign(Node):
    year: int = strawberry.field(description="The evaluated year (one campaign a year).")
    seed: int = strawberry.field(description=(
        "The recorded random seed. Sample of a community = its residents' ids sorted ascending, then "
        "random.Random(f\"{seed}:{communityPk}\").sample(ids, min(samplePerCommunity, len(ids))) (Python 3): same seed, same sample."))
    sample_per_community: int = strawberry.field(description="Respondents drawn per community (default 67: 67 × 150 = 10,050 in the district); all residents when fewer.")
    phone_weight_percent: int = strawberry.field(description="Weight of the phone score in the total, whole percent (default 50).")
    field_weight_percent: int = strawberry.field(description="Weight of the field score in the total, whole percent (default 50); the two sum to 100.")
    reward_count: int = strawberry.field(description="Communities with rank ≤ this are marked REWARD (default 10).")
    penalty_count: int = strawberry.field(description="Communities with rank from the bottom ≤ this are marked PENALTY (default 10).")
    satisfaction_weight: int = strawberry.field(description="Points of the resident-satisfaction item in a street's assessment (default 48).")
    satisfaction_share_permille: int = strawberry.field(description="The item's share of the street's whole assessment, per mille (default 143 = 14.3%).")
    satisfaction_share: float = strawberry.field(description="The same share as a fraction (0.143).")
    street_total_points: float = strawberry.field(description="The street's whole assessment implied: satisfactionWeight / share (48 / 0.143 = 335.66), 2 decimals half up.")
    state: CampaignState = strawberry.field(description="OPEN or PUBLISHED (frozen).")
    published_at: datetime | None = strawberry.field(description="When the ranking was published.")
    created_at: datetime = strawberry.field(description="When the campaign was created and its sample drawn.")
    version: int = strawberry.field(description="Optimistic version: pass it back with a change; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> SurveyCampaign:
        return cls(
            id=strawberry.ID(to_global_id("SurveyCampaign", row.id)), row=row, year=row.year, seed=row.seed,
            sample_per_community=row.sample_per_community, phone_weight_percent=row.phone_weight_pct,
            field_weight_percent=row.field_weight_pct, reward_count=row.reward_count, penalty_count=row.penalty_count,
            satisfaction_weight=row.satisfaction_weight, satisfaction_share_permille=row.satisfaction_share_permille,
            satisfaction_share=row.satisfaction_share_permille / 1000,
            street_total_points=shown(street_total(row.satisfaction_weight, row.satisfaction_share_permille)),  # type: ignore[arg-type]
            state=vocab.CampaignState(row.state), published_at=row.published_at, created_at=row.created_at, version=row.version,
        )

    @strawberry.field(description="Respondents by status, district-wide.")
    async def progress(self, info: Info) -> SurveyProgress:
        r = RespondentModel.__table__
        async with info.context.db.read() as conn:
            rows = (await conn.execute(select(r.c.status, func.count()).where(r.c.campaign_id == self.row.id).group_by(r.c.status))).all()
        counts = {status: n for status, n in rows}
        return SurveyProgress(
            respondents=sum(counts.values()), pending=counts.get("PENDING", 0), answered=counts.get("ANSWERED", 0),
            unreachable=counts.get("UNREACHABLE", 0),
        )

    @strawberry.field(description="实地测评小组 — the campaign's field teams.")
    async def field_teams(self, info: Info) -> list[FieldTeam]:
        return [FieldTeam.from_row(r) for r in await loaders(info).teams_of_campaign.load(self.row.id)]


# ---------------------------------------------------------------- respondents


@strawberry.type(description="One recorded answer: a respondent's rating of one aspect.")
class SurveyAnswer:
    aspect: SurveyAspect = strawberry.field(description="The aspect.")
    aspect_label: str = strawberry.field(description="Chinese name of the aspect, e.g. 解决需求.")
    rating: SurveyRating = strawberry.field(description="The rating.")
    rating_label: str = strawberry.field(description="Chinese label, e.g. 基本满意.")
    value: float = strawberry.field(description="Its value: 1, 0.5 or 0.")

    @classmethod
    def from_row(cls, row: Any) -> SurveyAnswer:
        aspect, rating = vocab.SurveyAspect(row.aspect), vocab.Rating(row.rating)
        return cls(aspect=aspect, aspect_label=vocab.ASPECT_ZH[aspect], rating=rating, rating_label=vocab.RATING_ZH[rating],
                   value=float(vocab.RATING_VALUE[row.rating]))


@strawberry.type(description=(
    "受访者 — a sampled resident of a campaign. The name is always masked (王*). The phone is whole only for an EVALUATOR while the "
    "respondent is PENDING (to place the call; every such read is audited), masked (138****1234) for everyone else."))
class SurveyRespondent(Node):
    position: int = strawberry.field(description="Order of the draw within the community, from 1.")
    status: RespondentStatus = strawberry.field(description="PENDING, ANSWERED or UNREACHABLE.")
    status_label: str = strawberry.field(description="Chinese label of the status.")
    recorded_at: datetime | None = strawberry.field(description="When the answers or the unreachable mark were recorded.")
    note: str = strawberry.field(description="The evaluator's note (e.g. 三次拨打无人接听).")
    version: int = strawberry.field(description="Optimistic version: pass it back when recording; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> SurveyRespondent:
        status = vocab.RespondentStatus(row.status)
        return cls(id=strawberry.ID(to_global_id("SurveyRespondent", row.id)), row=row, position=row.position, status=status,
                   status_label=vocab.STATUS_ZH[status], recorded_at=row.recorded_at, note=row.note, version=row.version)

    @strawberry.field(description="The community the respondent lives in.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))

    @strawberry.field(description="The campaign.")
    async def campaign(self, info: Info) -> SurveyCampaign:
        return SurveyCampaign.from_row(await loaders(info).campaign.load(self.row.campaign_id))

    @strawberry.field(description="The respondent's name, always masked (王*).")
    async def name(self, info: Info) -> str | None:
        resident = await info.context.loaders.resident.load(self.row.resident_id)
        return None if resident is None else mask_name(resident.name)

    @strawberry.field(description="WHOLE for an evaluator while PENDING (the read is audited), else MASKED.")
    def phone_view(self, info: Info) -> PersonalDataView:
        whole = eval_access.sees_phone_whole(info.context.actor, self.row.status)
        return PersonalDataView.WHOLE if whole else PersonalDataView.MASKED

    @strawberry.field(description="The phone to call: whole for an evaluator while PENDING (audited), masked (138****1234) otherwise.")
    async def phone(self, info: Info) -> str | None:
        if eval_access.sees_phone_whole(info.context.actor, self.row.status):
            return await loaders(info).whole_phone.load((self.row.id, self.row.resident_id))
        resident = await info.context.loaders.resident.load(self.row.resident_id)
        return None if resident is None else mask_phone(resident.phone)

    @strawberry.field(description="The recorded answers (none unless ANSWERED).")
    async def answers(self, info: Info) -> list[SurveyAnswer]:
        return [SurveyAnswer.from_row(r) for r in await loaders(info).answers_of_respondent.load(self.row.id)]


@strawberry.type(description="One respondent's result behind a community's phone score, without any personal data.")
class SurveyResponse:
    position: int = strawberry.field(description="Order of the draw within the community.")
    status: RespondentStatus = strawberry.field(description="ANSWERED respondents' answers count; UNREACHABLE and PENDING ones are left out.")
    recorded_at: datetime | None = strawberry.field(description="When it was recorded.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> SurveyResponse:
        return cls(position=row.position, status=vocab.RespondentStatus(row.status), recorded_at=row.recorded_at, row=row)

    @strawberry.field(description="The recorded answers.")
    async def answers(self, info: Info) -> list[SurveyAnswer]:
        return [SurveyAnswer.from_row(r) for r in await loaders(info).answers_of_respondent.load(self.row.id)]


# ---------------------------------------------------------------- field evaluation


@strawberry.type(description="实地测评小组 — a field-evaluation team (members from departments, streets, communities, social workers).")
class FieldTeam(Node):
    name: str = strawberry.field(description="The team's name, unique in its campaign.")
    members: str = strawberry.field(description="Its members, as text.")
    created_at: datetime = strawberry.field(description="When the team was formed.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> FieldTeam:
        return cls(id=strawberry.ID(to_global_id("FieldTeam", row.id)), row=row, name=row.name, members=row.members, created_at=row.created_at)

    @strawberry.field(description="The team's scores of the communities you may drill into, by community.")
    async def scores(self, info: Info) -> list[FieldScore]:
        actor = eval_access.require_reader(info.context.actor)
        rows = await loaders(info).scores_of_team.load(self.row.id)
        if actor.role not in eval_access.READ_ALL:
            ld = info.context.loaders
            cs = {r.community_id: (await ld.community.load(r.community_id)).street_id for r in rows}
            own = eval_access.own_communities(actor, cs)
            rows = [r for r in rows if own is None or r.community_id in own]
        return [FieldScore.from_row(r) for r in rows]


@strawberry.type(description=(
    "One team's field evaluation of one community: 5 aspects of 0–20 points each (one decimal at most); total = their sum (0–100)."))
class FieldScore(Node):
    governance: float = strawberry.field(description="社区治理, 0–20.")
    services: float = strawberry.field(description="社区服务, 0–20.")
    neighbourly_help: float = strawberry.field(description="邻里互助, 0–20.")
    team_building: float = strawberry.field(description="队伍建设, 0–20.")
    innovation: float = strawberry.field(description="方法创新, 0–20.")
    total: float = strawberry.field(description="The sum of the 5 aspects (0–100), exact to 0.1.")
    notes: str = strawberry.field(description="The team's notes.")
    recorded_at: datetime = strawberry.field(description="When recorded (or last corrected).")
    version: int = strawberry.field(description="Pass it back to correct the score; a stale one is a CONFLICT.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> FieldScore:
        return cls(
            id=strawberry.ID(to_global_id("FieldScore", row.id)), row=row, governance=_tenths(row.governance),
            services=_tenths(row.services), neighbourly_help=_tenths(row.neighbourly_help), team_building=_tenths(row.team_building),
            innovation=_tenths(row.innovation), total=float(team_total(score_tenths(row))), notes=row.notes,
            recorded_at=row.recorded_at, version=row.version,
        )

    @strawberry.field(description="The team.")
    async def team(self, info: Info) -> FieldTeam:
        return FieldTeam.from_row(await loaders(info).team.load(self.row.team_id))

    @strawberry.field(description="The community scored.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.row.community_id))


# ---------------------------------------------------------------- ranking


@strawberry.type(description="One aspect of a community's phone survey: answers by rating and the aspect's own score (100 × mean).")
class AspectBreakdown:
    aspect: SurveyAspect = strawberry.field(description="The aspect.")
    aspect_label: str = strawberry.field(description="Chinese name.")
    satisfied: int = strawberry.field(description="SATISFIED answers (1 each).")
    basic: int = strawberry.field(description="BASIC answers (0.5 each).")
    unsatisfied: int = strawberry.field(description="UNSATISFIED answers (0 each).")
    answers: int = strawberry.field(description="All answers of this aspect.")
    score: float | None = strawberry.field(description="100 × (satisfied + 0.5 × basic) / answers, 2 decimals half up; null without answers.")


@strawberry.type(description=(
    "One community in the ranking. phoneScore = 100 × Σ(answer values 1/0.5/0) / number of answers (ANSWERED respondents only); "
    "fieldScore = mean of the field teams' totals; total = (phoneWeight% × phoneScore + fieldWeight% × fieldScore) / 100; rank = "
    "1 + number of communities with a strictly greater exact total (1, 2, 2, 4). Shown to 2 decimals half up; `…Exact` fields exact."))
class CommunityRankingRow:
    position: int = strawberry.field(description="Place in the displayed order: total desc, then phone score desc, then community code; excluded communities last, by code.")
    rank: int | None = strawberry.field(description="Competition rank on the exact total; null when excluded.")
    rank_from_bottom: int | None = strawberry.field(description="1 + number of communities with a strictly smaller exact total (decides PENALTY); null when excluded.")
    mark: RankingMark = strawberry.field(description="REWARD, PENALTY or NONE.")
    mark_label: str = strawberry.field(description="奖励 / 惩戒 / empty.")
    excluded_reason: ExcludedReason | None = strawberry.field(description="Why the community has no total (then no rank, no mark).")
    phone_score: float | None = strawberry.field(description="Phone score (0–100), 2 decimals half up; null without recorded answers.")
    phone_score_exact: str | None = strawberry.field(description="The exact phone score (decimal, or p/q).")
    phone_answers: int = strawberry.field(description="Number of recorded answers (respondent × aspect) behind the phone score.")
    phone_points: float = strawberry.field(description="Sum of their values (satisfied × 1 + basic × 0.5): phoneScore = 100 × phonePoints / phoneAnswers.")
    respondents: int = strawberry.field(description="Respondents sampled in the community.")
    answered: int = strawberry.field(description="Respondents who answered.")
    unreachable: int = strawberry.field(description="Respondents unreachable: left out.")
    pending: int = strawberry.field(description="Respondents not yet called: no answers yet.")
    field_score: float | None = strawberry.field(description="Field score (0–100): mean of the teams' totals, 2 decimals half up; null when no team scored.")
    field_score_exact: str | None = strawberry.field(description="The exact field score.")
    field_team_count: int = strawberry.field(description="Teams that scored the community.")
    total: float | None = strawberry.field(description="Total (0–100), 2 decimals half up; null when excluded.")
    total_exact: str | None = strawberry.field(description="The exact total the rank is computed on.")
    can_drill_down: bool = strawberry.field(description="Whether you may see the answers and field scores behind this row.")
    community_pk: strawberry.Private[int]
    street_pk: strawberry.Private[int]
    campaign_pk: strawberry.Private[int]
    field_rows: strawberry.Private[list[Any]]

    @classmethod
    def build(cls, row: RankedRow, tally: PhoneTally | None, field_rows: list[Any], community: Any, campaign_id: int, drill: bool) -> CommunityRankingRow:
        t = tally or PhoneTally()
        return cls(
            position=row.position, rank=row.rank, rank_from_bottom=row.rank_from_bottom, mark=row.mark,
            mark_label=vocab.MARK_ZH[row.mark], excluded_reason=row.excluded_reason,
            phone_score=shown(row.phone), phone_score_exact=exact_text(row.phone), phone_answers=t.answers, phone_points=float(t.points),
            respondents=t.respondents, answered=t.answered, unreachable=t.unreachable, pending=t.pending,
            field_score=shown(row.field), field_score_exact=exact_text(row.field), field_team_count=len(field_rows),
            total=shown(row.total), total_exact=exact_text(row.total), can_drill_down=drill,
            community_pk=row.community_id, street_pk=community.street_id, campaign_pk=campaign_id, field_rows=field_rows,
        )

    @strawberry.field(description="The community.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))

    @strawberry.field(description="Its street.")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.loaders.street.load(self.street_pk))

    def _require_drill(self) -> None:
        if not self.can_drill_down:
            raise Forbidden("只能查看本辖区社区的测评明细", "You may drill into your own communities only")

    @strawberry.field(description="Drill-down: the phone survey per aspect (ANSWERED respondents). FORBIDDEN unless canDrillDown.")
    async def phone_aspects(self, info: Info) -> list[AspectBreakdown]:
        self._require_drill()
        counts = await loaders(info).aspects.load((self.campaign_pk, self.community_pk))
        out = []
        for aspect in vocab.SurveyAspect:
            c = counts.get(aspect.value, {})
            s, b, u = c.get("SATISFIED", 0), c.get("BASIC", 0), c.get("UNSATISFIED", 0)
            n = s + b + u
            out.append(AspectBreakdown(aspect=aspect, aspect_label=vocab.ASPECT_ZH[aspect], satisfied=s, basic=b, unsatisfied=u, answers=n,
                                       score=None if n == 0 else shown(100 * (s + Fraction(b, 2)) / n)))
        return out

    @strawberry.field(description="Drill-down: the field teams' scores behind the field score (fieldScore = mean of their totals). FORBIDDEN unless canDrillDown.")
    def field_scores(self) -> list[FieldScore]:
        self._require_drill()
        return [FieldScore.from_row(r) for r in self.field_rows]

    @strawberry.field(description=(
        "Drill-down: every sampled respondent's result (no personal data), in draw order, optionally of one status. Keyset pagination, "
        "at most 100 a page. FORBIDDEN unless canDrillDown."))
    async def responses(self, info: Info, status: RespondentStatus | None = None, first: int | None = None, after: str | None = None,
                        last: int | None = None, before: str | None = None) -> Connection[SurveyResponse]:
        self._require_drill()
        r = RespondentModel.__table__
        stmt = select(r).where(r.c.campaign_id == self.campaign_pk, r.c.community_id == self.community_pk)
        if status is not None:
            stmt = stmt.where(r.c.status == status.value)
        return await paginate(info.context.db, stmt, [r.c.id], SurveyResponse.from_row, first=first, after=after, last=last, before=before)


@strawberry.type(description="社区综合排名 — the year's ranking of all communities (every community listed once).")
class CommunityRanking:
    campaign: SurveyCampaign = strawberry.field(description="The campaign (weights, reward and penalty counts, state).")
    published: bool = strawberry.field(description="True once published: frozen, and the table is public to street officers and community workers.")
    ranked_count: int = strawberry.field(description="Communities with a total and a rank (all of the district, not only the rows shown).")
    excluded_count: int = strawberry.field(description="Communities without a total (missing phone or field score).")
    rows: list[CommunityRankingRow] = strawberry.field(description="The rows you may see, in display order (a plain list: at most the district's 150 communities).")


# ---------------------------------------------------------------- street assessment


@strawberry.type(description="A community's phone score as it enters its street's satisfaction item.")
class StreetCommunityScore:
    phone_score: float | None = strawberry.field(description="The community's phone score, 2 decimals half up; null (left out of the mean) without answers.")
    phone_score_exact: str | None = strawberry.field(description="Exact phone score.")
    community_pk: strawberry.Private[int]

    @strawberry.field(description="The community.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(await info.context.loaders.community.load(self.community_pk))


@strawberry.type(description=(
    "One street's resident-satisfaction item: meanPhoneScore = plain mean of its communities' phone scores (communities without one left "
    "out); satisfactionPoints = satisfactionWeight × meanPhoneScore / 100."))
class StreetAssessmentRow:
    community_count: int = strawberry.field(description="Communities of the street.")
    scored_community_count: int = strawberry.field(description="Those with a phone score (entering the mean).")
    mean_phone_score: float | None = strawberry.field(description="Mean phone score, 2 decimals half up; null when no community has one.")
    mean_phone_score_exact: str | None = strawberry.field(description="Exact mean phone score.")
    satisfaction_points: float | None = strawberry.field(description="satisfactionWeight × meanPhoneScore / 100, 2 decimals half up (of 48 by default).")
    satisfaction_points_exact: str | None = strawberry.field(description="Exact satisfaction points.")
    communities: list[StreetCommunityScore] = strawberry.field(description="Drill-down: the communities' phone scores behind the mean, by community code.")
    street_pk: strawberry.Private[int]

    @strawberry.field(description="The street.")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.loaders.street.load(self.street_pk))


@strawberry.type(description=(
    "街道考核 — the resident-satisfaction item of the streets for a campaign year. The item carries satisfactionWeight points "
    "(48), satisfactionShare (14.3%) of a street's whole assessment, which therefore totals satisfactionWeight / satisfactionShare "
    "(335.66) points."))
class StreetAssessment:
    campaign: SurveyCampaign = strawberry.field(description="The campaign holding the configuration.")
    satisfaction_weight: int = strawberry.field(description="Points of the item (configurable; default 48).")
    satisfaction_share: float = strawberry.field(description="Share of the street's whole assessment (configurable; default 0.143).")
    street_total_points: float = strawberry.field(description="satisfactionWeight / satisfactionShare, 2 decimals half up.")
    rows: list[StreetAssessmentRow] = strawberry.field(description="The streets you may see, by street code.")


# ---------------------------------------------------------------- node(id:)


async def resolve_evaluation_node(info: Info, type_name: str, pk: int) -> Any:
    """`node(id:)` for the evaluation's types; null when missing or not readable (same rules as the queries)."""
    actor = info.context.actor
    ld = loaders(info)
    try:
        if type_name == "SurveyCampaign":
            eval_access.require_reader(actor)
            row = await ld.campaign.load(pk)
            return None if row is None else SurveyCampaign.from_row(row)
        if type_name == "FieldTeam":
            eval_access.require_reader(actor)
            row = await ld.team.load(pk)
            return None if row is None else FieldTeam.from_row(row)
        if type_name == "SurveyRespondent":
            eval_access.require_respondent_reader(actor)
            row = await ld.respondent.load(pk)
            return None if row is None else SurveyRespondent.from_row(row)
        if type_name == "FieldScore":
            a = eval_access.require_reader(actor)
            row = await ld.field_score.load(pk)
            if row is None:
                return None
            community = await info.context.loaders.community.load(row.community_id)
            own = eval_access.own_communities(a, {community.id: community.street_id})
            return FieldScore.from_row(row) if own is None or row.community_id in own else None
    except DomainError:
        return None
    return None

