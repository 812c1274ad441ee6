"""What anonymous residents may see: a building's public place, by its QR token."""

from __future__ import annotations

import strawberry
from sqlalchemy import select

from db.models import Building, Community, Street
from resolvers.errors import NotFound
from resolvers.qr.tokens import raise_if_retired
from schema.context import Info


@strawberry.type(description="The public face of a building reached by its QR code.")
class QrBuilding:
    building_name: str
    address: str
    community_name: str
    street_name: str


async def qr_building(info: Info, token: str) -> QrBuilding:
    b, c, s = Building.__table__, Community.__table__, Street.__table__
    async with info.context.db.read() as conn:
        row = (
            await conn.execute(
                select(b.c.name, b.c.address, c.c.name.label("community"), s.c.name.label("street"))
                .join(c, c.c.id == b.c.community_id)
                .join(s, s.c.id == b.c.street_id)
                .where(b.c.qr_token == token)
            )
        ).first()
        if row is None:
            await raise_if_retired(conn, token)  # QR_RETIRED for a replaced sticker
    if row is None:
        raise NotFound("二维码无效或已更换,请扫描楼栋最新的二维码", "Unknown or replaced QR code; scan the building's current sticker")
    return QrBuilding(building_name=row.name, address=row.address, community_name=row.community, street_name=row.street)
