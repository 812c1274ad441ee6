"""Residents' requests (诉求), the units handling them, and the append-only event log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, Sequence, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow

# The states of a request not yet resolved, closed, merged or rejected (resolvers/requests/vocab.py
# OPEN, tested equal), in one fixed order. The open set stays a few thousand requests however
# long the history grows, so lists of open requests walk `ix_request_open_created` and probe each
# row, instead of hashing a unit's whole history. Both PostgreSQL and SQLite use a partial index
# only when the query's condition is written with these literals (SQLite: the same terms in the
# same order): `resolvers/requests/open_set.py` renders it from this tuple.
OPEN_STATES = ("ACCEPTED", "DECIDED", "DISPATCHED", "DISPUTED", "ESCALATED", "IN_PROGRESS", "REDISPATCHED", "REOPENED",
               "SUBMITTED", "TRIAGED")
OPEN_STATES_SQL = "state IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"
# The open states a request can hold an assignment in: every assignment is written by a step that
# moves the request past triage (dispatch, classify, assign), and nothing moves it back to
# SUBMITTED or TRIAGED. A list that requires an assignment (a department's queue, a unit's own
# queue) walks `ix_request_in_hand_created`, which the untriaged backlog — thousands when intake
# outruns the dispatchers — never enters.
IN_HAND_STATES = tuple(s for s in OPEN_STATES if s not in ("SUBMITTED", "TRIAGED"))
IN_HAND_STATES_SQL = "state IN (" + ", ".join(f"'{s}'" for s in IN_HAND_STATES) + ")"


class Request(Base):
    """One request. `state` is the single current state; history lives in `request_event`."""

    __tablename__ = "request"
    __table_args__ = (
        # The wall and every list: newest first, keyset on (created_at, id).
        Index("ix_request_created", "created_at", "id"),
        Index("ix_request_street_created", "street_id", "created_at", "id"),
        Index("ix_request_community_created", "community_id", "created_at", "id"),
        Index("ix_request_state_created", "state", "created_at", "id"),
        Index("ix_request_overdue", "overdue", "state"),
        Index("ix_request_open_created", "created_at", "id", postgresql_where=text(OPEN_STATES_SQL), sqlite_where=text(OPEN_STATES_SQL)),
        Index("ix_request_in_hand_created", "created_at", "id",
              postgresql_where=text(IN_HAND_STATES_SQL), sqlite_where=text(IN_HAND_STATES_SQL)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    # Character bigrams of title+text, space separated: Chinese has no word breaks and trigram
    # indexes miss two-character words such as 噪音 (SPEC §9).
    search_terms: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), nullable=True, index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), nullable=True, index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), nullable=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), nullable=True)
    location_note: Mapped[str] = mapped_column(String(200), default="")

    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True, index=True)
    reporter_resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)

    state: Mapped[str] = mapped_column(String(16), default="SUBMITTED")
    scope: Mapped[str | None] = mapped_column(String(8), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(1), nullable=True)
    private_kind: Mapped[str | None] = mapped_column(String(12), nullable=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), nullable=True, index=True)
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("subcategory.id"), nullable=True, index=True)
    suggested_subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("subcategory.id"), nullable=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), nullable=True, index=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Where the request is now and the deadline that step runs against.
    due_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    due_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    resolve_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_since: Mapped[datetime | None] = mapped_column(nullable=True)

    # Tier B: shown to the resident.
    assignee_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assignee_title: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assignee_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Tier C.
    work_plan: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress_interval_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    escalation_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    first_response_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating: Mapped[float | None] = mapped_column(Float, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RequestCount(Base):
    """How many requests there are, kept by the database itself: triggers on `request` add one
    row per inserting (or deleting) statement with its count, so COPY, imports and every intake
    path are counted and concurrent submissions never wait on a shared row; the sweeper folds
    the rows into one now and then (`resolvers/requests/totals.py`). The wall's "all requests"
    then costs a sum over a few rows instead of a count of millions (issue #10)."""

    __tablename__ = "request_count"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class RequestReporter(Base):
    """Everyone who reported the same issue: the original reporter and the reporters of requests
    merged into it. All of them are kept informed."""

    __tablename__ = "request_reporter"
    __table_args__ = (UniqueConstraint("request_id", "source_request_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    source_request_id: Mapped[int] = mapped_column(ForeignKey("request.id"))
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    reporter_resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)


class Assignment(Base):
    """A unit handling a request: the lead or a co-handler of a dispatch round, or the assignee
    of a minor or private matter. Round 1 is the first dispatch, 2 the street's second dispatch,
    3 the district's decision."""

    __tablename__ = "assignment"
    __table_args__ = (
        Index("ix_assignment_unit_active", "unit_kind", "unit_id", "active"),
        # A unit's requests (filter departmentId): the semi-join reads only this index, never the
        # rows — measured for issue #10 on a year of requests, 143 → 25 ms for a department's open list.
        Index("ix_assignment_unit_request", "unit_kind", "unit_id", "request_id"),
        Index("ix_assignment_request", "request_id", "active"),
        Index("ix_assignment_role_assigned", "role", "assigned_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"))
    unit_kind: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(Integer)
    # Who, in words, for assignees that are not an organisational unit (a peacemaker, a team).
    assignee_label: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(8))  # LEAD / CO
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12), default="PENDING")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolve_due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    dispute_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assigned_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)


# PostgreSQL: where an event's seq is drawn, under the event-log lock (resolvers/events.py). A
# writer that sets seqs itself (the dataset generator, a restore) sets the sequence after them.
REQUEST_LOG_SEQ = Sequence("request_event_log_seq", metadata=Base.metadata)


class RequestEvent(Base):
    """The append-only event log. `seq` is assigned at commit time under a lock, so it follows
    commit order: a reader that has seen seq N can never later find an event < N appear."""

    __tablename__ = "request_event"
    __table_args__ = (
        Index("ix_request_event_request", "request_id", "seq"),
        Index("ix_request_event_kind_at", "kind", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"))
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(64), default="")
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text, default="{}")
    # Denormalised for filtering subscriptions and replays without joins.
    street_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    community_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Photo(Base):
    """A photo of a request, stored once by content hash."""

    __tablename__ = "photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """A retried submission with the same key returns the first result."""

    __tablename__ = "idempotency_key"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Holiday(Base):
    """The editable holiday table (SPEC §5.5): overrides and the State Council's yearly notices."""

    __tablename__ = "holiday"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(32), default="")


class HolidayYear(Base):
    """A year whose notice ADMIN has entered: its deadlines are no longer estimates."""

    __tablename__ = "holiday_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)


class RateBucket(Base):
    """Fixed-window counters for rate limits, shared by all app processes through the database."""

    __tablename__ = "rate_bucket"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer, default=0)
