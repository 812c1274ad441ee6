from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class ImportJob(Base):
    """A register import that was run for real (台账导入): who, when, which register and file, the
    outcome and its counts. Dry runs write nothing and so leave no row. A refused import (bad
    rows) is recorded too, with its errors, though none of its rows were written."""

    __tablename__ = "import_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The opaque job id clients poll while the job runs; the row is written when it ends.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    register: Mapped[str] = mapped_column(String(24), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True, index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # JSON: the first errors (row, sheet, column, value, reason) — capped, error_count is exact.
    errors: Mapped[str] = mapped_column(Text, default="[]")
    # JSON: counts per sheet and timings.
    summary: Mapped[str] = mapped_column(Text, default="{}")
