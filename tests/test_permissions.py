"""Access to the organisation and to residents, decided from role and scope (SPEC §3)."""

from typing import Any

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Building


async def test_anonymous_cannot_browse_the_organisation(gql: Any) -> None:
    body = await gql.post("{ streets { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_anonymous_node_lookup_reveals_nothing(gql: Any, tokens: dict[str, str]) -> None:
    gid = (await gql.ok("{ streets(first: 1) { edges { node { id } } } }", token=tokens["dispatcher"]))["streets"]["edges"][0]["node"]["id"]
    assert (await gql.ok("query($id: ID!) { node(id: $id) { id } }", {"id": gid}))["node"] is None


@pytest.mark.parametrize("role", ["partner", "department", "volunteer"])
async def test_roles_without_residents_cannot_list_them(gql: Any, tokens: dict[str, str], role: str) -> None:
    body = await gql.post("{ residents(first: 5) { edges { node { name } } } }", token=tokens[role])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_community_worker_sees_only_own_community_masked(gql: Any, tokens: dict[str, str]) -> None:
    data = await gql.ok("""{ residents(first: 100) { totalCount edges { node { name phone room view
        building { community { name } } } } } }""", token=tokens["community"])
    res = data["residents"]
    assert res["totalCount"] > 0
    for edge in res["edges"]:
        node = edge["node"]
        assert node["building"]["community"]["name"] == "福泰社区"
        assert node["view"] == "MASKED" and node["room"] is None
        assert node["name"].endswith("*") and "****" in node["phone"]


async def test_district_leader_reads_everything_but_masked(gql: Any, tokens: dict[str, str]) -> None:
    res = (await gql.ok("{ residents(first: 3) { edges { node { name phone view } } } }", token=tokens["district"]))["residents"]
    assert {e["node"]["view"] for e in res["edges"]} == {"MASKED"}


async def test_center_reads_whole_and_the_read_is_audited(gql: Any, tokens: dict[str, str], db: Any) -> None:
    t = AuditEntry.__table__
    async with db.read() as conn:
        before = (await conn.execute(select(t.c.id).where(t.c.action == "READ_PERSONAL").order_by(t.c.id.desc()).limit(1))).scalar()
    res = (await gql.ok("{ residents(first: 3) { edges { node { id name phone room view } } } }", token=tokens["dispatcher"]))["residents"]
    assert {e["node"]["view"] for e in res["edges"]} == {"WHOLE"}
    assert all("*" not in e["node"]["phone"] for e in res["edges"])
    async with db.read() as conn:
        rows = (await conn.execute(select(t).where(t.c.action == "READ_PERSONAL", t.c.id > (before or 0)))).all()
    assert rows and rows[-1].target == "Resident" and len(rows[-1].detail.split(",")) == 3


async def test_grid_worker_cannot_read_a_building_outside_their_grids(gql: Any, tokens: dict[str, str], db: Any) -> None:
    b = Building.__table__
    async with db.read() as conn:
        far = (await conn.execute(select(b.c.id).where(b.c.street_id == 1).limit(1))).scalar_one()
    from schema.ids import to_global_id

    body = await gql.post("query($id: ID!) { node(id: $id) { ... on Building { name leader { name } qrToken } } }",
                          {"id": to_global_id("Building", far)}, token=tokens["grid"])
    assert body["data"]["node"]["name"]  # the place itself is public to staff …
    codes = {e["path"][-1]: e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"leader": "FORBIDDEN", "qrToken": "FORBIDDEN"}  # … its people and sticker are not


async def test_qr_token_visible_to_the_buildings_own_leader(gql: Any, tokens: dict[str, str]) -> None:
    me = await gql.ok("{ me { scopes { kind refId } } }", token=tokens["leader"])
    building_id = me["me"]["scopes"][0]["refId"]
    data = await gql.ok("query($id: ID!) { node(id: $id) { ... on Building { qrToken } } }", {"id": building_id}, token=tokens["leader"])
    token = data["node"]["qrToken"]
    assert len(token) >= 20
    # An anonymous resident scanning that code sees the place, nothing personal.
    public = await gql.ok("query($t: String!) { qrBuilding(token: $t) { buildingName address communityName streetName } }", {"t": token})
    assert public["qrBuilding"]["communityName"] == "福泰社区"


async def test_unknown_qr_token_is_not_found(gql: Any) -> None:
    body = await gql.post('{ qrBuilding(token: "no-such-token") { address } }')
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_only_admin_lists_users(gql: Any, tokens: dict[str, str]) -> None:
    assert (await gql.ok("{ users(first: 20) { totalCount } }", token=tokens["admin"]))["users"]["totalCount"] >= 12
    body = await gql.post("{ users(first: 20) { totalCount } }", token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_user_scopes_name_their_place(gql: Any, tokens: dict[str, str]) -> None:
    scopes = (await gql.ok("{ me { scopes { kind name } } }", token=tokens["grid"]))["me"]["scopes"]
    assert [s["kind"] for s in scopes] == ["GRID", "GRID"]
    assert all(s["name"].startswith("福泰社区") for s in scopes)
