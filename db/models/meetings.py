"""Sunshine-17 deliberation (阳光17议): each community's monthly joint meeting on the 17th and
its ad-hoc round tables (圆桌议事会) — topics with their outcomes and the requests they settle,
participants and attendance, minutes, and the follow-up of agreed actions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class Meeting(Base):
    """One meeting of one community. `kind`: SUNSHINE_17 / ROUND_TABLE. `state`: PLANNED →
    HELD → CLOSED, or CANCELLED. `street_id` is the community's, denormalised for the street's
    lists and statistics."""

    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_community_scheduled", "community_id", "scheduled_at", "id"),
        Index("ix_meeting_street_scheduled", "street_id", "scheduled_at", "id"),
        Index("ix_meeting_state_held", "state", "held_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    scheduled_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(12), default="PLANNED")
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)
    held_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    convened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class MeetingTopic(Base):
    """One topic (议题) on a meeting's agenda. `outcome`: PENDING / AGREED / NOT_AGREED;
    an AGREED topic carries its resolution text."""

    __tablename__ = "meeting_topic"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("subcategory.id"), nullable=True)
    outcome: Mapped[str] = mapped_column(String(12), default="PENDING")
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingTopicRequest(Base):
    """A request a topic deals with. `settled`: the topic's agreed resolution resolved it."""

    __tablename__ = "meeting_topic_request"
    __table_args__ = (UniqueConstraint("topic_id", "request_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("meeting_topic.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why it was left as it was when the topic was agreed (empty when settled or undecided).
    settle_note: Mapped[str] = mapped_column(String(200), default="")


class MeetingParticipant(Base):
    """Someone invited to a meeting, by kind (两委成员, 党员代表, 群众代表, 志愿者, 辖区企业,
    两代表一委员). A phone is personal data: whole only for the community's own workers."""

    __tablename__ = "meeting_participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(128), default="")
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)


class MeetingFollowUp(Base):
    """An action an agreed topic calls for: what, who, by when; OPEN → DONE."""

    __tablename__ = "meeting_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("meeting_topic.id"), index=True)
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    state: Mapped[str] = mapped_column(String(8), default="OPEN")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class MeetingFollowUpNote(Base):
    """Append-only progress notes of a follow-up action (never edited or deleted)."""

    __tablename__ = "meeting_follow_up_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("meeting_follow_up.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    author_label: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text)
    completes: Mapped[bool] = mapped_column(Boolean, default=False)
