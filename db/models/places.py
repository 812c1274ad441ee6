"""The district's places: street → community → grid → (responsibility field) → building."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Street(Base):
    """街道 — one of the 12 e呼应 sub-centres."""

    __tablename__ = "street"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(128))


class StreetSection(Base):
    """科室 — an office of a street that can lead the handling of a request."""

    __tablename__ = "street_section"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    # Retired by ADMIN (resolvers/admin/units.py): kept for history, given no new work.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Community(Base):
    """社区 — an e呼应 workstation."""

    __tablename__ = "community"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(128))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)


class Grid(Base):
    """网格 — 300–400 households with one or two grid workers."""

    __tablename__ = "grid"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)


class ResponsibilityField(Base):
    """责任田 — a sub-grid area led by a field head (a veteran party member)."""

    __tablename__ = "responsibility_field"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)


class Building(Base):
    """楼栋 — the smallest unit of governance; its QR token (民情二维码) lets anyone report."""

    __tablename__ = "building"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(Integer, default=0)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    field_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsibility_field.id"), index=True, nullable=True
    )
    # Denormalised from the grid: requests and lists filter by community and street constantly.
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    qr_token: Mapped[str] = mapped_column(String(64), unique=True)
