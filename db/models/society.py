"""Four-society linkage (四社联动): social organisations and social-work agencies, agencies as
community partners (社区合伙人, "space in exchange for services"), the district's funds and the
funded service projects (民需服务项目) with the events they held.

Money is integer fen (分) everywhere — never floats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class SocialOrganisation(Base):
    """社会组织 (SOCIAL_ORGANISATION) or 社工机构 (SOCIAL_WORK_AGENCY). The contact's name and
    phone are personal data (masked like residents', SPEC §3)."""

    __tablename__ = "social_organisation"
    __table_args__ = (Index("ix_social_organisation_kind_name", "kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(128))
    # 统一社会信用代码 or the civil-affairs registration number.
    registration_no: Mapped[str] = mapped_column(String(32), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    service_areas: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CommunityPartnership(Base):
    """社区合伙人: a social-work agency and a community — the space the community provides and
    the services the agency gives in return (以空间换服务), from/to dates. One row per pair."""

    __tablename__ = "community_partnership"
    __table_args__ = (
        UniqueConstraint("organisation_id", "community_id"),
        Index("ix_community_partnership_community", "community_id", "organisation_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("social_organisation.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    space: Mapped[str] = mapped_column(String(128))
    services: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Fund(Base):
    """A fund's budget for one year: the district allocation (ANNUAL_ALLOCATION, 3 M yuan) or the
    community special fund (SPECIAL_FUND, 4.2 M yuan). `awarded_fen` is raised only by a
    conditional UPDATE that keeps it within `budget_fen`, so concurrent awards cannot overspend."""

    __tablename__ = "fund"
    __table_args__ = (
        UniqueConstraint("kind", "year"),
        CheckConstraint("awarded_fen >= 0 AND awarded_fen <= budget_fen", name="within_budget"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    awarded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ServiceProject(Base):
    """民需服务项目: PROPOSED → AWARDED (by contest, from a fund) → RUNNING → COMPLETED, or
    PROPOSED → REJECTED. Serves one community, or a whole street (`community_id` null).
    Event and people totals are derived from `service_project_event`, never stored here."""

    __tablename__ = "service_project"
    __table_args__ = (
        Index("ix_service_project_fund_state", "fund_id", "state"),
        Index("ix_service_project_community", "community_id", "id"),
        Index("ix_service_project_street", "street_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("social_organisation.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), nullable=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"))
    requested_fen: Mapped[int] = mapped_column(BigInteger)
    awarded_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    contest_kind: Mapped[str | None] = mapped_column(String(24), nullable=True)
    contest_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    contest_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="PROPOSED")
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    awarded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ServiceProjectEvent(Base):
    """One event a project held (e.g. a 激活大脑 session): date, title, people served."""

    __tablename__ = "service_project_event"
    __table_args__ = (Index("ix_service_project_event_project", "project_id", "held_on", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("service_project.id"))
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(120))
    people_served: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
