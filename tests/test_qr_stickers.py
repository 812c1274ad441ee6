"""Building QR stickers (issue #8): the printable PDF sheet per community or grid, who may print
it, its signed link, and rotating a building's token (old code → QR_RETIRED).

The PDF is checked as a person at a printer would: it opens (pypdf), every page is rendered
(pypdfium2) and every code on it is read by a real decoder (zxing-cpp); the codes read must be
exactly the resident-page URLs of the place's buildings in the database, one each."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import select, update

from db.models import AuditEntry, Building, Community, Grid, RetiredQrToken, User
from resolvers.qr.layout import sheet_layout
from resolvers.qr.links import sheet_link
from resolvers.qr.render import CAPTION
from resolvers.qr.settings import public_base_url, resident_url
from resolvers.qr.sheet import SheetTarget
from resolvers.qr.tokens import RETIRED_ZH
from schema.ids import to_global_id
from tests.partner_helpers import community_worker, user_with_scope

SHEET = """query($c: ID, $g: ID) { qrStickerSheet(communityId: $c, gridId: $g) {
  title place buildingCount pageCount pdfUrl expiresAt } }"""
ROTATE = """mutation($i: RotateBuildingQrTokenInput!) { rotateBuildingQrToken(input: $i) {
  qrToken residentUrl retiredAt building { id name qrToken } } }"""
LOOKUP = "query($t: String!) { qrBuilding(token: $t) { buildingName address communityName } }"
SUBMIT = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode state } } }"
DPI = 150


# ----------------------------------------------------------------------------- helpers


async def community_id(db: Any, name: str) -> int:
    async with db.read() as conn:
        return (await conn.execute(select(Community.id).where(Community.name == name))).scalar_one()


async def grid_ids(db: Any, community: str) -> list[int]:
    cid = await community_id(db, community)
    async with db.read() as conn:
        return list((await conn.execute(select(Grid.id).where(Grid.community_id == cid).order_by(Grid.id))).scalars())


async def tokens_where(db: Any, **where: int) -> dict[str, int]:
    """token → building id of the buildings matching `where` (community_id or grid_id)."""
    t = Building.__table__
    stmt = select(t.c.qr_token, t.c.id)
    for column, value in where.items():
        stmt = stmt.where(t.c[column] == value)
    async with db.read() as conn:
        return {r.qr_token: r.id for r in (await conn.execute(stmt)).all()}


async def building_in(db: Any, community: str, index: int) -> Any:
    cid = await community_id(db, community)
    async with db.read() as conn:
        return (await conn.execute(
            select(Building.__table__).where(Building.community_id == cid).order_by(Building.id).offset(index).limit(1)
        )).one()


def code(body: dict) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


async def sheet(gql: Any, token: str | None, *, community: int | None = None, grid: int | None = None) -> dict:
    variables = {"c": None if community is None else to_global_id("Community", community),
                 "g": None if grid is None else to_global_id("Grid", grid)}
    return await gql.post(SHEET, variables, token=token)


async def download(http: Any, url: str) -> bytes:
    response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    return response.content


def decoded_codes(pdf: bytes) -> list[list[str]]:
    """Every QR code a real decoder reads on each rendered page."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(len(doc)):
            image = doc[i].render(scale=DPI / 72).to_pil()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            pages.append([r.text for r in found])
        return pages
    finally:
        doc.close()


# ----------------------------------------------------------------------------- the sheet


