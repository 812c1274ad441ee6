"""Photo uploads (GraphQL multipart): checked, EXIF stripped, stored by hash, served signed."""

import io
import json
from typing import Any

from PIL import Image

from tests.loop_helpers import qr_token_in

SUBMIT = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id trackingCode photos { url contentType size } } } }"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (37.0, 32.0, 10.0), 3: "E", 4: (121.0, 23.0, 5.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _multipart(http: Any, variables: dict, files: dict[str, tuple[str, bytes, str]], *, preflight: bool = True, token: str | None = None) -> Any:
    paths = {str(i): [f"variables.i.photos.{i}"] for i in range(len(files))}
    variables["i"]["photos"] = [None] * len(files)
    data = {"operations": json.dumps({"query": SUBMIT, "variables": variables}), "map": json.dumps(paths)}
    headers = {"accept": "application/json"}
    if preflight:
        headers["graphql-preflight"] = "1"
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post("/graphql", data=data, files={k: v for k, v in files.items()}, headers=headers)


async def test_photo_upload_strips_exif_and_is_served_only_signed(http: Any, db: Any, tokens: dict[str, str]) -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the test photo does carry GPS
    qr = await qr_token_in(db, "上夼西路社区", 0)
    r = await _multipart(http, {"i": {"qrToken": qr, "text": "流浪狗在小区伤人,附照片"}}, {"0": ("dog.jpg", original, "image/jpeg")})
    body = r.json()
    assert "errors" not in body, body
    rid = body["data"]["submitRequest"]["request"]["id"]
    # The anonymous submitter gets nothing back to browse; staff who may see the request get a signed URL.
    q = "query($id: ID!) { request(id: $id) { photos { url contentType size } } }"
    seen = (await http.post("/graphql", json={"query": q, "variables": {"id": rid}}, headers={"authorization": f"Bearer {tokens['dispatcher']}"})).json()
    photo = seen["data"]["request"]["photos"][0]
    assert photo["contentType"] == "image/jpeg"
    served = await http.get(photo["url"])
    assert served.status_code == 200
    cleaned = Image.open(io.BytesIO(served.content))
    assert not cleaned.getexif().get(0x8825) and not cleaned.getexif().get(0x010F)
    assert cleaned.size == (64, 48)
    # Without a valid signature, nothing.
    bare = photo["url"].split("?")[0]
    assert (await http.get(bare)).status_code == 403
    assert (await http.get(photo["url"].replace("sig=", "sig=0"))).status_code == 403
    # A partner cannot even reach the request.
    seen = (await http.post("/graphql", json={"query": q, "variables": {"id": rid}}, headers={"authorization": f"Bearer {tokens['partner']}"})).json()
    assert seen["data"]["request"] is None


async def test_non_images_and_missing_preflight_are_refused(http: Any, db: Any) -> None:
    qr = await qr_token_in(db, "上夼西路社区", 1)
    r = await _multipart(http, {"i": {"qrToken": qr, "text": "附件"}}, {"0": ("x.jpg", b"not really a jpeg", "image/jpeg")})
    assert r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    r = await _multipart(http, {"i": {"qrToken": qr, "text": "附件"}}, {"0": ("dog.jpg", jpeg_with_gps(), "image/jpeg")}, preflight=False)
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "CSRF_PREVENTED"
    r = await _multipart(http, {"i": {"qrToken": qr, "text": "附件"}}, {str(i): ("p.jpg", jpeg_with_gps(), "image/jpeg") for i in range(10)})
    assert r.status_code == 400 or r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_same_photo_is_stored_once(http: Any, db: Any, settings: Any) -> None:
    qr = await qr_token_in(db, "上夼西路社区", 2)
    photo = jpeg_with_gps()
    for i in range(2):
        r = await _multipart(http, {"i": {"qrToken": qr, "text": f"同一张照片{i}"}}, {"0": ("a.jpg", photo, "image/jpeg")})
        assert "errors" not in r.json(), r.json()
    stored = [p for p in settings.photo_dir.rglob("*.jpg")]
    assert len(stored) == len({p.name for p in stored})
