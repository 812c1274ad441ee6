from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class KpiRuleVersion(Base):
    """A version of the department-KPI rules (resolvers/kpi/rules.py), in effect from a local date
    on until the next version. Rows are only added: changing the rules is a new version, so every
    past figure can be recomputed with the rules it was computed with."""

    __tablename__ = "kpi_rule_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    base_score: Mapped[int] = mapped_column(Integer)
    late_response_points: Mapped[int] = mapped_column(Integer)
    refused_resolution_points: Mapped[int] = mapped_column(Integer)
    unsatisfied_rating_points: Mapped[int] = mapped_column(Integer)
    co_handlers_measured: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
