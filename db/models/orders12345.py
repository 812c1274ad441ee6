"""Work orders from outside: the city's 12345 platform and Open311 clients, and the outcome
reports sent back to the 12345 platform (an outbox, written in the request change's transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class CityOrder(Base):
    """One inbound order and the request it created. The unique (source, order_no) is what makes a
    redelivered order return the first request instead of creating a second one."""

    __tablename__ = "city_order"
    __table_args__ = (
        UniqueConstraint("source", "order_no"),
        Index("ix_city_order_created", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(12))  # CITY_12345 / OPEN311
    # The platform's order number; for Open311 submissions the request's tracking code.
    order_no: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]  # when the platform took the call
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    caller_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    caller_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attachments: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of URLs, never fetched
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    long: Mapped[float | None] = mapped_column(Float, nullable=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), unique=True)
    # How the address found its building: EXACT / NORMALISED / FUZZY, or NONE / AMBIGUOUS (left
    # for the center), CENTER once the center placed it.
    match: Mapped[str] = mapped_column(String(12))
    match_note: Mapped[str] = mapped_column(String(200), default="")
    placed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    placed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class CityOrderCallback(Base):
    """An outcome report owed to the 12345 platform. `key` (order number + state) is the
    idempotency key: one row, hence at most one successful delivery, per order and end state."""

    __tablename__ = "city_order_callback"
    __table_args__ = (Index("ix_city_order_callback_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("city_order.id"), index=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, frozen when the request ended
    status: Mapped[str] = mapped_column(String(12), default="PENDING")  # PENDING / DELIVERED / FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
