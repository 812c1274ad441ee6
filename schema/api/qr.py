"""Building QR stickers: a signed PDF sheet per community or grid, and rotating a building's token.
Also the sheet's download route (app.py, /exports/qr-stickers): the link's signature and expiry,
then the same access checks as the query, as of the moment it is fetched."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from urllib.parse import quote

import strawberry
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from db.models import User
from resolvers import tokens
from resolvers.access import require_actor
from resolvers.auth import actor_for_token
from resolvers.errors import DomainError
from resolvers.qr.layout import sheet_layout
from resolvers.qr.links import check_link, sheet_link
from resolvers.qr.render import render_sheet
from resolvers.qr.settings import public_base_url, resident_url
from resolvers.qr.sheet import SheetTarget, load_sheet, sheet_head
from resolvers.qr.tokens import rotate_token
from schema.context import Info
from schema.edge import write_unit
from schema.ids import from_global_id
from schema.types.places import Building
from schema.types.qr import QrStickerSheet, RotateBuildingQrTokenInput, RotateBuildingQrTokenPayload


@strawberry.type(description="QR sticker queries.")
class QrQuery:
    @strawberry.field(description=(
        "A printable sheet of door stickers for every building of one community (`communityId`) or one grid (`gridId`) "
        "— give exactly one, else BAD_USER_INPUT. Who may print: ADMIN and CENTER_DISPATCHER any; a COMMUNITY_WORKER its "
        "own community and its grids; a GRID_WORKER its own grids; everyone else FORBIDDEN (UNAUTHENTICATED when "
        "signed out). An unknown place: NOT_FOUND. Each code encodes `<PUBLIC_BASE_URL>/console/qr/<token>`."))
    async def qr_sticker_sheet(self, info: Info, community_id: strawberry.ID | None = None,
                               grid_id: strawberry.ID | None = None) -> QrStickerSheet:
        actor = require_actor(info.context.actor)
        target = SheetTarget.of(
            None if community_id is None else from_global_id(community_id, "Community")[1],
            None if grid_id is None else from_global_id(grid_id, "Grid")[1],
        )
        async with info.context.db.read() as conn:
            head = await sheet_head(conn, actor, target)
        url, expires = sheet_link(info.context.settings.secret_key, actor.user_id, target)
        return QrStickerSheet(
            title=head.title, place=head.place, building_count=head.building_count,
            page_count=sheet_layout().pages(head.building_count), pdf_url=url,
            expires_at=datetime.fromtimestamp(expires, timezone.utc),
        )


@strawberry.type(description="QR sticker mutations.")
class QrMutation:
    @strawberry.mutation(description=(
        "Give a building a new, unguessable QR token (a sticker was copied, defaced or misused). The old token is "
        "retired at once: the resident page and `submitRequest` answer it with QR_RETIRED, while a token never issued "
        "stays NOT_FOUND. ADMIN, CENTER_DISPATCHER and the building's own COMMUNITY_WORKER only, else FORBIDDEN; "
        "audited (QR_ROTATED). Print the building's grid or community sheet again for the new sticker."))
    async def rotate_building_qr_token(self, info: Info, input: RotateBuildingQrTokenInput) -> RotateBuildingQrTokenPayload:
        building_id = from_global_id(input.building_id, "Building")[1]
        async with write_unit(info.context) as session:
            rotation = await rotate_token(session, info.context.actor, building_id)
        token = rotation.building.qr_token
        return RotateBuildingQrTokenPayload(
            building=Building.from_row(rotation.building), qr_token=token,
            resident_url=resident_url(public_base_url(info.context.settings), token), retired_at=rotation.retired_at,
        )


def _denied(message: str, status: int) -> Response:
    return PlainTextResponse(message, status_code=status, headers={"Cache-Control": "no-store"})


async def serve_sticker_sheet(request: Request) -> Response:
    settings = request.app.state.settings
    checked = check_link(settings.secret_key, dict(request.query_params))
    if checked is None:
        return _denied("链接无效或已过期 / invalid or expired link", 403)
    user_id, target = checked
    async with request.app.state.db.read() as conn:
        version = (await conn.execute(select(User.token_version).where(User.id == user_id))).scalar()
        if version is None:
            return _denied("forbidden", 403)
        # The same checks as a bearer token: the user is still active and has not been revoked.
        token, _ = tokens.issue(settings.secret_key, user_id, version, 60)
        actor = await actor_for_token(conn, settings.secret_key, token)
        if actor is None:
            return _denied("forbidden", 403)
        try:
            sheet = await load_sheet(conn, actor, target)
        except DomainError as err:
            return _denied(err.zh, 404 if err.code == "NOT_FOUND" else 403)
    # A community's sheet takes a few hundred milliseconds of CPU: off the event loop.
    pdf = await asyncio.to_thread(render_sheet, sheet, public_base_url(settings))
    name = f"{sheet.head.title}-楼栋二维码.pdf"
    ascii_name = f"qr-{target.kind.lower()}-{target.id}.pdf"
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    })
