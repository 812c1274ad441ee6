"""Building tokens: telling a retired code from an unknown one, and rotating a building's code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import AuditEntry, Building, RetiredQrToken
from resolvers.actor import Actor
from resolvers.errors import Conflict, NotFound
from resolvers.qr.access import check_rotate

RETIRED_ZH = "此二维码已停用,请扫描楼栋门口的新二维码"
RETIRED_EN = "This QR code has been retired; scan the new code at the building's door"


class QrRetired(NotFound):
    """A code that was valid once: the resident should look for the new sticker, not give up.
    A NotFound for code that only asks "does this token name a building?"."""

    code = "QR_RETIRED"
    default_zh = RETIRED_ZH
    default_en = RETIRED_EN


def new_token() -> str:
    # 144 random bits, URL-safe: unguessable, and short enough for a small (version 4) code.
    return secrets.token_urlsafe(18)


async def raise_if_retired(conn: Any, token: str | None) -> None:
    """Call where a token named no building: QR_RETIRED if it once did (the caller then raises
    its own NOT_FOUND for a token never issued). `conn` is a connection or a session."""
    if not token:
        return
    t = RetiredQrToken.__table__
    retired_at = (await conn.execute(select(t.c.retired_at).where(t.c.token == token))).scalar()
    if retired_at is not None:
        raise QrRetired(retiredAt=retired_at.isoformat())


@dataclass
class Rotation:
    building: Building
    retired_token: str
    retired_at: datetime


async def rotate_token(session: AsyncSession, actor: Actor | None, building_id: int) -> Rotation:
    building = await session.get(Building, building_id)
    if building is None:
        raise NotFound("楼栋不存在", "No such building", field="buildingId")
    actor = check_rotate(actor, building)
    old, new, now = building.qr_token, new_token(), utcnow()
    # Conditional on the token read: of two rotations at once, the second changes nothing and
    # says so, instead of retiring a token that was never on a door.
    changed = await session.execute(
        update(Building).where(Building.id == building.id, Building.qr_token == old).values(qr_token=new)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise Conflict("该楼栋二维码刚被他人更换,请刷新后重试", "The code was just replaced by someone else; reload and retry")
    session.add(RetiredQrToken(token=old, building_id=building.id, retired_at=now, retired_by_user_id=actor.user_id))
    session.add(AuditEntry(
        actor_user_id=actor.user_id, action="QR_ROTATED", target=f"Building:{building.id}",
        detail=f"{building.address}({building.name})更换二维码,旧码停用", client=actor.client[:64],
    ))
    await session.flush()
    await session.refresh(building)
    return Rotation(building=building, retired_token=old, retired_at=now)