async def test_community_sheet_has_one_readable_code_per_building(gql: Any, http: Any, tokens: dict[str, str], db: Any,
                                                                   settings: Any) -> None:
    futai = await community_id(db, "福泰社区")
    body = await sheet(gql, tokens["community"], community=futai)
    assert "errors" not in body, body
    info = body["data"]["qrStickerSheet"]
    expected = await tokens_where(db, community_id=futai)
    assert info["buildingCount"] == len(expected) > 100  # a whole community: ~143 buildings
    assert info["title"] == "福泰社区" and info["place"] == "幸福街道 · 福泰社区"
    per_page = sheet_layout().per_page
    assert info["pageCount"] == -(-len(expected) // per_page)

    pdf = await download(http, info["pdfUrl"])
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == info["pageCount"]
    texts = [page.extract_text() for page in reader.pages]
    # One sticker per building: each carries the caption once, under the page's header.
    assert sum(t.count(CAPTION) for t in texts) == len(expected)
    assert all(t.count(CAPTION) == per_page for t in texts[:-1])
    assert all(f"第 {i + 1} / {len(texts)} 页" in t and "福泰社区 · 楼栋民情二维码" in t for i, t in enumerate(texts))

    base = public_base_url(settings)
    read = decoded_codes(pdf)
    assert [len(p) for p in read[:-1]] == [per_page] * (len(read) - 1)
    urls = [u for page in read for u in page]
    assert len(urls) == len(set(urls)) == len(expected)  # every code read, none twice
    assert set(urls) == {resident_url(base, t) for t in expected}


async def test_grid_sheet_codes_decode_to_the_buildings_resident_pages(gql: Any, http: Any, tokens: dict[str, str],
                                                                        db: Any, settings: Any) -> None:
    grid = (await grid_ids(db, "福泰社区"))[1]  # the demo grid worker's second grid
    info = (await gql.ok(SHEET, {"g": to_global_id("Grid", grid)}, token=tokens["grid"]))["qrStickerSheet"]
    t = Building.__table__
    async with db.read() as conn:
        buildings = (await conn.execute(select(t.c.name, t.c.address, t.c.qr_token).where(t.c.grid_id == grid).order_by(t.c.code))).all()
    assert info["buildingCount"] == len(buildings) and info["title"] == "福泰社区第2网格"

    pdf = await download(http, info["pdfUrl"])
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    first = buildings[0]
    assert first.name in text and first.address in text  # name and address printed under the code
    assert text.count(CAPTION) == len(buildings)

    # The first sticker of the first page is the first building: its code is that building's page.
    doc = pdfium.PdfDocument(pdf)
    try:
        layout = sheet_layout()
        cell = layout.cell(0)
        scale = DPI / 25.4
        image = doc[0].render(scale=DPI / 72).to_pil()
        box = cell.outline
        crop = image.crop((int(box.x * scale), int(box.y * scale), int((box.x + box.w) * scale), int((box.y + box.h) * scale)))
    finally:
        doc.close()
    found = zxingcpp.read_barcodes(crop, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [resident_url(public_base_url(settings), first.qr_token)]
    # The code is at least 40 mm across on paper (a phone reads it at a door).
    position = found[0].position
    width_px = max(abs(position.top_right.x - position.top_left.x), abs(position.bottom_right.x - position.bottom_left.x))
    assert width_px / scale >= 39.0


def test_layout_fits_door_stickers_on_a4() -> None:
    layout = sheet_layout()
    assert (layout.page_w, layout.page_h) == (210.0, 297.0) and layout.per_page == 12
    assert layout.code_size >= 40.0
    for i in range(layout.per_page):
        cell = layout.cell(i)
        box, qr = cell.outline, cell.code
        assert cell.page == 0 and 0 < box.x and box.x + box.w < layout.page_w and layout.header_baseline < box.y
        assert box.y + box.h < layout.footer_baseline < layout.page_h
        # The code, its text and the caption stay inside the sticker, in that order top to bottom.
        assert box.x < qr.x and qr.x + qr.w < box.x + box.w
        assert box.y < cell.caption_baseline < qr.y < qr.y + qr.h < cell.name_baseline < cell.address_baselines[1] < box.y + box.h
        # At least four modules of quiet zone left and right of a version-4 code (33 modules).
        assert qr.x - box.x >= 4 * qr.w / 33
    assert layout.cell(12).page == 1
    with pytest.raises(ValueError):
        sheet_layout(code_size=30.0)


# ----------------------------------------------------------------------------- who may print


async def test_who_may_print_which_sheet(gql: Any, tokens: dict[str, str], db: Any) -> None:
    futai, other = await community_id(db, "福泰社区"), await community_id(db, "大海阳社区")
    futai_grids, other_grids = await grid_ids(db, "福泰社区"), await grid_ids(db, "大海阳社区")
    own_grid, unowned_futai_grid = futai_grids[0], futai_grids[2]  # the demo grid worker has grids 1 and 2

    cases = [
        ("admin", {"community": other}, None), ("admin", {"grid": other_grids[0]}, None),
        ("dispatcher", {"community": futai}, None), ("dispatcher", {"grid": other_grids[1]}, None),
        ("community", {"community": futai}, None), ("community", {"grid": unowned_futai_grid}, None),
        ("community", {"community": other}, "FORBIDDEN"), ("community", {"grid": other_grids[0]}, "FORBIDDEN"),
        ("grid", {"grid": own_grid}, None), ("grid", {"grid": unowned_futai_grid}, "FORBIDDEN"),
        ("grid", {"community": futai}, "FORBIDDEN"), ("grid", {"grid": other_grids[0]}, "FORBIDDEN"),
    ]
    cases += [(role, {"community": futai}, "FORBIDDEN") for role in
              ("street", "leader", "fieldhead", "department", "district", "partner", "volunteer", "evaluator")]
    cases += [(role, {"grid": own_grid}, "FORBIDDEN") for role in ("street", "leader", "district", "evaluator")]
    outcomes = {}
    for role, where, _ in cases:
        body = await sheet(gql, tokens[role], **where)
        outcomes[(role, tuple(where.items()))] = code(body)
    assert outcomes == {(role, tuple(where.items())): expected for role, where, expected in cases}

    assert code(await sheet(gql, None, community=futai)) == "UNAUTHENTICATED"
    assert code(await sheet(gql, tokens["admin"])) == "BAD_USER_INPUT"  # neither
    assert code(await sheet(gql, tokens["admin"], community=futai, grid=own_grid)) == "BAD_USER_INPUT"  # both
    assert code(await sheet(gql, tokens["admin"], community=999_999)) == "NOT_FOUND"
    assert code(await sheet(gql, tokens["admin"], grid=999_999)) == "NOT_FOUND"
    body = await gql.post(SHEET, {"c": to_global_id("Grid", own_grid)}, token=tokens["admin"])
    assert code(body) == "BAD_USER_INPUT"  # a grid's ID where a community's is expected


async def test_the_download_link_is_signed_expires_and_rechecks_access(gql: Any, http: Any, tokens: dict[str, str], db: Any,
                                                                       settings: Any) -> None:
    grid = (await grid_ids(db, "塔山社区"))[0]
    cid = await community_id(db, "塔山社区")
    worker = await community_worker(db, gql, "塔山社区")
    url = (await gql.ok(SHEET, {"g": to_global_id("Grid", grid)}, token=worker))["qrStickerSheet"]["pdfUrl"]
    assert urlsplit(url).path == "/exports/qr-stickers"
    assert (await http.get(url)).status_code == 200

    # Any change to the link breaks its signature: another grid, another user, a later expiry.
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    for key, value in (("id", str(grid + 1)), ("kind", "COMMUNITY"), ("uid", "1"), ("exp", str(int(params["exp"]) + 3600)),
                       ("sig", "0" * 40)):
        tampered = {**params, key: value}
        response = await http.get("/exports/qr-stickers", params=tampered)
        assert response.status_code == 403, key
    assert (await http.get("/exports/qr-stickers", params={"id": "x"})).status_code == 403

    uid = int(params["uid"])
    expired, _ = sheet_link(settings.secret_key, uid, SheetTarget("GRID", grid), now=time.time() - 3600)
    assert (await http.get(expired)).status_code == 403

    # A genuine link for a sheet the user may not print (as if their scope had changed): refused.
    other_grid = (await grid_ids(db, "大海阳社区"))[0]
    not_theirs, _ = sheet_link(settings.secret_key, uid, SheetTarget("GRID", other_grid))
    assert (await http.get(not_theirs)).status_code == 403
    theirs, _ = sheet_link(settings.secret_key, uid, SheetTarget("COMMUNITY", cid))
    assert (await http.get(theirs)).status_code == 200

    # A deactivated account's links stop working with it.
    async with db.engine.begin() as conn:
        await conn.execute(update(User.__table__).where(User.__table__.c.id == uid).values(is_active=False))
    assert (await http.get(url)).status_code == 403


# ----------------------------------------------------------------------------- rotation


async def test_rotation_retires_the_old_code_everywhere(gql: Any, http: Any, tokens: dict[str, str], db: Any,
                                                        settings: Any) -> None:
    b = await building_in(db, "上夼西路社区", 97)
    gid, old = to_global_id("Building", b.id), b.qr_token
    assert (await gql.ok(LOOKUP, {"t": old}))["qrBuilding"]["buildingName"] == b.name

    result = (await gql.ok(ROTATE, {"i": {"buildingId": gid}}, token=tokens["admin"]))["rotateBuildingQrToken"]
    new = result["qrToken"]
    assert new != old and len(new) >= 24 and result["building"]["qrToken"] == new
    assert result["residentUrl"] == resident_url(public_base_url(settings), new)

    # The old code: a distinct, clear error on the page's lookup and on submitting.
    body = await gql.post(LOOKUP, {"t": old})
    assert code(body) == "QR_RETIRED" and body["errors"][0]["message"] == RETIRED_ZH
    body = await gql.post(SUBMIT, {"i": {"qrToken": old, "text": "楼道灯不亮(旧二维码)"}})
    assert code(body) == "QR_RETIRED" and body["errors"][0]["message"] == RETIRED_ZH
    # A token never issued is still just unknown.
    assert code(await gql.post(LOOKUP, {"t": "never-issued-" + uuid.uuid4().hex})) == "NOT_FOUND"
    assert code(await gql.post(SUBMIT, {"i": {"qrToken": "never-issued-x", "text": "测试"}})) == "NOT_FOUND"

    # The new code works.
    assert (await gql.ok(LOOKUP, {"t": new}))["qrBuilding"]["buildingName"] == b.name
    made = (await gql.ok(SUBMIT, {"i": {"qrToken": new, "text": "楼道灯不亮(新二维码)"}}))["submitRequest"]["request"]
    assert made["state"] == "SUBMITTED"

    # Recorded: the retired token (who, when) and the audit trail.
    async with db.read() as conn:
        retired = (await conn.execute(select(RetiredQrToken.__table__).where(RetiredQrToken.token == old))).one()
        audit = (await conn.execute(select(AuditEntry.__table__).where(
            AuditEntry.action == "QR_ROTATED", AuditEntry.target == f"Building:{b.id}"))).all()
    assert retired.building_id == b.id and retired.retired_by_user_id == 1  # admin
    assert len(audit) == 1 and audit[0].actor_user_id == 1 and old not in audit[0].detail and new not in audit[0].detail

    # The grid's sheet printed now carries the new code, not the old one.
    info = (await gql.ok(SHEET, {"g": to_global_id("Grid", b.grid_id)}, token=tokens["dispatcher"]))["qrStickerSheet"]
    urls = {u for page in decoded_codes(await download(http, info["pdfUrl"])) for u in page}
    base = public_base_url(settings)
    assert resident_url(base, new) in urls and resident_url(base, old) not in urls
    assert len(urls) == info["buildingCount"]

    # Rotating again retires the second token too; the first stays retired.
    again = (await gql.ok(ROTATE, {"i": {"buildingId": gid}}, token=tokens["dispatcher"]))["rotateBuildingQrToken"]["qrToken"]
    assert code(await gql.post(LOOKUP, {"t": new})) == "QR_RETIRED"
    assert code(await gql.post(LOOKUP, {"t": old})) == "QR_RETIRED"
    assert (await gql.ok(LOOKUP, {"t": again}))["qrBuilding"]["buildingName"] == b.name


async def test_who_may_rotate(gql: Any, tokens: dict[str, str], db: Any) -> None:
    futai_building = await building_in(db, "福泰社区", 131)
    other_building = await building_in(db, "大海阳社区", 77)
    futai_gid, other_gid = to_global_id("Building", futai_building.id), to_global_id("Building", other_building.id)

    for role in ("street", "grid", "leader", "fieldhead", "department", "district", "partner", "volunteer", "evaluator"):
        assert code(await gql.post(ROTATE, {"i": {"buildingId": futai_gid}}, token=tokens[role])) == "FORBIDDEN", role
    assert code(await gql.post(ROTATE, {"i": {"buildingId": other_gid}}, token=tokens["community"])) == "FORBIDDEN"
    assert code(await gql.post(ROTATE, {"i": {"buildingId": futai_gid}})) == "UNAUTHENTICATED"
    assert code(await gql.post(ROTATE, {"i": {"buildingId": to_global_id("Building", 9_999_999)}}, token=tokens["admin"])) == "NOT_FOUND"
    assert code(await gql.post(ROTATE, {"i": {"buildingId": to_global_id("Grid", 1)}}, token=tokens["admin"])) == "BAD_USER_INPUT"
    # Nothing changed by the refusals.
    async with db.read() as conn:
        assert (await conn.execute(select(Building.qr_token).where(Building.id == futai_building.id))).scalar_one() == futai_building.qr_token

    # The building's own community worker may.
    new = (await gql.ok(ROTATE, {"i": {"buildingId": futai_gid}}, token=tokens["community"]))["rotateBuildingQrToken"]["qrToken"]
    assert new != futai_building.qr_token
    assert code(await gql.post(LOOKUP, {"t": futai_building.qr_token})) == "QR_RETIRED"
    # … and a grid worker of that grid still may not, though they may print its sheet.
    grid_worker = await user_with_scope(db, gql, "GRID_WORKER", "GRID", futai_building.grid_id, "测试网格员")
    assert code(await gql.post(ROTATE, {"i": {"buildingId": futai_gid}}, token=grid_worker)) == "FORBIDDEN"
    assert code(await sheet(gql, grid_worker, grid=futai_building.grid_id)) is None
