"""Exact evaluation (精确考评) of the communities: the yearly phone survey (电话测评) of sampled
residents, the field evaluation (实地测评) by evaluation teams, and the configuration of the
community ranking and of the street assessment's resident-satisfaction item.

Scores are stored exactly: survey ratings as words (SATISFIED / BASIC / UNSATISFIED, worth 1 / 0.5 /
0), field-evaluation aspects in tenths of a point (0–200 for 0–20.0), weights as whole percent or
per mille. Every figure of the ranking is computed from these rows (resolvers/evaluation/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class SurveyCampaign(Base):
    """One year's evaluation. `seed` drew the phone sample (same seed → same sample).
    `state`: OPEN (answers and field scores recorded) → PUBLISHED (frozen: nothing changes)."""

    __tablename__ = "survey_campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    seed: Mapped[int] = mapped_column(Integer)
    sample_per_community: Mapped[int] = mapped_column(Integer)
    # Ranking: total = (phone_weight_pct × phone + field_weight_pct × field) / 100; the two sum to 100.
    phone_weight_pct: Mapped[int] = mapped_column(Integer, default=50)
    field_weight_pct: Mapped[int] = mapped_column(Integer, default=50)
    reward_count: Mapped[int] = mapped_column(Integer, default=10)
    penalty_count: Mapped[int] = mapped_column(Integer, default=10)
    # Street assessment: the satisfaction item's points (48) and its share of the street's total (143 ‰ = 14.3%).
    satisfaction_weight: Mapped[int] = mapped_column(Integer, default=48)
    satisfaction_share_permille: Mapped[int] = mapped_column(Integer, default=143)
    state: Mapped[str] = mapped_column(String(12), default="OPEN")
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SurveyRespondent(Base):
    """A sampled resident of a campaign. `position`: order of the draw within the community.
    `status`: PENDING → ANSWERED, or PENDING → UNREACHABLE (left out of every score)."""

    __tablename__ = "survey_respondent"
    __table_args__ = (
        UniqueConstraint("campaign_id", "resident_id"),
        Index("ix_survey_respondent_campaign_community", "campaign_id", "community_id", "id"),
        Index("ix_survey_respondent_campaign_status", "campaign_id", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="PENDING")
    evaluator_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    recorded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class SurveyAnswer(Base):
    """One answer: a respondent's rating of one aspect (SOLVING_NEEDS, CONTACT, DAILY_DUTY,
    WORK_STYLE, SERVICE_ATTITUDE) as SATISFIED / BASIC / UNSATISFIED."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("respondent_id", "aspect"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("survey_respondent.id"))
    aspect: Mapped[str] = mapped_column(String(24))
    rating: Mapped[str] = mapped_column(String(12))


class FieldTeam(Base):
    """实地测评小组 — a field-evaluation team of a campaign; members drawn from departments,
    streets, communities and social workers, listed as text."""

    __tablename__ = "field_team"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    members: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FieldScore(Base):
    """One team's scores of one community, each aspect in tenths of a point (0–200 = 0–20.0)."""

    __tablename__ = "field_score"
    __table_args__ = (
        UniqueConstraint("team_id", "community_id"),
        Index("ix_field_score_campaign_community", "campaign_id", "community_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("field_team.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    governance: Mapped[int] = mapped_column(Integer)
    services: Mapped[int] = mapped_column(Integer)
    neighbourly_help: Mapped[int] = mapped_column(Integer)
    team_building: Mapped[int] = mapped_column(Integer)
    innovation: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    evaluator_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
