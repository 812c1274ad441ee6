"""The compiled executor (schema/compiled/) answers exactly as the full executor does — the same
bytes for the console's and front-end teams' queries, for every role — and hands over to it
whenever it cannot: errors, bad variables, fields that write (audited personal reads)."""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from db import direct
from db.models import AuditEntry
from schema import metrics, pagination
from tests.conftest import BACKEND, GQL
from tests.loop_helpers import Loop

def _console_fragment() -> str:
    """The console's own ReqFields (console/src/queries.js), so these cases stay what the wall sends."""
    source = (Path(__file__).resolve().parent.parent / "console" / "src" / "queries.js").read_text()
    found = re.search(r"fragment ReqFields on Request \{.*?\n\}", source, re.S)
    assert found, "console/src/queries.js has no ReqFields fragment"
    return found.group(0)


REQUEST_FIELDS = _console_fragment()


WALL = "{ requests(first: 50) { edges { node { id title state createdAt community { name street { name } } } } } }"
WALL_CONSOLE = ("query WallInit($first: Int!) { requests(first: $first) { totalCount edges { node { ...ReqFields "
                "history(first: 1) { edges { node { cursor kind } } } } } } } " + REQUEST_FIELDS)
FILTERED = """query Filtered($f: RequestFilter, $n: Int, $after: String) {
  page: requests(filter: $f, first: $n, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id title state tier scope channel createdAt dueAt
      community { ...C } street { name code } category { name } subcategory { name category { name } } } }
  }
  older: requests(first: 2, last: null) { edges { node { id } } }
}
fragment C on Community { id name nameEn street { id name } }"""
# Edges built as dicts (projection.py's edge builder): typename and aliases; two `edges`, or an
# edge field that is neither node nor cursor, keep the edges as objects.
EDGES = """{ a: requests(first: 4) { edges { __typename c: cursor n: node { id title } k: cursor } }
  b: requests(first: 2) { edges { node { id } } e2: edges { cursor } }
  c: streets(first: 2) { edges { node { name communities(first: 2) { edges { __typename cursor node { name } } } } } } }"""
QUEUE = "query Q { myQueue(first: 20) { totalCount edges { node { id title state assignments { unitName status round } } } } }"
ONE = ("query One($id: ID!) { request(id: $id) { ...ReqFields history(first: 50) { edges { node { seq kind at note actorLabel } } } } } "
       + REQUEST_FIELDS)
HISTORY = ("query H($id: ID!, $after: String) { request(id: $id) { id whole: history(first: 50) { edges { cursor node { "
           "cursor seq kind at actorLabel fromState toState version note data } } pageInfo { hasNextPage endCursor } } "
           "later: history(first: 2, after: $after) { edges { cursor node { seq kind fromState toState } } pageInfo { hasNextPage } } } }")
# The front-end teams' one request: only columns, to-one relations and the history (bench/http_bench.py).
ONE_PLAIN = ("query OnePlain($id: ID!, $after: String) { request(id: $id) { id title state stateLabel createdAt tier "
             "community { name street { name } } street { code } subcategory { name category { name } } "
             "history(first: 50) { totalCount edges { cursor node { seq kind at note fromState toState } } pageInfo { hasNextPage } } "
             "later: history(first: 3, after: $after) { edges { node { seq } } } } }")
NODE_PLAIN = "query Node($id: ID!) { node(id: $id) { id ... on Request { title state createdAt } ... on Street { name code } } }"
NODES = """query N($a: ID!, $b: ID!) {
  a: node(id: $a) { __typename id ... on Request { title community { name } } ... on Community { name street { name } } }
  b: node(id: $b) { __typename id ... on Request { title } ... on Community { name code grids(first: 3) { edges { node { name } } } } }
}"""
ORG = """{ streets(first: 12) { totalCount edges { node { id name communities(first: 5) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name street { name } } } } } } } }"""
CHILDREN = """query Children($after: String) { streets(first: 3) { edges { node { name
  none: communities(first: 0) { totalCount pageInfo { hasNextPage endCursor } }
  all: communities { totalCount edges { cursor node { code grids(first: 2) { totalCount pageInfo { hasNextPage }
    edges { node { name buildings(first: 2) { edges { node { name address households community { name street { code } } } } } } } } } } }
  later: communities(first: 2, after: $after) { edges { node { name } } pageInfo { hasPreviousPage hasNextPage startCursor } } } } } }"""
