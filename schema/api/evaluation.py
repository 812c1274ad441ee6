"""Exact evaluation (精确考评): phone survey, field evaluation, community ranking and street assessment —
root query and mutation fields. Thin: the formulas and rules are in resolvers/evaluation/."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from db.models import Community as CommunityModel
from db.models import SurveyCampaign as CampaignModel
from db.models import SurveyRespondent as RespondentModel
from resolvers.errors import BadUserInput, Forbidden, NotFound
from resolvers.evaluation import access as eval_access
from resolvers.evaluation import field as field_rules
from resolvers.evaluation import ranking as ranking_rules
from resolvers.evaluation import survey as survey_rules
from resolvers.evaluation import vocab
from resolvers.evaluation.numbers import exact_text, shown
from resolvers.evaluation.street_assessment import street_assessment as assess_streets
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.pagination import Connection, paginate
from schema.types.evaluation import (
    CommunityRanking,
    CommunityRankingRow,
    FieldScore,
    FieldTeam,
    RespondentStatus,
    StreetAssessment,
    StreetAssessmentRow,
    StreetCommunityScore,
    SurveyAspect,
    SurveyCampaign,
    SurveyRating,
    SurveyRespondent,
)

CT = CampaignModel.__table__
RT = RespondentModel.__table__
YEAR_DOC = "The campaign year, e.g. 2025."


def _pk(gid: strawberry.ID | None, type_name: str) -> int | None:
    return None if gid is None else from_global_id(gid, type_name)[1]


async def _campaign_row(conn, year: int):  # noqa: ANN001, ANN202
    return await ranking_rules.campaign_by_year(conn, year)


async def _community_streets(conn) -> dict[int, int]:  # noqa: ANN001
    c = CommunityModel.__table__
    return {r.id: r.street_id for r in (await conn.execute(select(c.c.id, c.c.street_id))).all()}


# ---------------------------------------------------------------- inputs and payloads


@strawberry.input(description="Filter a campaign's respondents; every given condition must hold.")
class SurveyRespondentFilter:
    community_id: strawberry.ID | None = strawberry.field(default=None, description="Respondents of this community.")
    status: RespondentStatus | None = strawberry.field(default=None, description="Only this status (PENDING: the evaluator's call list).")


@strawberry.input(description=(
    "Create the year's evaluation campaign and draw its phone-survey sample from the residents register in the same transaction."))
class CreateSurveyCampaignInput:
    year: int = strawberry.field(description="The evaluated year (2000–2100); one campaign a year (a second one is a CONFLICT).")
    seed: int | None = strawberry.field(default=None, description="Random seed 0–2147483647; drawn at random and recorded when left out. Same seed → same sample.")
    sample_per_community: int = strawberry.field(default=survey_rules.DEFAULT_SAMPLE_PER_COMMUNITY, description="Respondents per community, 1–2000 (default 67: 10,050 in the district).")
    phone_weight_percent: int = strawberry.field(default=50, description="Weight of the phone score, whole percent.")
    field_weight_percent: int = strawberry.field(default=50, description="Weight of the field score, whole percent; the two must sum to 100.")
    reward_count: int = strawberry.field(default=10, description="Top ranks marked REWARD.")
    penalty_count: int = strawberry.field(default=10, description="Bottom ranks marked PENALTY.")
    satisfaction_weight: int = strawberry.field(default=48, description="Points of the street assessment's satisfaction item (1–1000).")
    satisfaction_share_permille: int = strawberry.field(default=143, description="Its share of a street's whole assessment, per mille (1–1000; 143 = 14.3%).")


@strawberry.input(description="Change an OPEN campaign's configuration (the sample stays as drawn). Left-out fields keep their value.")
class UpdateSurveyCampaignInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign (OPEN).")
    phone_weight_percent: int | None = strawberry.field(default=None, description="Weight of the phone score, whole percent.")
    field_weight_percent: int | None = strawberry.field(default=None, description="Weight of the field score; the two must sum to 100.")
    reward_count: int | None = strawberry.field(default=None, description="Top ranks marked REWARD.")
    penalty_count: int | None = strawberry.field(default=None, description="Bottom ranks marked PENALTY.")
    satisfaction_weight: int | None = strawberry.field(default=None, description="Points of the satisfaction item.")
    satisfaction_share_permille: int | None = strawberry.field(default=None, description="Its share of a street's assessment, per mille.")
    version: int | None = strawberry.field(default=None, description="The campaign version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The campaign after a change.")
class SurveyCampaignPayload:
    campaign: SurveyCampaign = strawberry.field(description="The campaign as it is now.")
    drawn_count: int | None = strawberry.field(default=None, description="createSurveyCampaign: respondents drawn in all.")


@strawberry.input(description="One answer: the respondent's rating of one aspect.")
class SurveyAnswerInput:
    aspect: SurveyAspect = strawberry.field(description="The aspect.")
    rating: SurveyRating = strawberry.field(description="SATISFIED (1), BASIC (0.5) or UNSATISFIED (0).")


@strawberry.input(description="Record a reached respondent's answers (PENDING → ANSWERED). Recorded once: a second time is a CONFLICT.")
class RecordSurveyAnswersInput:
    respondent_id: strawberry.ID = strawberry.field(description="A PENDING SurveyRespondent.")
    answers: list[SurveyAnswerInput] = strawberry.field(description="1 to 5 answers, each aspect at most once (an aspect not rated is left out).")
    note: str | None = strawberry.field(default=None, description="The evaluator's note (≤ 1000 characters).")
    version: int | None = strawberry.field(default=None, description="The respondent version you saw; a stale one is a CONFLICT.")


@strawberry.input(description="Mark a respondent unreachable (PENDING → UNREACHABLE): left out of every score.")
class MarkRespondentUnreachableInput:
    respondent_id: strawberry.ID = strawberry.field(description="A PENDING SurveyRespondent.")
    note: str | None = strawberry.field(default=None, description="E.g. 三次拨打无人接听 (≤ 1000 characters).")
    version: int | None = strawberry.field(default=None, description="The respondent version you saw; a stale one is a CONFLICT.")


@strawberry.type(description="The respondent after recording.")
class SurveyRespondentPayload:
    respondent: SurveyRespondent = strawberry.field(description="The respondent as it is now.")


@strawberry.input(description="Form a field-evaluation team for a campaign.")
class CreateFieldTeamInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign (OPEN).")
    name: str = strawberry.field(description="The team's name, unique in the campaign (≤ 64 characters).")
    members: str = strawberry.field(default="", description="Its members, as text (≤ 2000 characters).")


@strawberry.type(description="The new team.")
class FieldTeamPayload:
    team: FieldTeam = strawberry.field(description="The team.")


@strawberry.input(description=(
    "One team's field evaluation of one community: each aspect 0–20 points, an integer or one decimal (17 or 17.5; 17.25, −1 or 21 are "
    "BAD_USER_INPUT). A team scores a community once; to correct it, send again with the score's current `version`."))
class RecordFieldEvaluationInput:
    team_id: strawberry.ID = strawberry.field(description="The FieldTeam.")
    community_id: strawberry.ID = strawberry.field(description="The community scored.")
    governance: float = strawberry.field(description="社区治理, 0–20.")
    services: float = strawberry.field(description="社区服务, 0–20.")
    neighbourly_help: float = strawberry.field(description="邻里互助, 0–20.")
    team_building: float = strawberry.field(description="队伍建设, 0–20.")
    innovation: float = strawberry.field(description="方法创新, 0–20.")
    notes: str = strawberry.field(default="", description="The team's notes (≤ 4000 characters).")
    version: int | None = strawberry.field(default=None, description="Only to correct an existing score: its current version (stale or missing → CONFLICT).")


@strawberry.type(description="The recorded field score.")
class FieldEvaluationPayload:
    score: FieldScore = strawberry.field(description="The team's score of the community.")


@strawberry.input(description="Publish (and freeze) a campaign's ranking.")
class PublishRankingInput:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign (OPEN).")
    version: int | None = strawberry.field(default=None, description="The campaign version you saw; a stale one is a CONFLICT.")


# ---------------------------------------------------------------- queries


@strawberry.type(description="Evaluation (精确考评) queries.")
class EvaluationQuery:
    @strawberry.field(description=(
        "测评年度 — evaluation campaigns, newest year first. Readers: admins, the center, district leaders, evaluators, street officers, "
        "community workers; others FORBIDDEN."))
    async def survey_campaigns(self, info: Info, first: int | None = None, after: str | None = None, last: int | None = None,
                               before: str | None = None) -> Connection[SurveyCampaign]:
        eval_access.require_reader(info.context.actor)
        return await paginate(info.context.db, select(CT), [CT.c.year, CT.c.id], SurveyCampaign.from_row, first=first, after=after,
                              last=last, before=before, descending=True)

    @strawberry.field(description="The campaign of one year; null when there is none. Readers as surveyCampaigns.")
    async def survey_campaign(self, info: Info, year: Annotated[int, strawberry.argument(description=YEAR_DOC)]) -> SurveyCampaign | None:
        eval_access.require_reader(info.context.actor)
        async with info.context.db.read() as conn:
            row = await _campaign_row(conn, year)
        return None if row is None else SurveyCampaign.from_row(row)

    @strawberry.field(description=(
        "受访者 — a campaign's sampled respondents in draw order (community, then position). Names masked; phones whole only for an "
        "evaluator while PENDING (audited). Admins, the center, district leaders and evaluators; others FORBIDDEN. No campaign: NOT_FOUND."))
    async def survey_respondents(
        self, info: Info, year: Annotated[int, strawberry.argument(description=YEAR_DOC)],
        filter: Annotated[SurveyRespondentFilter | None, strawberry.argument(description="Conditions that must all hold.")] = None,
        first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None,
    ) -> Connection[SurveyRespondent]:
        eval_access.require_respondent_reader(info.context.actor)
        async with info.context.db.read() as conn:
            campaign = await _campaign_row(conn, year)
        if campaign is None:
            raise NotFound(f"{year}年度没有测评", f"No campaign for {year}", field="year")
        stmt: Select = select(RT).where(RT.c.campaign_id == campaign.id)
        if filter is not None:
            if (cid := _pk(filter.community_id, "Community")) is not None:
                stmt = stmt.where(RT.c.community_id == cid)
            if filter.status is not None:
                stmt = stmt.where(RT.c.status == filter.status.value)
        return await paginate(info.context.db, stmt, [RT.c.community_id, RT.c.position, RT.c.id], SurveyRespondent.from_row,
                              first=first, after=after, last=last, before=before)

    @strawberry.field(description=(
        "社区综合排名 — the year's ranking, computed from the recorded answers and field scores (exact; see CommunityRankingRow). "
        "District-wide readers (admins, center, district leaders, evaluators) see every row and its drill-down; a street officer the rows "
        "of its street(s), a community worker its own row — and, once PUBLISHED, everyone of them the whole table (drill-down still only "
        "their own). `streetId` keeps one street's rows (ranks stay district-wide). Null when the year has no campaign."))
    async def community_ranking(
        self, info: Info, year: Annotated[int, strawberry.argument(description=YEAR_DOC)],
        street_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this street's communities.")] = None,
    ) -> CommunityRanking | None:
        actor = eval_access.require_reader(info.context.actor)
        sid = _pk(street_id, "Street")
        async with info.context.db.read() as conn:
            campaign = await _campaign_row(conn, year)
            if campaign is None:
                return None
            streets = await _community_streets(conn)
            if sid is not None and sid not in set(streets.values()):
                raise BadUserInput("街道不存在", "No such street", field="streetId")
            view = eval_access.ranking_view(actor, streets, campaign.state == vocab.CampaignState.PUBLISHED.value)
            if sid is not None and view.rows is not None and not any(streets[c] == sid for c in view.rows):
                raise Forbidden("只能查看本辖区的排名", "Only your own area's ranking rows")
            ranking = await ranking_rules.compute_ranking(conn, campaign)
        rows = [
            CommunityRankingRow.build(r, ranking.tallies.get(r.community_id), ranking.field_rows.get(r.community_id, []),
                                      ranking.communities[r.community_id], campaign.id, view.drills(r.community_id))
            for r in ranking.rows
            if view.sees_row(r.community_id) and (sid is None or streets[r.community_id] == sid)
        ]
        ranked = sum(1 for r in ranking.rows if r.rank is not None)
        return CommunityRanking(campaign=SurveyCampaign.from_row(campaign), published=campaign.state == vocab.CampaignState.PUBLISHED.value,
                                ranked_count=ranked, excluded_count=len(ranking.rows) - ranked, rows=rows)

    @strawberry.field(description=(
        "街道考核 — each street's resident-satisfaction item for the year: satisfactionPoints = satisfactionWeight (48) × mean phone "
        "score of its communities / 100. District-wide readers see all streets, a street officer its own; others FORBIDDEN. Null when "
        "the year has no campaign."))
    async def street_assessment(
        self, info: Info, year: Annotated[int, strawberry.argument(description=YEAR_DOC)],
        street_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this street.")] = None,
    ) -> StreetAssessment | None:
        async with info.context.db.read() as conn:
            assessment = await assess_streets(conn, info.context.actor, year, _pk(street_id, "Street"))
        if assessment is None:
            return None
        campaign = assessment.campaign
        rows = [
            StreetAssessmentRow(
                street_pk=r.street_id, community_count=len(r.members), scored_community_count=r.item.scored,
                mean_phone_score=shown(r.item.mean_phone), mean_phone_score_exact=exact_text(r.item.mean_phone),
                satisfaction_points=shown(r.item.points), satisfaction_points_exact=exact_text(r.item.points),
                communities=[StreetCommunityScore(community_pk=cid, phone_score=shown(score), phone_score_exact=exact_text(score))
                             for cid, score in r.members],
            )
            for r in assessment.rows
        ]
        return StreetAssessment(
            campaign=SurveyCampaign.from_row(campaign), satisfaction_weight=campaign.satisfaction_weight,
            satisfaction_share=campaign.satisfaction_share_permille / 1000, street_total_points=shown(assessment.street_total),
            rows=rows,  # type: ignore[arg-type]
        )


# ---------------------------------------------------------------- mutations


def _cid(gid: strawberry.ID) -> int:
    return from_global_id(gid, "SurveyCampaign")[1]


def _rid(gid: strawberry.ID) -> int:
    return from_global_id(gid, "SurveyRespondent")[1]


@strawberry.type(description="Evaluation (精确考评) mutations: admins and the center manage campaigns; evaluators record.")
class EvaluationMutation:
    @strawberry.mutation(description="Create the year's campaign and draw its sample (ADMIN, CENTER_DISPATCHER).")
    async def create_survey_campaign(self, info: Info, input: CreateSurveyCampaignInput) -> SurveyCampaignPayload:
        async with write_unit(info.context) as session:
            campaign, drawn = await survey_rules.create_campaign(
                session, info.context.actor, year=input.year, seed=input.seed, sample_per_community=input.sample_per_community,
                phone_weight_pct=input.phone_weight_percent, field_weight_pct=input.field_weight_percent, reward_count=input.reward_count,
                penalty_count=input.penalty_count, satisfaction_weight=input.satisfaction_weight,
                satisfaction_share_permille=input.satisfaction_share_permille)
        return SurveyCampaignPayload(campaign=SurveyCampaign.from_row(campaign), drawn_count=drawn)

    @strawberry.mutation(description="Change an OPEN campaign's weights and counts (ADMIN, CENTER_DISPATCHER).")
    async def update_survey_campaign(self, info: Info, input: UpdateSurveyCampaignInput) -> SurveyCampaignPayload:
        async with write_unit(info.context) as session:
            campaign = await survey_rules.update_campaign(
                session, info.context.actor, _cid(input.campaign_id), version=input.version, phone_weight_pct=input.phone_weight_percent,
                field_weight_pct=input.field_weight_percent, reward_count=input.reward_count, penalty_count=input.penalty_count,
                satisfaction_weight=input.satisfaction_weight, satisfaction_share_permille=input.satisfaction_share_permille)
        return SurveyCampaignPayload(campaign=SurveyCampaign.from_row(campaign))

    @strawberry.mutation(description="Record a reached respondent's answers (EVALUATOR). Already recorded: CONFLICT; published campaign: INVALID_TRANSITION.")
    async def record_survey_answers(self, info: Info, input: RecordSurveyAnswersInput) -> SurveyRespondentPayload:
        answers = [(vocab.SurveyAspect(a.aspect.value), vocab.Rating(a.rating.value)) for a in input.answers]
        async with write_unit(info.context) as session:
            row = await survey_rules.record_answers(session, info.context.actor, _rid(input.respondent_id), answers, note=input.note,
                                                    version=input.version)
        return SurveyRespondentPayload(respondent=SurveyRespondent.from_row(row))

    @strawberry.mutation(description="Mark a respondent unreachable (EVALUATOR): left out of every score. Already recorded: CONFLICT.")
    async def mark_respondent_unreachable(self, info: Info, input: MarkRespondentUnreachableInput) -> SurveyRespondentPayload:
        async with write_unit(info.context) as session:
            row = await survey_rules.mark_unreachable(session, info.context.actor, _rid(input.respondent_id), note=input.note,
                                                      version=input.version)
        return SurveyRespondentPayload(respondent=SurveyRespondent.from_row(row))

    @strawberry.mutation(description="Form a field-evaluation team (EVALUATOR).")
    async def create_field_team(self, info: Info, input: CreateFieldTeamInput) -> FieldTeamPayload:
        async with write_unit(info.context) as session:
            team = await field_rules.create_team(session, info.context.actor, _cid(input.campaign_id), name=input.name, members=input.members)
        return FieldTeamPayload(team=FieldTeam.from_row(team))

    @strawberry.mutation(description="Record (or correct, with `version`) one team's field evaluation of one community (EVALUATOR).")
    async def record_field_evaluation(self, info: Info, input: RecordFieldEvaluationInput) -> FieldEvaluationPayload:
        scores = {
            vocab.FieldAspect.GOVERNANCE: input.governance, vocab.FieldAspect.SERVICES: input.services,
            vocab.FieldAspect.NEIGHBOURLY_HELP: input.neighbourly_help, vocab.FieldAspect.TEAM_BUILDING: input.team_building,
            vocab.FieldAspect.INNOVATION: input.innovation,
        }
        async with write_unit(info.context) as session:
            row = await field_rules.record_field_score(
                session, info.context.actor, team_id=from_global_id(input.team_id, "FieldTeam")[1],
                community_id=from_global_id(input.community_id, "Community")[1], scores=scores, notes=input.notes, version=input.version)
        return FieldEvaluationPayload(score=FieldScore.from_row(row))

    @strawberry.mutation(description="Publish the ranking (OPEN → PUBLISHED, ADMIN, CENTER_DISPATCHER): it is announced and frozen.")
    async def publish_ranking(self, info: Info, input: PublishRankingInput) -> SurveyCampaignPayload:
        async with write_unit(info.context) as session:
            campaign = await ranking_rules.publish(session, info.context.actor, _cid(input.campaign_id), version=input.version)
        return SurveyCampaignPayload(campaign=SurveyCampaign.from_row(campaign))
