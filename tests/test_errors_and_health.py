"""Errors carry codes; internal errors are masked for clients and logged; health endpoints."""

import logging
from typing import Any

from graphql import GraphQLError

from resolvers.errors import Conflict
from schema.errors import classify


def test_internal_errors_are_masked_and_logged(caplog: Any) -> None:
    secret = RuntimeError("password=hunter2 at db host 10.0.0.1")
    error = GraphQLError("password=hunter2 at db host 10.0.0.1", original_error=secret, path=["me"])
    with caplog.at_level(logging.ERROR, logger="ehuying.errors"):
        shown = classify(error)
    assert shown.extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert "hunter2" not in shown.message and "hunter2" not in str(shown.extensions)
    assert any("hunter2" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_domain_errors_keep_their_code_and_both_languages() -> None:
    shown = classify(GraphQLError("x", original_error=Conflict(), path=["a"]))
    assert shown.extensions["code"] == "CONFLICT"
    assert shown.message == Conflict.default_zh and shown.extensions["messageEn"] == Conflict.default_en


async def test_validation_and_parse_errors_have_codes(gql: Any) -> None:
    body = await gql.post("{ nope }")
    assert body["_status"] == 400 and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in body
    body = await gql.post("{ me { ")
    assert body["_status"] == 400 and body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_too_deep_queries_are_refused_as_too_complex(gql: Any, tokens: dict[str, str]) -> None:
    deep = "{ streets(first: 1) { edges { node { communities(first: 1) { edges { node { grids(first: 1) { edges { node { buildings(first: 1) { edges { node { residents(first: 1) { edges { node { building { grid { community { street { communities(first: 1) { edges { node { grids(first: 1) { totalCount } } } } } } } } } } } } } } } } } } } } } } } }"
    body = await gql.post(deep, token=tokens["dispatcher"])
    assert body["_status"] == 400
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_wide_nested_queries_are_refused_before_they_run(gql: Any, tokens: dict[str, str], count_statements: Any) -> None:
    wide = "{ streets { edges { node { communities { edges { node { grids { edges { node { buildings { edges { node { name } } } } } } } } } } } } }"
    with count_statements() as c:
        body = await gql.post(wide, token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["maxCost"]
    assert c.count <= 2  # the token lookup only: nothing of the query ran


async def test_a_reasonable_nested_page_is_within_cost(gql: Any, tokens: dict[str, str]) -> None:
    ok = "{ streets(first: 12) { edges { node { communities(first: 15) { edges { node { name } } } } } } }"
    data = await gql.ok(ok, token=tokens["dispatcher"])
    assert len(data["streets"]["edges"]) == 12


async def test_get_never_runs_a_mutation(http: Any) -> None:
    query = 'mutation { login(input: {username: "dispatcher", password: "demo"}) { token } }'
    response = await http.get("/graphql", params={"query": query}, headers={"accept": "application/graphql-response+json"})
    assert response.status_code == 405
    assert "errors" in response.json() and "token" not in response.text


async def test_media_type_follows_accept(http: Any) -> None:
    r = await http.get("/graphql", params={"query": "{ __typename }"}, headers={"accept": "application/graphql-response+json"})
    assert r.headers["content-type"].startswith("application/graphql-response+json")
    r = await http.get("/graphql", params={"query": "{ __typename }"})
    assert r.headers["content-type"].startswith("application/json")
    r = await http.get("/graphql", params={"query": "{ __typename }"}, headers={"accept": "text/html"})
    assert r.status_code == 406


async def test_health_and_readiness(http: Any) -> None:
    assert (await http.get("/healthz")).text == "ok"
    ready = await http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "up"


async def test_a_malformed_scalar_variable_is_bad_user_input_not_an_internal_error(gql: Any, tokens: dict[str, str]) -> None:
    """graphql-core keeps the scalar's ValueError as original_error; it is still the client's input."""
    body = await gql.post("mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }",
                          {"i": {"text": "路灯不亮", "channel": "HOTLINE", "occurredAt": "not-a-date"}}, token=tokens["dispatcher"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not-a-date" in body["errors"][0]["extensions"]["messageEn"]
