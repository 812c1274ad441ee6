"""The big party committee (大党委) at work: dual reporting (双报到) to the community and
co-building tasks (共建任务) given to member units (PartnerUnit, db/models/units.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Sequence, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class DualReport(Base):
    """双报到: a party organisation, or one party member, registered with the community where it
    serves. A member's phone is personal data (masked like residents', SPEC §3)."""

    __tablename__ = "dual_report"
    __table_args__ = (Index("ix_dual_report_community_kind", "community_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    kind: Mapped[str] = mapped_column(String(16))  # ORGANISATION / MEMBER
    name: Mapped[str] = mapped_column(String(128))
    # The member's work unit, or the organisation's parent organisation.
    affiliation: Mapped[str] = mapped_column(String(128), default="")
    partner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("partner_unit.id"), nullable=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reported_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DualReportService(Base):
    """One service given to the community by a dual-reported organisation or member."""

    __tablename__ = "dual_report_service"
    id: Mapped[int] = mapped_column(primary_key=True)
    dual_report_id: Mapped[int] = mapped_column(ForeignKey("dual_report.id"), index=True)
    served_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), nullable=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CoTask(Base):
    """共建任务: what the community asks of one or more partner units, by when, and the result.
    `state`: OPEN (no partner has accepted yet) → IN_PROGRESS → DONE, or CANCELLED."""

    __tablename__ = "co_task"
    __table_args__ = (Index("ix_co_task_community_created", "community_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    title: Mapped[str] = mapped_column(String(120))
    ask: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="OPEN")
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CoTaskRequest(Base):
    """A request the task answers (the 大海阳 sewer task answers several complaints)."""

    __tablename__ = "co_task_request"
    __table_args__ = (UniqueConstraint("task_id", "request_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("co_task.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)


class CoTaskPartner(Base):
    """One partner unit's part in a task: INVITED → ACCEPTED → DONE, or DECLINED."""

    __tablename__ = "co_task_partner"
    __table_args__ = (
        UniqueConstraint("task_id", "partner_unit_id"),
        Index("ix_co_task_partner_unit", "partner_unit_id", "task_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("co_task.id"))
    partner_unit_id: Mapped[int] = mapped_column(ForeignKey("partner_unit.id"))
    state: Mapped[str] = mapped_column(String(12), default="INVITED")
    responded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


TASK_LOG_SEQ = Sequence("co_task_event_log_seq", metadata=Base.metadata)  # as REQUEST_LOG_SEQ (db/models/requests.py)


class CoTaskEvent(Base):
    """The tasks' append-only log. `seq` is assigned at commit time under the same lock as the
    request log's (resolvers/events.py), so it follows commit order: the partner's live feed
    resumes from it with no gap."""

    __tablename__ = "co_task_event"
    __table_args__ = (Index("ix_co_task_event_task", "task_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("co_task.id"))
    kind: Mapped[str] = mapped_column(String(24))
    partner_unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    to_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    community_id: Mapped[int] = mapped_column(Integer)
