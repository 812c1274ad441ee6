"""Open311 GeoReport v2: the taxonomy as services, form submissions from existing 311 clients,
public status by service_request_id, and errors in Open311's own format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Building, Community
from schema.ids import to_global_id
from tests.loop_helpers import REASON, Loop

KEY = "o311-test-key"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN311_API_KEYS", f"another-key, {KEY}")


@pytest.fixture
def loop(gql: Any, tokens: dict[str, str]) -> Loop:
    return Loop(gql, tokens)


async def a_building(db: Any) -> Any:
    b, c = Building.__table__, Community.__table__
    async with db.read() as conn:
        rows = (await conn.execute(select(b.c.id, b.c.address).join(c, c.c.id == b.c.community_id)
                                   .where(c.c.name == "福泰社区").order_by(b.c.id))).all()
        for r in rows:
            if (await conn.execute(select(b.c.id).where(b.c.address == r.address).limit(2))).all() == [(r.id,)]:
                return r
    raise AssertionError("no building with a unique address")


def form(**fields: str) -> dict[str, str]:
    return {"api_key": KEY, "service_code": "LIVING_NOISE", "description": "广场舞音响声音太大,晚上十点后还在跳",
            "first_name": "梅梅", "last_name": "韩", "phone": "13905357788", "email": "hmm@example.com", **fields}


async def test_services_are_the_taxonomy_subcategories(http: Any) -> None:
    response = await http.get("/open311/v2/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert len(services) >= 33
    noise = services["LIVING_NOISE"]
    assert noise["service_name"] == "噪音扰民" and noise["group"] == "居住环境"
    assert noise["metadata"] is False and noise["type"] == "realtime"


async def test_a_form_post_creates_a_request_and_its_status_is_public_without_personal_data(http: Any, db: Any, loop: Loop) -> None:
    b = await a_building(db)
    response = await http.post("/open311/v2/requests.json", data=form(address_string=b.address, media_url="https://example.com/p.jpg"))
    assert response.status_code == 200, response.text
    [answer] = response.json()
    code = answer["service_request_id"]
    assert answer["account_id"] is None and code in answer["service_notice"]

    listed = await loop.gql.ok('query($f: CityOrderFilter) { cityOrders(filter: $f, first: 1) { edges { node { source orderNo match attachments '
                               'request { id channel text building { id } reporter { name phone } suggestedSubcategory { code } } } } } }',
                               {"f": {"orderNo": code, "source": "OPEN311"}}, token=loop.tokens["dispatcher"])
    node = listed["cityOrders"]["edges"][0]["node"]
    assert node["match"] == "EXACT" and node["attachments"] == ["https://example.com/p.jpg"]
    request = node["request"]
    assert request["channel"] == "CITY_HOTLINE" and request["text"] == "广场舞音响声音太大,晚上十点后还在跳"
    assert request["building"]["id"] == to_global_id("Building", b.id)
    assert request["reporter"] == {"name": "韩梅梅", "phone": "13905357788"}
    assert request["suggestedSubcategory"]["code"] == "LIVING_NOISE"

    status = await http.get(f"/open311/v2/requests/{code}.json")
    assert status.status_code == 200
    [shown] = status.json()
    assert shown["service_request_id"] == code and shown["status"] == "open" and shown["service_code"] == "LIVING_NOISE"
    text = json.dumps(status.json(), ensure_ascii=False)
    for personal in ("韩梅梅", "13905357788", "hmm@example.com", b.address):
        assert personal not in text

    await loop.ok("dispatcher", "rejectRequest", {"id": request["id"], "reason": "同一事项已有工单办理"}, REASON)
    [closed] = (await http.get(f"/open311/v2/requests/{code.lower()}.json")).json()
    assert closed["status"] == "closed"


async def test_a_position_without_an_address_waits_for_the_center(http: Any, loop: Loop) -> None:
    response = await http.post("/open311/v2/requests.json", data=form(lat="37.5381", long="121.3890", phone=""))
    assert response.status_code == 200, response.text
    code = response.json()[0]["service_request_id"]
    node = (await loop.gql.ok('query($f: CityOrderFilter) { cityOrders(filter: $f, first: 1) { edges { node { placed lat long '
                              'request { locationNote building { id } } } } } }',
                              {"f": {"orderNo": code}}, token=loop.tokens["dispatcher"]))["cityOrders"]["edges"][0]["node"]
    assert node["placed"] is False and node["request"]["building"] is None
    assert (node["lat"], node["long"]) == (37.5381, 121.389) and "37.53810" in node["request"]["locationNote"]


async def test_errors_come_in_the_open311_format(http: Any, db: Any) -> None:
    b = await a_building(db)
    bad_key = await http.post("/open311/v2/requests.json", data=form(api_key="wrong", address_string=b.address))
    assert bad_key.status_code == 403
    assert bad_key.json() == [{"code": 403, "description": "Invalid api_key"}]
    no_key = await http.post("/open311/v2/requests.json", data={k: v for k, v in form(address_string=b.address).items() if k != "api_key"})
    assert no_key.status_code == 403 and no_key.json()[0]["code"] == 403

    missing = await http.post("/open311/v2/requests.json", data=form(service_code="", description=""))
    assert missing.status_code == 400
    [err] = missing.json()
    assert err["code"] == 400
    for what in ("service_code", "description", "address_string"):
        assert what in err["description"]
    unknown = await http.post("/open311/v2/requests.json", data=form(service_code="NO_SUCH_SERVICE", address_string=b.address))
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    bad_phone = await http.post("/open311/v2/requests.json", data=form(address_string=b.address, phone="12"))
    assert bad_phone.status_code == 400 and "phone" in bad_phone.json()[0]["description"]
    nobody = await http.get("/open311/v2/requests/ZFNOSUCH00.json")
    assert nobody.status_code == 404 and nobody.json() == [{"code": 404, "description": "service_request_id ZFNOSUCH00 not found"}]
