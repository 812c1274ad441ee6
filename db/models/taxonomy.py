"""The taxonomy of SPEC §5.2 with its routing table and default deadlines (editable by ADMIN)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Category(Base):
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)


class Subcategory(Base):
    __tablename__ = "subcategory"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # Routing table: the department a MAJOR request of this kind goes to by default.
    default_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id"), nullable=True
    )
    # Space-separated keywords used to suggest this subcategory from a request's text.
    keywords: Mapped[str] = mapped_column(Text, default="")
    triage_minutes: Mapped[int] = mapped_column(Integer, default=30)
    major_response_hours: Mapped[int] = mapped_column(Integer, default=2)
    major_resolve_working_days: Mapped[int] = mapped_column(Integer, default=5)
    minor_a_hours: Mapped[int] = mapped_column(Integer, default=24)
    minor_c_progress_days: Mapped[int] = mapped_column(Integer, default=7)
    private_response_hours: Mapped[int] = mapped_column(Integer, default=48)
