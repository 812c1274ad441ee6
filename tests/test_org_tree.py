"""A newcomer signs in as dispatcher and walks streets → communities → grids → buildings."""

from typing import Any

import pytest


async def test_walk_the_tree_down_to_buildings(gql: Any, tokens: dict[str, str]) -> None:
    gql.token = tokens["dispatcher"]
    streets = (await gql.ok("{ streets(first: 100) { totalCount edges { node { id name } } } }"))["streets"]
    assert streets["totalCount"] == 12
    names = [e["node"]["name"] for e in streets["edges"]]
    assert names[0] == "向阳街道" and "幸福街道" in names
    xingfu = next(e["node"]["id"] for e in streets["edges"] if e["node"]["name"] == "幸福街道")

    q = """query($id: ID!) { node(id: $id) { ... on Street { name communities(first: 100) { totalCount edges { node { id name street { name } } } } } } }"""
    street = (await gql.ok(q, {"id": xingfu}))["node"]
    communities = {e["node"]["name"]: e["node"] for e in street["communities"]["edges"]}
    assert "福泰社区" in communities
    assert all(c["street"]["name"] == "幸福街道" for c in communities.values())

    q = """query($id: ID!) { node(id: $id) { ... on Community { grids(first: 100) { totalCount edges { node { id name community { name } } } } } } }"""
    grids = (await gql.ok(q, {"id": communities["福泰社区"]["id"]}))["node"]["grids"]
    assert grids["totalCount"] >= 8
    grid = grids["edges"][0]["node"]

    q = """query($id: ID!) { node(id: $id) { ... on Grid { buildings(first: 100) { totalCount edges { node {
             id name address households community { name } street { name } leader { name phone view } } } } } } }"""
    buildings = (await gql.ok(q, {"id": grid["id"]}))["node"]["buildings"]
    assert buildings["totalCount"] in (17, 18)
    first = buildings["edges"][0]["node"]
    assert first["community"]["name"] == "福泰社区" and first["street"]["name"] == "幸福街道"
    assert first["leader"]["view"] == "WHOLE"  # the center sees the leader's phone whole


async def test_node_round_trips_every_org_type(gql: Any, tokens: dict[str, str]) -> None:
    gql.token = tokens["admin"]
    data = await gql.ok("""{
      streets(first: 1) { edges { node { id } } }
      communities(first: 1) { edges { node { id } } }
      grids(first: 1) { edges { node { id } } }
      buildings(first: 1) { edges { node { id } } }
      departments(first: 1) { edges { node { id } } }
      streetSections(first: 1) { edges { node { id } } }
      partnerUnits(first: 1) { edges { node { id } } }
      users(first: 1) { edges { node { id } } }
    }""")
    for name, conn in data.items():
        gid = conn["edges"][0]["node"]["id"]
        again = await gql.ok("query($id: ID!) { node(id: $id) { id __typename } }", {"id": gid})
        assert again["node"]["id"] == gid, name


async def test_keyset_pages_forward_and_back_cover_the_list_exactly_once(gql: Any, tokens: dict[str, str]) -> None:
    gql.token = tokens["dispatcher"]
    q = """query($after: String, $before: String, $first: Int, $last: Int) {
      communities(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { code } } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await gql.ok(q, {"first": 40, "after": after}))["communities"]
        seen += [e["node"]["code"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 150 == len(set(seen)) == page["totalCount"]
    back = (await gql.ok(q, {"last": 10, "before": page["pageInfo"]["startCursor"]}))["communities"]
    assert [e["node"]["code"] for e in back["edges"]] == seen[110:120]
    assert back["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize("args", ["first: 101", "last: 500", "first: -1", "first: 5, last: 5"])
async def test_page_arguments_out_of_bounds_are_refused(gql: Any, tokens: dict[str, str], args: str) -> None:
    body = await gql.post(f"{{ buildings({args}) {{ edges {{ node {{ id }} }} }} }}", token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_malformed_cursor_or_id_is_bad_user_input(gql: Any, tokens: dict[str, str]) -> None:
    gql.token = tokens["dispatcher"]
    body = await gql.post('{ buildings(first: 5, after: "!!!") { edges { node { id } } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql.post('{ node(id: "not-an-id") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_filters_narrow_buildings_by_place_and_text(gql: Any, tokens: dict[str, str]) -> None:
    gql.token = tokens["dispatcher"]
    communities = (await gql.ok('{ communities(filter: {search: "福泰"}, first: 5) { edges { node { id name } } } }'))["communities"]["edges"]
    assert [e["node"]["name"] for e in communities] == ["福泰社区"]
    cid = communities[0]["node"]["id"]
    q = """query($c: ID!) { buildings(filter: {communityId: $c}, first: 100) { totalCount edges { node { community { name } } } } }"""
    res = (await gql.ok(q, {"c": cid}))["buildings"]
    assert res["totalCount"] > 100
    assert {e["node"]["community"]["name"] for e in res["edges"]} == {"福泰社区"}
    res = (await gql.ok('{ buildings(filter: {search: "胜利路"}, first: 20) { totalCount edges { node { address } } } }'))["buildings"]
    assert res["totalCount"] > 0 and all("胜利路" in e["node"]["address"] for e in res["edges"])


async def test_taxonomy_is_the_eight_by_thirty_three_with_routing(gql: Any, tokens: dict[str, str]) -> None:
    data = await gql.ok("""{ categories { code name nameEn subcategories { code name defaultDepartment { name }
        deadlines { triageMinutes majorResponseHours majorResolveWorkingDays } keywords } } }""", token=tokens["department"])
    cats = data["categories"]
    assert [c["name"] for c in cats] == ["居住环境", "城建住房", "民事调解", "健康养老", "医疗卫生", "群众教育", "交通出行", "就业保障"]
    subs = {s["name"]: s for c in cats for s in c["subcategories"]}
    assert len(subs) == 33
    assert subs["私搭乱建"]["defaultDepartment"]["name"] == "区城市管理局"
    assert subs["私搭乱建"]["deadlines"] == {"triageMinutes": 30, "majorResponseHours": 2, "majorResolveWorkingDays": 5}
    assert "噪音" in subs["噪音扰民"]["keywords"]


async def test_each_street_lists_its_sections(gql: Any, tokens: dict[str, str]) -> None:
    data = await gql.ok("{ streets(first: 12) { edges { node { sections { name street { name } } } } } }", token=tokens["street"])
    total = sum(len(e["node"]["sections"]) for e in data["streets"]["edges"])
    assert total == 142
