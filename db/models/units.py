from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Department(Base):
    """区直部门 — one of the district's 64 departments that handle MAJOR requests."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(128))
    # Retired by ADMIN (resolvers/admin/units.py): kept for history, given no new work.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class PartnerUnit(Base):
    """A member unit of a community's big party committee (大党委): stationed unit, enterprise,
    "two new" organisation or property company."""

    __tablename__ = "partner_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(24))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    # What the unit brings to the community (resources, skills), in its own words.
    services: Mapped[str] = mapped_column(Text, default="")
    joined_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
