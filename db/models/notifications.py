"""Notifications to residents: the outbox written with each request change, and the WeChat
accounts residents follow their requests from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class Notification(Base):
    """One message to one reporter about one request event, on one channel.

    Written in the transaction of the change it reports (resolvers/notifications/outbox.py) and
    sent by the worker afterwards. An event is (request_id, event_version): every change bumps the
    request's version, and the event's seq is not known yet when the row is written. The unique key
    makes a second row for the same event, channel and address impossible.

    `state`: PENDING → SENDING (claimed; `next_attempt_at` is then the end of the lease) → SENT,
    or back to PENDING with a later `next_attempt_at`, or FAILED after the last attempt.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("request_id", "event_version", "channel", "address"),
        Index("ix_notification_due", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Sent to the provider, which drops a repeat: a row re-sent after a worker died mid-send
    # reaches the resident once. Random, so a restored or second database never reuses one.
    idempotency_key: Mapped[str] = mapped_column(String(32), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    event_version: Mapped[int] = mapped_column(Integer)
    event_kind: Mapped[str] = mapped_column(String(24))
    # The reporter's own request: its tracking code is the one in the text (a merged duplicate's
    # reporter knows the code of what they reported, not of the survivor).
    reporter_request_id: Mapped[int] = mapped_column(ForeignKey("request.id"))
    channel: Mapped[str] = mapped_column(String(8))  # SMS / WECHAT
    # A mobile number or a WeChat openid: personal data, never shown through the API.
    address: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # Template fields for channels that take them (WeChat): JSON.
    data: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(String(8), default="PENDING")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    provider_receipt: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WeChatFollower(Base):
    """A WeChat account that follows a request by its tracking code: template messages about it
    go to this openid, as SMS go to the reporter's phone."""

    __tablename__ = "wechat_follower"
    __table_args__ = (UniqueConstraint("request_id", "openid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    openid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