SUPERVISION = "query S { supervisionList(first: 20) { totalCount edges { node { ...ReqFields } } } } " + REQUEST_FIELDS


def _count(outcome: str) -> float:
    return metrics.COMPILED_QUERIES.labels(outcome)._value.get()


@contextlib.contextmanager
def full_executor(app: Any) -> Iterator[None]:
    compiled, app.state.compiled = app.state.compiled, None
    try:
        yield
    finally:
        app.state.compiled = compiled


async def _post(http: httpx.AsyncClient, token: str | None, query: str, variables: dict | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


async def both(app: Any, http: httpx.AsyncClient, token: str | None, query: str, variables: dict | None = None) -> tuple[httpx.Response, httpx.Response, float, float]:
    """The full executor's answer, then the compiled one's, with how many compiled runs and
    hand-overs the second took."""
    assert app.state.compiled is not None, "the app runs with COMPILED_QUERIES on by default"
    with full_executor(app):
        full = await _post(http, token, query, variables)
    app.state.compiled.learn(query, None)
    ran, handed = _count("ran"), _count("fallback")
    fast = await _post(http, token, query, variables)
    return full, fast, _count("ran") - ran, _count("fallback") - handed


@pytest_asyncio.fixture(scope="module")
async def ids(http: httpx.AsyncClient, tokens: dict[str, str]) -> dict[str, str]:
    """A few requests of the community's own with reporters and a dispatched one, whatever ran before."""
    loop = Loop(GQL(http), tokens)
    made = [(await loop.submit("community", text=f"热线:居民反映楼道灯不亮 {i}", channel="HOTLINE", locationNote="北门",
                               contactName="钱多", contactPhone="13700002222"))["request"] for i in range(3)]
    got = await loop.get("dispatcher", made[0]["id"], fields="id community { id }")
    assert got is not None and got["community"] is not None
    streets = await GQL(http).post("{ streets(first: 1) { edges { node { communities(first: 1) { pageInfo { endCursor } } } } } }",
                                   token=tokens["dispatcher"])
    cursor = streets["data"]["streets"]["edges"][0]["node"]["communities"]["pageInfo"]["endCursor"]
    return {"request": got["id"], "community": got["community"]["id"], "community_cursor": cursor}


@pytest.mark.parametrize("role", ["dispatcher", "street", "community", "grid", "department", "leader", "district", "evaluator"])
async def test_the_compiled_executor_gives_the_same_bytes_for_every_role(app: Any, http: httpx.AsyncClient, gql: Any,
                                                                        tokens: dict[str, str], ids: dict[str, str], role: str) -> None:
    token = tokens[role]
    gql.token = token
    page = await gql.ok("{ requests(first: 3) { pageInfo { endCursor } edges { node { id } } } }")
    cursor = page["requests"]["pageInfo"]["endCursor"]
    cases: list[tuple[str, dict | None]] = [
        (WALL, None),
        (EDGES, None),
        (WALL_CONSOLE, {"first": 30}),
        (FILTERED, {"f": {"open": True}, "n": 7}),
        (FILTERED, {"f": {"communityId": ids["community"], "states": ["CLOSED", "RESOLVED"]}, "n": 5, "after": cursor}),
        (FILTERED, {"f": None, "n": 0}),
        (QUEUE, None),
        (ONE, {"id": ids["request"]}),
        (HISTORY, {"id": ids["request"], "after": None}),
        (ONE_PLAIN, {"id": ids["request"], "after": None}),
        (ONE_PLAIN, {"id": ids["request"], "after": base64.urlsafe_b64encode(b"[1]").decode().rstrip("=")}),
        (ONE_PLAIN, {"id": base64.urlsafe_b64encode(b"Request:987654321").decode().rstrip("="), "after": None}),
        (HISTORY, {"id": ids["request"], "after": base64.urlsafe_b64encode(b"[1]").decode().rstrip("=")}),  # seq > 1
        (NODES, {"a": ids["request"], "b": ids["community"]}),
        (NODES, {"a": ids["community"], "b": ids["request"]}),
        (NODE_PLAIN, {"id": ids["request"]}),
        (NODE_PLAIN, {"id": ids["community"]}),
        (NODE_PLAIN, {"id": base64.urlsafe_b64encode(b"Request:987654321").decode().rstrip("=")}),
        (NODE_PLAIN, {"id": base64.urlsafe_b64encode(b"Street:1").decode().rstrip("=")}),
        (ORG, None),
        (CHILDREN, {"after": None}),
        (CHILDREN, {"after": ids["community_cursor"]}),
        (SUPERVISION, None),
    ]
    compiled_runs = 0
    for query, variables in cases:
        full, fast, ran, _ = await both(app, http, token, query, variables)
        assert full.status_code == fast.status_code == 200
        assert fast.content == full.content, (query[:60], variables)
        if role == "dispatcher":  # the center may read all of these, and none audits a read
            assert ran == 1, ("handed to the full executor", query[:60], variables)
        compiled_runs += ran
    # Other roles are refused some fields (the full executor answers those); most still ran compiled.
    assert compiled_runs >= 6


def test_orjson_writes_a_utc_datetime_as_isoformat_does() -> None:
    """Projected pages leave UTC datetimes to the answer's orjson.dumps (projection.py) instead
    of calling DateTime's serializer, isoformat(), on each: the bytes must be the same."""
    for value in (datetime(2026, 11, 27, 2, 41, 53, 163365, tzinfo=timezone.utc), datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                  datetime(2025, 12, 31, 23, 59, 59, 100000, tzinfo=timezone.utc), datetime(1999, 1, 1, 0, 0, 0, 1, tzinfo=timezone.utc)):
        assert orjson.dumps(value) == orjson.dumps(value.isoformat()), value


PAGES = ("query P($c: ID, $n: Int, $after: String) { requests(filter: {communityId: $c}, first: $n, after: $after) { "
         "totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title createdAt community { id } } } } }")


async def test_a_kept_page_statement_reads_each_calls_own_rows(app: Any, http: httpx.AsyncClient, tokens: dict[str, str],
                                                               ids: dict[str, str]) -> None:
    """On PostgreSQL the pages of one shape share one kept statement (pagination.py) and run
    with each call's values, as do their counts: every call must still read its own filter's,
    cursor's and size's rows and count its own list, exactly as the full executor does."""
    token = tokens["dispatcher"]
    gql = GQL(http)
    gql.token = token
    others = await gql.ok("{ communities(first: 3) { edges { node { id } } } }")
    communities = [ids["community"], *[e["node"]["id"] for e in others["communities"]["edges"] if e["node"]["id"] != ids["community"]][:1]]
    before = set(pagination._templates)
    kept, app.state.responses = app.state.responses, None  # run every call, not a kept answer
    try:
        for community in communities:
            for size in (2, 3):
                cursor = None
                for _ in range(3):  # the first page, then two after a cursor: each shape runs kept at least once
                    full, fast, ran, _ = await both(app, http, token, PAGES, {"c": community, "n": size, "after": cursor})
                    assert fast.content == full.content and ran == 1, (community, size, cursor)
                    page = fast.json()["data"]["requests"]
                    assert len(page["edges"]) <= size
                    if cursor is None and not page["pageInfo"]["hasNextPage"]:  # the whole list on one page
                        assert page["totalCount"] == len(page["edges"]), (community, page["totalCount"])
                    assert all(e["node"]["community"]["id"] == community for e in page["edges"])
                    cursor = page["pageInfo"]["endCursor"]
                    if cursor is None:
                        break
    finally:
        app.state.responses = kept
    if BACKEND == "postgres":
        kept = set(pagination._templates) - before
        assert any(s[0] != "count" for s in kept), "no page statement was kept"
        assert any(s[0] == "count" for s in kept), "no count statement was kept"


@pytest.mark.skipif(BACKEND != "postgres", reason="kept statements and the driver's path are PostgreSQL's")
async def test_a_page_of_whole_rows_is_kept_and_read_on_the_driver(app: Any, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    """Streets that carry a child connection are read whole (their node is not all columns), as
    are the lists the full executor pages: those pages too are kept per shape and run straight on
    asyncpg, their rows still read by attribute by `to_node` — the same answer both ways."""
    doc = "query S($n: Int!, $after: String) { streets(first: $n, after: $after) { pageInfo { endCursor } edges { node { id name communities(first: 2) { edges { node { id } } } } } } }"
    before = set(pagination._templates)
    kept, app.state.responses = app.state.responses, None
    try:
        cursor = None
        for _ in range(3):
            full, fast, ran, _ = await both(app, http, tokens["dispatcher"], doc, {"n": 2, "after": cursor})
            assert fast.content == full.content and ran == 1, cursor
            page = fast.json()["data"]["streets"]
            assert len(page["edges"]) == 2 and all(e["node"]["name"] for e in page["edges"])
            cursor = page["pageInfo"]["endCursor"]
    finally:
        app.state.responses = kept
    whole = [shape for shape in set(pagination._templates) - before if shape[0] != "count" and shape[6] is None]
    assert whole, "no page of whole rows was kept"
    assert all(direct.runs_direct(pagination._templates[shape]) for shape in whole)


async def test_a_pages_size_is_written_into_its_statement_not_sent_as_a_parameter(
        app: Any, http: httpx.AsyncClient, tokens: dict[str, str], count_statements: Any) -> None:
    """PostgreSQL cannot cost a generic plan for `LIMIT $1`, so with the size as a parameter the
    wall's statement was planned anew at every execution (pagination.py `_limit`). The page reads
    its size plus one, written into the statement — the first run and a kept statement's alike —
    and a page of another size gets its own statement and its own rows."""
    doc = "query W($n: Int!, $after: String) { requests(first: $n, after: $after) { pageInfo { endCursor } edges { node { id title community { name } } } } }"
    loop = Loop(GQL(http), tokens)
    have = (await GQL(http).post("{ requests(first: 1) { totalCount } }", token=tokens["dispatcher"]))["data"]["requests"]["totalCount"]
    for i in range(have, 6):  # two pages of three, whatever ran before
        await loop.submit("community", text=f"热线:居民反映单元门禁损坏 {i}", channel="HOTLINE", locationNote="3号楼")
    kept, app.state.responses = app.state.responses, None  # run every call, not a kept answer
    try:
        for n in (3, 3, 2, 3):  # learnt, kept; another size; the first size again
            with count_statements() as counted:
                body = (await _post(http, tokens["dispatcher"], doc, {"n": n, "after": None})).json()
            assert len(body["data"]["requests"]["edges"]) == n, body
            pages = [s for s in counted.statements if "FROM request" in s and "ORDER BY" in s]
            assert len(pages) == 1, counted.statements
            assert re.search(rf"LIMIT {n + 1}\b", pages[0]) and not re.search(r"LIMIT (\$|\?|%\(|:)", pages[0]), pages[0]
            after = body["data"]["requests"]["pageInfo"]["endCursor"]
            following = (await _post(http, tokens["dispatcher"], doc, {"n": n, "after": after})).json()["data"]["requests"]["edges"]
            assert len(following) == n and not {e["node"]["id"] for e in following} & {e["node"]["id"] for e in body["data"]["requests"]["edges"]}
    finally:
        app.state.responses = kept


async def test_one_request_for_the_center_is_one_statement_and_its_history(app: Any, http: httpx.AsyncClient, tokens: dict[str, str],
                                                                         ids: dict[str, str], count_statements: Any) -> None:
    """The center sees every request: `request(id:)` reads the selected columns with the
    community, street and subcategory joined, then each history page — three statements, not seven."""
    query, variables = ONE_PLAIN, {"id": ids["request"], "after": None}
    full, fast, ran, _ = await both(app, http, tokens["dispatcher"], query, variables)  # learnt, and run once
    assert fast.content == full.content and ran == 1
    kept, app.state.responses = app.state.responses, None  # run it, not the kept answer
    try:
        with count_statements() as counted:
            again = await _post(http, tokens["dispatcher"], query, variables)
    finally:
        app.state.responses = kept
    assert again.content == full.content
    data = [s for s in counted.statements if "app_user" not in s]  # the caller's account, when not kept
    assert len(data) == 3, data
    assert "JOIN community" in data[0] and "JOIN subcategory" in data[0]
    assert all("request_event" in s and "community" not in s for s in data[1:])
    # One request's pages: its id as one parameter, not a list of one — PostgreSQL plans
    # `= ANY($1)` again at every execution, `= $1` once (db/keys.py).
    assert all("ANY (" not in s and "POSTCOMPILE" not in s and " IN (" not in s for s in data[1:]), data[1:]


async def test_a_node_for_the_center_is_one_statement(app: Any, http: httpx.AsyncClient, tokens: dict[str, str],
                                                     ids: dict[str, str], count_statements: Any) -> None:
    """Read with the columns asked for only: not the request's text and search terms, not the
    community's names when only its id is asked for."""
    for gid, table, unread in ((ids["request"], "request", "request.search_terms"), (ids["community"], "community", "community.name")):
        full, fast, ran, _ = await both(app, http, tokens["dispatcher"], NODE_PLAIN, {"id": gid})
        assert fast.content == full.content and ran == 1
        kept, app.state.responses = app.state.responses, None  # run it, not the kept answer
        try:
            with count_statements() as counted:
                again = await _post(http, tokens["dispatcher"], NODE_PLAIN, {"id": gid})
        finally:
            app.state.responses = kept
        assert again.content == full.content
        data = [s for s in counted.statements if "app_user" not in s]
        assert len(data) == 1 and f"FROM {table}" in data[0] and unread not in data[0], data


async def test_errors_and_bad_variables_are_the_full_executors_answers(app: Any, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    token = tokens["dispatcher"]
    full, fast, _, _ = await both(app, http, token, FILTERED, {"f": {"open": True}, "n": 3})
    assert fast.content == full.content and b'"errors"' not in fast.content
    for variables, code in (({"f": None, "n": 1000}, "QUERY_TOO_COMPLEX"),  # priced with these variables
                            ({"f": None, "n": "many"}, "BAD_USER_INPUT"),        # not an Int: variable coercion
                            ({"f": {"open": True}, "n": 3, "after": "nonsense"}, "BAD_USER_INPUT"),  # a malformed cursor
                            ({"f": {"communityId": "Q29tbXVuaXR5Ono"}, "n": 3}, "BAD_USER_INPUT")):  # a malformed ID
        with full_executor(app):
            expected = await _post(http, token, FILTERED, variables)
        handed = _count("fallback")
        got = await _post(http, token, FILTERED, variables)
        assert _count("fallback") == handed + 1, variables
        assert got.status_code == expected.status_code and got.json() == expected.json(), variables
        assert got.json()["errors"] and code in (None, got.json()["errors"][0]["extensions"]["code"]), got.json()
    # Signed out: the permission check fails and the full executor says so.
    with full_executor(app):
        expected = await _post(http, None, FILTERED, {"n": 2})
    got = await _post(http, None, FILTERED, {"n": 2})
    assert got.json() == expected.json() and got.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_field_that_writes_its_audit_row_is_left_to_the_full_executor(app: Any, db: Any, http: httpx.AsyncClient,
                                                                             gql: Any, tokens: dict[str, str], ids: dict[str, str]) -> None:
    token = tokens["dispatcher"]
    gql.token = token
    data = await gql.ok("{ requests(first: 50, filter: {channels: [HOTLINE, BUILDING_LEADER]}) { edges { node { id reporter { view } } } } }")
    whole = [e["node"]["id"] for e in data["requests"]["edges"] if (e["node"]["reporter"] or {}).get("view") == "WHOLE"]
    assert whole, "the demo district has reporters the center sees whole"
    query = "query Rep($id: ID!) { request(id: $id) { id reporter { name phone view } } }"

    async def audit_rows() -> int:
        async with db.read() as conn:
            return (await conn.execute(select(func.count()).select_from(AuditEntry.__table__)
                                       .where(AuditEntry.__table__.c.action == "READ_PERSONAL"))).scalar_one()

    before = await audit_rows()
    full, fast, ran, handed = await both(app, http, token, query, {"id": whole[0]})
    assert fast.content == full.content and b'"WHOLE"' in fast.content
    assert ran == 0 and handed == 1
    # One audit row per operation: the compiled attempt stopped before writing anything.
    assert await audit_rows() == before + 2
    # And the document is not tried again.
    again = await _post(http, token, query, {"id": whole[0]})
    assert again.content == full.content
    assert app.state.compiled.plan(query, None) is None
