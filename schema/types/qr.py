"""GraphQL types of building QR stickers: a sheet's signed download and a token rotation."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.types.places import Building


@strawberry.type(description=(
    "A printable A4 PDF of door stickers (民情二维码) for every building of a community or a grid: 3 × 4 stickers of "
    "60 × 68 mm a page, each a 42 mm QR code with the building's name and address under it, dashed cutting guides, "
    "the place and page numbers in the header and footer."))
class QrStickerSheet:
    title: str = strawberry.field(description="The community's or grid's name, e.g. 福泰社区第1网格.")
    place: str = strawberry.field(description="Street · community [· grid].")
    building_count: int = strawberry.field(description="Buildings on the sheet: one sticker each.")
    page_count: int = strawberry.field(description="A4 pages of the PDF.")
    pdf_url: str = strawberry.field(description=(
        "Signed download of the PDF, valid 10 minutes (relative to this server); your access is checked again when "
        "it is fetched, and the codes are the buildings' tokens as of then."))
    expires_at: datetime = strawberry.field(description="When `pdfUrl` stops working.")


@strawberry.input(description="Replace a building's QR token.")
class RotateBuildingQrTokenInput:
    building_id: strawberry.ID = strawberry.field(description="The Building.")


@strawberry.type(description=(
    "The building with its new token. The old token is retired: the resident page and `submitRequest` answer it "
    "with the error code QR_RETIRED (“此二维码已停用,请扫描楼栋门口的新二维码”), until the new sticker is up."))
class RotateBuildingQrTokenPayload:
    building: Building = strawberry.field(description="The building; its `qrToken` is the new one.")
    qr_token: str = strawberry.field(description="The new token.")
    resident_url: str = strawberry.field(description="What the new sticker's code encodes: the resident page of the new token.")
    retired_at: datetime = strawberry.field(description="When the old token stopped working.")
