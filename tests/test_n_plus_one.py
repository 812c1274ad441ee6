"""No N+1: the nested query costs the same small number of statements for 5 rows as for 50."""

from typing import Any

QUERY = """query($n: Int!) { buildings(first: $n) { edges { node { name
  grid { name community { name street { name } } } } } } }"""


async def test_nested_buildings_query_runs_a_constant_number_of_statements(app: Any, gql: Any, tokens: dict[str, str],
                                                                         count_statements: Any) -> None:
    gql.token = tokens["district"]
    # The caller is read now and remembered (schema/actor_cache.py) for the whole test, however
    # slow the machine: only the query's own statements are counted below.
    cache = app.state.actor_cache
    remembered, cache.seconds = cache.seconds, 600
    cache.invalidate()  # an entry kept from an earlier test would expire on its own, shorter, time
    try:
        await gql.ok("{ me { id } }")
        await _count(app, gql, count_statements)
    finally:
        cache.seconds = remembered


async def _count(app: Any, gql: Any, count_statements: Any) -> None:
    compiled, app.state.compiled = app.state.compiled, None
    try:  # the full executor: DataLoaders
        with count_statements() as five:
            data = await gql.ok(QUERY, {"n": 5})
        with count_statements() as fifty:
            data50 = await gql.ok(QUERY, {"n": 50})
    finally:
        app.state.compiled = compiled
    assert len(data["buildings"]["edges"]) == 5 and len(data50["buildings"]["edges"]) == 50
    # 1 page of buildings, 1 batch each for grid, community, street. A DataLoader batch can split
    # in two when its loads land in different event-loop ticks under load (seen once in CI), hence
    # an allowance of one; per-row queries would add ≥ 45.
    assert 4 <= five.count <= 5 and 4 <= fifty.count <= 5, (five.statements, fifty.statements)

    # The compiled executor: every field is a column, so the page is one statement with the
    # grid, community and street joined in.
    app.state.compiled.learn(QUERY, None)
    with count_statements() as five:
        compiled_data = await gql.ok(QUERY, {"n": 5})
    with count_statements() as fifty:
        compiled_data50 = await gql.ok(QUERY, {"n": 50})
    assert (compiled_data, compiled_data50) == (data, data50)
    assert five.count == fifty.count == 1, (five.statements, fifty.statements)



ONE = """query($id: ID!) { request(id: $id) { title community { name street { name } } building { name grid { name } }
  history(first: 5) { edges { node { kind } } } } }"""


async def test_one_request_with_its_places_and_history_is_two_statements(app: Any, gql: Any, tokens: dict[str, str], db: Any,
                                                                          count_statements: Any) -> None:
    """Compiled, for the center (who sees every request): the request with its to-one relations
    and theirs joined in (community → street, building → grid), then the history."""
    from tests.loop_helpers import Loop, qr_token_in

    submitted = await Loop(gql, tokens).submit(None, qrToken=await qr_token_in(db, "福泰社区", 3), text="楼道灯坏了三天")
    rid = submitted["request"]["id"]
    gql.token = tokens["dispatcher"]
    cache = app.state.actor_cache
    remembered, cache.seconds = cache.seconds, 600
    cache.invalidate()  # an entry kept from an earlier test would expire on its own, shorter, time
    try:
        await gql.ok("{ me { id } }")
        compiled, app.state.compiled = app.state.compiled, None
        try:
            full = await gql.ok(ONE, {"id": rid})
        finally:
            app.state.compiled = compiled
        app.state.compiled.learn(ONE, None)
        with count_statements() as counted:
            data = await gql.ok(ONE, {"id": rid})
    finally:
        cache.seconds = remembered
    assert data == full and data["request"]["community"]["street"]["name"] and data["request"]["building"]["grid"]["name"]
    assert counted.count == 2, counted.statements  # request + community + street + building + grid, history
    assert "JOIN community" in counted.statements[0] and "JOIN grid" in counted.statements[0]
