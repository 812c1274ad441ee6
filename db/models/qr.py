"""Retired building QR tokens: a sticker replaced on the door keeps answering "retired", not
"unknown", so a resident holding an old photo of it is told to scan the new one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class RetiredQrToken(Base):
    """A building's former QR token, retired when the token was rotated (who, when)."""

    __tablename__ = "retired_qr_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
