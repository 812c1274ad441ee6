from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class User(Base):
    """A staff login. The role says what kind of work; the scopes say where (SPEC §3)."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to revoke every token issued before; tokens carry the version they were issued at.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    # Set while the password is one someone else has seen (an admin's temporary one, an import's
    # initial one): until the user picks their own, they may do nothing else (resolvers/auth.py).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserScope(Base):
    """Where a user acts: a street, community, grid, field, building, department, section or
    partner unit. A grid worker may hold one or two grids, hence a table, not a column."""

    __tablename__ = "user_scope"
    __table_args__ = (UniqueConstraint("user_id", "kind", "ref_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer)
