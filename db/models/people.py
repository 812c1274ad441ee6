from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base


class Resident(Base):
    """A person living in the district. Building leaders (楼长) are residents, not logins.

    Name, phone and room are personal data: shown whole only to the center and to the current
    handlers of a request, masked for everyone else, never to partners (SPEC §3).
    """

    __tablename__ = "resident"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    room: Mapped[str | None] = mapped_column(String(16), nullable=True)
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    # Duties point from the person to the place (not back), so the tables form no cycle.
    leads_building_id: Mapped[int | None] = mapped_column(
        ForeignKey("building.id"), unique=True, nullable=True
    )
    heads_field_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsibility_field.id"), unique=True, nullable=True
    )
