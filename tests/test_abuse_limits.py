"""Abuse limits: each one is enforced, answers with its own error code, and has the value the table
below (and the README) states. A second app on the session's database, with an allow-listed CORS
origin, introspection and the explorer off and small rate and upload limits, checks the switches
without touching the session app's settings.

| limit | value | where | answer |
|---|---|---|---|
| query depth | 20 levels | schema/__init__.py MAX_DEPTH | QUERY_TOO_COMPLEX |
| aliases | 30 a document | schema/__init__.py MAX_ALIASES | QUERY_TOO_COMPLEX |
| tokens | 4,000 a document | schema/__init__.py MAX_TOKENS | QUERY_TOO_COMPLEX |
| cost (objects asked for) | 5,000 | schema/cost.py MAX_COST | QUERY_TOO_COMPLEX (+ cost, maxCost) |
| page size | 100 (first/last; nodes ids) | schema/pagination.py MAX_PAGE | BAD_USER_INPUT (+ maxPageSize) |
| parser and validation caches | 512 documents each (LRU) | schema/__init__.py CACHE_SIZE | — (bounded memory) |
| GraphQL document length | 100,000 characters | schema/http.py MAX_QUERY_LENGTH | 413 REQUEST_TOO_LARGE (WebSocket: error REQUEST_TOO_LARGE) |
| JSON body / GET query string | 1 MiB | MAX_REQUEST_BYTES | 413 / 414 REQUEST_TOO_LARGE (+ maxBytes) |
| multipart upload in all | 91 MiB | MAX_UPLOAD_BYTES | 413 REQUEST_TOO_LARGE (+ maxBytes) |
| files in one upload | 9 (and 20 other parts) | schema/http.py MAX_UPLOAD_FILES | 400 TOO_MANY_FILES |
| one photo / one import file | 10 MB | resolvers/photos.py, resolvers/imports | BAD_USER_INPUT |
| multipart without a preflight header (CSRF) | refused | schema/http.py | 400 CSRF_PREVENTED |
| sign-in failures | 5, then locked 15 min | resolvers/auth.py | TOO_MANY_ATTEMPTS |
| anonymous QR intake | 10 an hour a building code, 60 an hour an address | QR_LIMIT_PER_TOKEN, QR_LIMIT_PER_CLIENT | RATE_LIMITED (+ retryAfterSeconds) |
| 12345 / Open311 order body | 64 KiB | resolvers/orders12345/routes.py | 413 TOO_LARGE |
| subscriptions a connection | 20 | schema/ws.py MAX_SUBSCRIPTIONS | error TOO_MANY_SUBSCRIPTIONS |
| connection_init wait | 10 s | schema/ws.py INIT_TIMEOUT_SECONDS | close 4408 |
| slow WebSocket consumer | bounded outbox | schema/outbox.py | close 1013 with resume cursors |
| CORS | only CORS_ORIGINS (none by default) | CORS_ORIGINS | preflight 400, no Access-Control-Allow-Origin |
| introspection / explorer | off in production unless INTROSPECTION=1 / EXPLORER=1 | INTROSPECTION, EXPLORER | GRAPHQL_VALIDATION_FAILED / 404 |
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import pytest_asyncio
import websockets
from sqlalchemy import select

from db.models import Building
from schema.ids import to_global_id

ORIGIN = "https://console.example.gov.cn"
EVIL = "https://evil.example.com"
GQL = {"accept": "application/graphql-response+json"}


def code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


def test_the_table_is_what_the_code_says() -> None:
    import config
    import schema
    from resolvers import auth, photos
    from resolvers.imports import MAX_FILE_BYTES
    from resolvers.orders12345.routes import MAX_BODY
    from schema import cost, http, pagination, ws

    s = config.Settings(env="test", database_url="sqlite://", broadcast_url="memory://", secret_key="x", demo=False, host="", port=0)
    assert (schema.MAX_DEPTH, schema.MAX_ALIASES, schema.MAX_TOKENS, schema.CACHE_SIZE) == (20, 30, 4000, 512)
    assert cost.MAX_COST == 5000 and pagination.MAX_PAGE == 100
    assert http.MAX_QUERY_LENGTH == 100_000 and http.MAX_UPLOAD_FILES == 9 and http.MAX_UPLOAD_FIELDS == 20
    assert s.max_request_bytes == 1024 * 1024 and s.max_upload_bytes == 91 * 1024 * 1024
    assert photos.MAX_PHOTO_BYTES == MAX_FILE_BYTES == 10 * 1024 * 1024 and MAX_BODY == 64 * 1024
    assert auth.MAX_FAILED_LOGINS == 5 and auth.LOCKOUT.total_seconds() == 15 * 60
    assert s.qr_limit_per_token == (10, 3600) and s.qr_limit_per_client == (60, 3600)
    assert ws.MAX_SUBSCRIPTIONS == 20 and ws.INIT_TIMEOUT_SECONDS == 10
    assert s.cors_origins == () and s.introspection and s.explorer  # development defaults; production below


# ------------------------------------------------------------------------------------------ a hardened second app

@pytest_asyncio.fixture(scope="module")
async def hardened(app: Any, settings: Any) -> Any:
    """The app with an allow-listed origin, introspection and the explorer off, and tight limits."""
    from app import create_app

    tight = dataclasses.replace(settings, cors_origins=(ORIGIN,), introspection=False, explorer=False,
                                qr_limit_per_token=(2, 3600), qr_limit_per_client=(3, 3600), max_upload_bytes=64 * 1024)
    application = create_app(tight)
    async with application.router.lifespan_context(application):
        yield application


def client_of(application: Any, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=application, client=(ip, 40000)), base_url="http://testserver")


# ------------------------------------------------------------------------------------------ the shape of a query

async def test_depth_aliases_tokens_and_cost_are_refused_as_too_complex(gql: Any, tokens: dict[str, str], count_statements: Any) -> None:
    token = tokens["dispatcher"]
    nested = "query($id: ID!) { request(id: $id) { " + "mergedInto { " * 24 + "id" + " }" * 24 + " } }"
    shallow = "query($id: ID!) { request(id: $id) { " + "mergedInto { " * 5 + "id" + " }" * 5 + " } }"
    rid = {"id": to_global_id("Request", 987654321)}
    assert code(await gql.post(nested, rid, token=token)) == "QUERY_TOO_COMPLEX"
    assert "errors" not in await gql.post(shallow, rid, token=token)

    assert "errors" not in await gql.post("{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }", token=token)
    assert code(await gql.post("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", token=token)) == "QUERY_TOO_COMPLEX"

    many = "{ " + " __typename" * 4001 + " }"
    assert len(many) < 100_000
    assert code(await gql.post(many, token=token)) == "QUERY_TOO_COMPLEX"

    wide = "{ streets(first: 100) { edges { node { communities(first: 100) { edges { node { id name } } } } } } }"
    with count_statements() as counted:
        body = await gql.post(wide, token=token)
    assert code(body) == "QUERY_TOO_COMPLEX"
    assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["maxCost"] == 5000
    assert not any("community" in s or "street" in s for s in counted.statements)  # refused before it ran


async def test_pages_hold_at_most_100(gql: Any, tokens: dict[str, str]) -> None:
    token = tokens["dispatcher"]
    for query in ("{ streets(first: 101) { totalCount } }", "{ buildings(last: 101) { totalCount } }",
                  "{ requests(first: 101) { totalCount } }", "{ auditLog(first: 101) { totalCount } }"):
        body = await gql.post(query, token=tokens["admin"] if "audit" in query else token)
        assert code(body) == "BAD_USER_INPUT", (query, body)
        assert body["errors"][0]["extensions"]["maxPageSize"] == 100
    assert "errors" not in await gql.post("{ streets(first: 100) { totalCount } }", token=token)
    body = await gql.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["U3RyZWV0OjE"] * 101}, token=token)
    assert code(body) == "BAD_USER_INPUT"


async def test_the_parser_and_validation_caches_stay_bounded(app: Any) -> None:
    from strawberry.extensions.parser_cache import _get_parse_cache
    from strawberry.extensions.validation_cache import _get_validate_cache

    from schema import CACHE_SIZE

    run = uuid.uuid4().hex[:8]
    for i in range(CACHE_SIZE + 40):
        result = await app.state.schema.execute(f"query Distinct_{run}_{i} {{ __typename }}")
        assert result.errors is None
    for cache in (_get_parse_cache(CACHE_SIZE), _get_validate_cache(CACHE_SIZE)):
        info = cache.cache_info()
        assert info.maxsize == CACHE_SIZE and info.currsize <= CACHE_SIZE, info


# ------------------------------------------------------------------------------------------ request sizes

async def raw_get(application: Any, query_string: bytes) -> tuple[int, dict]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http", "path": "/graphql",
             "raw_path": b"/graphql", "query_string": query_string, "root_path": "", "server": ("testserver", 80),
             "client": ("127.0.0.1", 40001), "headers": [(b"host", b"testserver"), (b"accept", b"application/json")]}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await application(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


async def test_request_bodies_and_query_strings_past_the_limit_are_refused_413(app: Any, http: Any, tokens: dict[str, str]) -> None:
    limit = 1024 * 1024
    headers = {**GQL, "authorization": f"Bearer {tokens['dispatcher']}", "content-type": "application/json"}
    padding = {"query": "{ __typename }", "variables": {"pad": "x" * (limit - 100)}}
    under = await http.post("/graphql", content=json.dumps(padding), headers=headers)
    assert under.status_code == 200 and "errors" not in under.json()

    over = await http.post("/graphql", content=json.dumps({**padding, "variables": {"pad": "x" * limit}}), headers=headers)
    assert over.status_code == 413 and code(over.json()) == "REQUEST_TOO_LARGE"
    assert over.json()["errors"][0]["extensions"]["maxBytes"] == limit

    async def chunks():  # no Content-Length: counted as it arrives
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}}'
    chunked = await http.post("/graphql", content=chunks(), headers=headers)
    assert chunked.status_code == 413 and code(chunked.json()) == "REQUEST_TOO_LARGE"

    # httpx will not build a URL that long: straight to the app.
    status, body = await raw_get(app, urlencode({"query": "{ __typename }", "variables": json.dumps({"pad": "x" * limit})}).encode())
    assert status == 414 and code(body) == "REQUEST_TOO_LARGE"
    status, body = await raw_get(app, urlencode({"query": "{ __typename }"}).encode())
    assert status == 200 and body["data"] == {"__typename": "Query"}

    # A small body whose GraphQL text is padded (with a comment) past 100,000 characters.
    padded = await http.post("/graphql", json={"query": "#" + "x" * 100_000 + "\n{ __typename }"}, headers=headers)
    assert padded.status_code == 413 and code(padded.json()) == "REQUEST_TOO_LARGE"


def multipart(query: str, files: dict[str, tuple[str, bytes, str]], path: str = "variables.file") -> dict[str, Any]:
    return {"data": {"operations": json.dumps({"query": query, "variables": {"file": None}}),
                     "map": json.dumps({name: [path] for name in files})},
            "files": files}


async def test_uploads_need_a_preflight_header_and_stay_within_their_limits(hardened: Any, tokens: dict[str, str]) -> None:
    query = "mutation($file: Upload!) { importRegister(input: {register: STREETS, file: $file, dryRun: true, wait: true}) { job { id } } }"
    auth = {**GQL, "authorization": f"Bearer {tokens['admin']}"}
    small = {"0": ("s.csv", "名称\n测试\n".encode(), "text/csv")}
    async with client_of(hardened) as client:
        # A browser form can post multipart cross-site without a preflight; a custom header cannot.
        csrf = await client.post("/graphql", **multipart(query, small), headers=auth)
        assert csrf.status_code == 400 and code(csrf.json()) == "CSRF_PREVENTED"
        ok = await client.post("/graphql", **multipart(query, small), headers={**auth, "graphql-preflight": "1"})
        assert ok.status_code == 200 and "errors" not in ok.json(), ok.json()
        # This app allows 64 KiB an upload in all.
        big = {"0": ("s.csv", b"x" * (70 * 1024), "text/csv")}
        over = await client.post("/graphql", **multipart(query, big), headers={**auth, "graphql-preflight": "1"})
        assert over.status_code == 413 and code(over.json()) == "REQUEST_TOO_LARGE" and over.json()["errors"][0]["extensions"]["maxBytes"] == 65536
        ten = {str(n): (f"{n}.csv", b"x", "text/csv") for n in range(10)}
        too_many = await client.post("/graphql", **multipart(query, ten), headers={**auth, "graphql-preflight": "1"})
        assert too_many.status_code == 400 and code(too_many.json()) == "TOO_MANY_FILES"


# ------------------------------------------------------------------------------------------ sign-in and anonymous intake

async def test_five_failed_sign_ins_lock_the_account(gql: Any, tokens: dict[str, str]) -> None:
    name = f"t-lock-{uuid.uuid4().hex[:8]}"
    await gql.ok("mutation($i: CreateUserInput!) { createUser(input: $i) { account { active } } }",
                 {"i": {"username": name, "displayName": "锁定测试", "role": "CENTER_DISPATCHER", "password": "Right-pass-1", "scopes": []}},
                 token=tokens["admin"])
    login = "mutation($i: LoginInput!) { login(input: $i) { token } }"
    for _ in range(5):
        assert code(await gql.post(login, {"i": {"username": name, "password": "wrong-pass"}})) == "UNAUTHENTICATED"
    # Locked now: even the right password is refused.
    assert code(await gql.post(login, {"i": {"username": name, "password": "Right-pass-1"}})) == "TOO_MANY_ATTEMPTS"


async def _qr_tokens(db: Any, count: int) -> list[str]:
    b = Building.__table__
    offset = random.randrange(15_000, 21_000)  # somewhere in the district that no other test scans
    async with db.read() as conn:
        found = list((await conn.execute(select(b.c.qr_token).order_by(b.c.id).offset(offset).limit(count))).scalars())
    assert len(found) == count
    return found


async def test_anonymous_qr_intake_is_rate_limited_per_code_and_per_address(hardened: Any, db: Any) -> None:
    submit = "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }"
    codes = await _qr_tokens(db, 4)
    ip, other_ip = (f"10.{random.randrange(256)}.{random.randrange(256)}.{n}" for n in (1, 2))

    async def send(client: httpx.AsyncClient, qr: str) -> dict:
        variables = {"i": {"text": "楼道灯坏了", "qrToken": qr}}
        return (await client.post("/graphql", json={"query": submit, "variables": variables}, headers=GQL)).json()

    async with client_of(hardened, ip) as client:
        # This app allows 2 an hour a building code and 3 an hour an address.
        assert "errors" not in await send(client, codes[0]) and "errors" not in await send(client, codes[0])
        third = await send(client, codes[0])
        assert code(third) == "RATE_LIMITED" and 0 < third["errors"][0]["extensions"]["retryAfterSeconds"] <= 3600
        assert "errors" not in await send(client, codes[1])  # another code: the address's third
        fourth = await send(client, codes[2])
        assert code(fourth) == "RATE_LIMITED"  # the address's fourth
    async with client_of(hardened, other_ip) as client:
        assert "errors" not in await send(client, codes[3])  # another address is not held back


# ------------------------------------------------------------------------------------------ WebSocket

async def test_subscriptions_a_connection_and_the_init_wait_are_bounded(live_server: Any, tokens: dict[str, str]) -> None:
    url = live_server.url.replace("http", "ws") + "/graphql"

    async def silent() -> int:
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 30)
        return closed.value.rcvd.code

    async def greedy() -> list[dict]:
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30)
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['dispatcher']}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        for i in range(21):
            await ws.send(json.dumps({"id": f"s{i}", "type": "subscribe", "payload": {"query": "subscription { requestCreated { cursor } }"}}))
        await ws.send(json.dumps({"id": "long", "type": "subscribe", "payload": {"query": "#" + "x" * 100_001 + "\nsubscription { requestCreated { cursor } }"}}))
        errors = []
        try:
            while len(errors) < 2:
                message = json.loads(await asyncio.wait_for(ws.recv(), 15))
                if message["type"] == "error":
                    errors.append(message)
        finally:
            await ws.close()
        return errors

    init_close, errors = await asyncio.gather(silent(), greedy())
    assert init_close == 4408
    by_id = {e["id"]: e["payload"][0]["extensions"] for e in errors}
    assert by_id["s20"]["code"] == "TOO_MANY_SUBSCRIPTIONS" and by_id["s20"]["maxSubscriptions"] == 20
    assert by_id["long"]["code"] == "TOO_MANY_SUBSCRIPTIONS"  # the limit comes first: 20 are open


async def test_an_oversized_subscription_document_is_refused(live_server: Any, tokens: dict[str, str]) -> None:
    url = live_server.url.replace("http", "ws") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30, max_size=2**22) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['dispatcher']}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "long", "type": "subscribe", "payload": {"query": "#" + "x" * 100_001 + "\nsubscription { requestCreated { cursor } }"}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 15))
        assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


# ------------------------------------------------------------------------------------------ CORS, introspection, explorer

def _preflight(origin: str) -> dict[str, str]:
    return {"origin": origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type"}


async def test_cross_origin_calls_only_from_the_configured_origins(hardened: Any, http: Any) -> None:
    async with client_of(hardened) as client:
        allowed = await client.options("/graphql", headers=_preflight(ORIGIN))
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        refused = await client.options("/graphql", headers=_preflight(EVIL))
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
        simple = await client.post("/graphql", json={"query": "{ __typename }"}, headers={**GQL, "origin": ORIGIN})
        assert simple.headers.get("access-control-allow-origin") == ORIGIN
        foreign = await client.post("/graphql", json={"query": "{ __typename }"}, headers={**GQL, "origin": EVIL})
        assert "access-control-allow-origin" not in foreign.headers
    # The default: no origin is allowed.
    default = await http.options("/graphql", headers=_preflight(ORIGIN))
    assert default.status_code == 400 and "access-control-allow-origin" not in default.headers


def test_cors_origins_come_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import ConfigError, cors_origins, load_settings

    monkeypatch.setenv("CORS_ORIGINS", f"{ORIGIN}, http://10.1.2.3:8080/")
    assert load_settings().cors_origins == (ORIGIN, "http://10.1.2.3:8080")
    monkeypatch.delenv("CORS_ORIGINS")
    assert load_settings().cors_origins == ()
    for bad in ("*", "console.example.gov.cn", "https://example.gov.cn/console"):
        with pytest.raises(ConfigError):
            cors_origins(bad)


async def test_introspection_and_the_explorer_can_be_switched_off(hardened: Any, http: Any) -> None:
    probe = {"query": "{ __schema { queryType { name } } }"}
    on = await http.post("/graphql", json=probe, headers=GQL)
    assert on.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    async with client_of(hardened) as client:
        for query in ("{ __schema { queryType { name } } }", '{ __type(name: "Query") { name } }'):
            off = (await client.post("/graphql", json={"query": query}, headers=GQL)).json()
            assert code(off) == "GRAPHQL_VALIDATION_FAILED" and "introspection" in off["errors"][0]["message"].lower()
            assert "data" not in off
        assert (await client.get("/console/explorer")).status_code == 404
        assert "errors" not in (await client.post("/graphql", json={"query": "{ __typename }"}, headers=GQL)).json()
    assert (await http.get("/console/explorer")).status_code != 404


def test_production_turns_introspection_and_the_explorer_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    from config import load_settings

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DEMO", "0")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    for name in ("INTROSPECTION", "EXPLORER"):
        monkeypatch.delenv(name, raising=False)
    s = load_settings()
    assert (s.introspection, s.explorer) == (False, False)
    monkeypatch.setenv("INTROSPECTION", "1")
    monkeypatch.setenv("EXPLORER", "1")
    s = load_settings()
    assert (s.introspection, s.explorer) == (True, True)
