"""Volunteers (志愿者), volunteer teams (志愿服务队) and the time bank (时间银行).

The time bank is a double-entry ledger per community: every movement of points is one
`timebank_entry` with two or more `timebank_line`s whose amounts sum to zero. Entries and lines
are never updated or deleted; a correction is a reversing entry. Amounts are integers in tenths
of a point (1 hour of confirmed service = 10 units = 1 point at the default rate).

Accounts: one per volunteer (VOLUNTEER, balance never below zero) and two system accounts per
community — ISSUED (the counter-entry of every credit; its balance is minus all points ever
issued) and REDEEMED (the sink of redemptions). A volunteer account's `balance` is a cache of the
sum of its lines, changed only in the transaction that writes the lines.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class Volunteer(Base):
    """A volunteer registered with a community. Name and phone are personal data: whole only for
    the community's own workers and the volunteer themself, masked for everyone else."""

    __tablename__ = "volunteer"
    __table_args__ = (Index("ix_volunteer_community_created", "community_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    skills: Mapped[str] = mapped_column(String(200), default="")
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True, index=True)
    # The VOLUNTEER login acting as this person, if any (one login, one volunteer record).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class VolunteerTeam(Base):
    """志愿服务队: a named team of a community's volunteers."""

    __tablename__ = "volunteer_team"
    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VolunteerTeamMember(Base):
    __tablename__ = "volunteer_team_member"
    __table_args__ = (UniqueConstraint("team_id", "volunteer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("volunteer_team.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimeBankRate(Base):
    """A community's own rate; without a row the default applies (10 units = 1 point an hour)."""

    __tablename__ = "timebank_rate"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), unique=True)
    units_per_hour: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimeBankAccount(Base):
    """An account of a community's books. `code` names it uniquely: V<volunteer id>,
    C<community id>-ISSUED or C<community id>-REDEEMED."""

    __tablename__ = "timebank_account"
    __table_args__ = (
        CheckConstraint("kind <> 'VOLUNTEER' OR balance >= 0", name="volunteer_balance_not_negative"),
        Index("ix_timebank_account_community_kind", "community_id", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    kind: Mapped[str] = mapped_column(String(12))  # VOLUNTEER / ISSUED / REDEEMED
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"), nullable=True, unique=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimeBankEntry(Base):
    """A journal entry: one movement of points, immutable. `idempotency_key` (unique) makes a
    retried credit or redemption count once; `reverses_entry_id` (unique) lets an entry be
    reversed at most once."""

    __tablename__ = "timebank_entry"
    __table_args__ = (Index("ix_timebank_entry_community_created", "community_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    kind: Mapped[str] = mapped_column(String(12))  # CREDIT / REDEMPTION / REVERSAL
    memo: Mapped[str] = mapped_column(String(400), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(120), nullable=True, unique=True)
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("timebank_entry.id"), nullable=True, unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimeBankLine(Base):
    """One leg of an entry: a signed amount (tenths of a point) on one account."""

    __tablename__ = "timebank_line"
    __table_args__ = (Index("ix_timebank_line_account", "account_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("timebank_entry.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("timebank_account.id"))
    amount: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceRecord(Base):
    """A service volunteers gave (what, when, how long, for which request); the community worker
    confirms it and the credit is posted in the same transaction (`entry_id`)."""

    __tablename__ = "service_record"
    __table_args__ = (Index("ix_service_record_community_created", "community_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_team.id"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(Text)
    served_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(12), default="RECORDED")  # RECORDED / CONFIRMED / REJECTED
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    confirmed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("timebank_entry.id"), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ServiceParticipant(Base):
    """A volunteer who took part in a service; each is credited the service's hours."""

    __tablename__ = "service_participant"
    __table_args__ = (UniqueConstraint("service_id", "volunteer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service_record.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)


class CatalogueItem(Base):
    """A service or item a community's volunteers may redeem points for; `stock` None = unlimited."""

    __tablename__ = "catalogue_item"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        CheckConstraint("price > 0", name="price_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # SERVICE / ITEM
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(Integer)  # tenths of a point per unit
    stock: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Redemption(Base):
    """What a redemption entry bought: the item, how many, for how much."""

    __tablename__ = "redemption"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("timebank_account.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("catalogue_item.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(ForeignKey("timebank_entry.id"), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
