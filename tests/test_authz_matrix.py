"""The authorisation matrix: every Query, Mutation and Subscription field of the schema, tried by
each of the 12 demo logins and anonymously, on an object in the caller's own scope and on one
outside it, against the policy written down in tests/authz_policy.py (SPEC §3 and the fields'
descriptions). Generated from the schema: a field without a policy entry fails the test, and so
does an entry for a field that is gone.

How a call is judged (tests/authz_policy.py explains the rules):

* refused — FORBIDDEN when signed in, UNAUTHENTICATED when not (never the other way round); or, for
  fields that answer "what you may see" (HIDE), null / empty / NOT_FOUND, and the object under test
  absent from the answer;
* allowed — no FORBIDDEN or UNAUTHENTICATED, and for reads the object under test present.

Refused calls get well-formed input pointing at real objects in the state the mutation needs (a
SUBMITTED request to triage, a PLANNED meeting to hold …), so what stops them is the permission;
they all run before any allowed call, and a fingerprint of every table (bar the audit of reads,
sign-ins and refusals, rate limits and the notification worker's bookkeeping) must be unchanged after them.

Allowed mutations are not run for real where they would change data other tests count: each is
given a deliberately spoilt input (a stale `version`, an empty name, a negative amount …, see
`spoil` in the policy) and must come back with a domain error (CONFLICT, BAD_USER_INPUT,
NOT_FOUND, INVALID_TRANSITION …) rather than FORBIDDEN. Where the domain check comes before the
scope check (a stale version is seen before "is this your request?"), the allowed call proves
only that the role passes; the refused calls on out-of-scope objects, with valid input, are the
real test of the scope. A few harmless mutations (sign-in, a dry-run import, a new QR token for a
spare building) run for real.

Subscriptions are replayed over WebSocket from the log position before the world was made: what
an in-scope login may see must arrive, what an out-of-scope one may not must not. Any
INTERNAL_SERVER_ERROR, or an error without a code, fails the call whoever made it.

The reporter of a request (residents' personal data, SPEC §3) has its own test below: whole only
for the center and the request's current handlers, and only while they handle it; masked for
other staff; absent for partners and anonymous residents; every whole read audited.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import defaultdict
from typing import Any

import orjson
import pytest_asyncio
import websockets
from graphql import GraphQLEnumType, GraphQLScalarType, GraphQLUnionType, get_named_type
from sqlalchemy import func, select

from db.base import Base
from tests.authz_policy import DISTRICT_WIDE, EXECUTE, HIDE, LOGINS, POLICY, Rule
from tests.authz_world import World, build_world

AUTH = {"FORBIDDEN", "UNAUTHENTICATED"}
# The zone holding each scoped login's own objects (tests/authz_world.py); "A" holds nobody's.
HOME = {"street": "H", "community": "H", "grid": "H", "leader": "H", "department": "H", "fieldhead": "F", "partner": "P", "volunteer": "V"}
OUT = "A"
CONCURRENCY = 6


# ------------------------------------------------------------------------------------------ the schema

def root_fields(app: Any) -> dict[str, tuple[str, Any]]:
    schema = app.state.schema._schema
    out = {}
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type), ("subscription", schema.subscription_type)):
        for name, field in root.fields.items():
            out[name] = (kind, field)
    return out


def test_every_field_of_the_schema_has_a_policy_and_every_policy_a_field() -> None:
    from schema import schema

    s = schema._schema
    names = {n for root in (s.query_type, s.mutation_type, s.subscription_type) for n in root.fields}
    covered = {key.split("#")[0] for key in POLICY}
    assert names - covered == set(), "fields with no entry in tests/authz_policy.py: classify them"
    assert covered - names == set(), "entries in tests/authz_policy.py for fields that no longer exist"
    assert len(names) > 150


def selection(kind: str, type_: Any) -> str:
    named = get_named_type(type_)
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        return ""
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    fields = named.fields
    if kind == "subscription":
        inner = "request" if "request" in fields else "task"
        return "{ cursor " + inner + " { id } }"
    if kind == "mutation":
        return "{ __typename }"
    if named.name.endswith("Connection") and "edges" in fields:
        node = get_named_type(get_named_type(fields["edges"].type).fields["node"].type)
        return "{ edges { node { __typename" + (" id" if "id" in node.fields else "") + " } } }"
    return "{ __typename" + (" id" if "id" in fields else "") + " }"


def operation(kind: str, name: str, field: Any, args: dict[str, Any], sel: str | None) -> str:
    decls = ", ".join(f"${a}: {field.args[a].type}" for a in args)
    call = ", ".join(f"{a}: ${a}" for a in args)
    return (f"{kind} Probe" + (f"({decls})" if decls else "") + " { " + name + (f"({call})" if call else "") + " "
            + (sel if sel is not None else selection(kind, field.type)) + " }")


# ------------------------------------------------------------------------------------------ templates

def placeholders(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value[1:]} if value.startswith("@") and " " not in value else set()
    if isinstance(value, dict):
        return set().union(*(placeholders(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(placeholders(v) for v in value)) if value else set()
    return set()


def resolve(value: Any, world: World, zone: str) -> Any:
    if isinstance(value, str):
        if value.startswith("@") and " " not in value:
            return world.get(value[1:], zone)
        return value.replace("@mark", world.mark)
    if isinstance(value, dict):
        return {k: resolve(v, world, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, world, zone) for v in value]
    return value


def spoilt(args: dict[str, Any], spoil: dict[str, Any]) -> dict[str, Any]:
    if "input" in args:
        return {**args, "input": {**args["input"], **spoil}}
    return {**args, **spoil}


def variants(login: str | None, rule: Rule, world: World) -> list[tuple[str, bool]]:
    """(zone, in scope) pairs to try: district-wide logins and anonymous once; a scoped login on its
    own objects (when the world has them) and on the A zone's."""
    keys = placeholders(rule.args) | placeholders(rule.show or "")
    zoned = [k for k in keys if world.zones(k) is not None]
    if login is None or login in DISTRICT_WIDE or not zoned:
        return [("H", True)]
    out = []
    home = HOME[login]
    if all(home in world.zones(k) for k in zoned):
        out.append((home, True))
    out.append((OUT, False))
    return out


# ------------------------------------------------------------------------------------------ the fixtures

@pytest_asyncio.fixture(scope="module")
async def world(db: Any, http: Any, tokens: dict[str, str]) -> World:
    from tests.conftest import GQL

    return await build_world(db, GQL(http), tokens)


EXCLUDED_TABLES = {"rate_bucket", "notification", "city_order_callback"}
# Reads, sign-ins and refusals are audited by design; administrative changes must not appear.
QUIET_AUDIT = ("READ_PERSONAL", "LOGIN", "LOGIN_FAILED", "LOGIN_LOCKED", "ACCESS_REFUSED", "ACCESS_REFUSED_SUMMARY")
SWEEP_COLUMNS = {"overdue", "overdue_since", "version", "updated_at", "due_at", "due_kind", "due_estimated"}


async def fingerprint(db: Any) -> dict[str, str]:
    """A digest of every table's rows, leaving out what reads, sign-ins and the background workers
    write (the overdue sweep may mark other tests' requests while this runs)."""
    out = {}
    async with db.read() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in EXCLUDED_TABLES:
                continue
            columns = [c for c in table.columns if not (table.name == "request" and c.name in SWEEP_COLUMNS)]
            stmt = select(*columns).order_by(*table.primary_key.columns)
            if table.name == "request_count":  # the sweep folds its rows into one: the total is what counts
                stmt = select(func.coalesce(func.sum(table.c.n), 0))
            if table.name == "audit_entry":
                stmt = stmt.where(table.c.action.not_in(QUIET_AUDIT))
            if table.name == "request_event":
                stmt = stmt.where(table.c.kind != "OVERDUE")
            digest = hashlib.sha256()
            for row in (await conn.execute(stmt)).all():
                digest.update(repr(tuple(row)).encode())
            out[table.name] = digest.hexdigest()
    return out


# ------------------------------------------------------------------------------------------ running calls

class Call:
    def __init__(self, key: str, name: str, kind: str, login: str | None, zone: str, in_zone: bool, allowed: bool, query: str,
                 variables: dict[str, Any], show: str | None, rule: Rule) -> None:
        self.key, self.name, self.kind, self.login, self.zone, self.in_zone = key, name, kind, login, zone, in_zone
        self.allowed, self.query, self.variables, self.show, self.rule = allowed, query, variables, show, rule
        self.body: dict[str, Any] = {}

    def __repr__(self) -> str:
        who = self.login or "anonymous"
        return f"{self.key} as {who} ({'own' if self.in_zone else 'other'} zone {self.zone}, {'allowed' if self.allowed else 'refused'})"


def plan(app: Any, world: World, tokens: dict[str, str], kinds: set[str]) -> list[Call]:
    fields = root_fields(app)
    calls = []
    for key, rule in POLICY.items():
        name = key.split("#")[0]
        kind, field = fields[name]
        if kind not in kinds:
            continue
        for login in (None, *LOGINS):
            for zone, in_zone in variants(login, rule, world):
                allowed = rule.allows(login, in_zone)
                args = rule.args
                if allowed and kind == "mutation" and rule.spoil is not EXECUTE:
                    args = spoilt(args, rule.spoil)
                variables = resolve(args, world, zone)
                show = resolve(rule.show, world, zone) if rule.show else None
                calls.append(Call(key, name, kind, login, zone, in_zone, allowed, operation(kind, name, field, variables, rule.sel),
                                  variables, show, rule))
    return calls


def _files(variables: dict[str, Any], path: str = "variables") -> list[tuple[str, tuple]]:
    found = []
    for k, v in variables.items():
        if isinstance(v, tuple):
            found.append((f"{path}.{k}", v))
        elif isinstance(v, dict):
            found += _files(v, f"{path}.{k}")
    return found


async def post(http: Any, call: Call, token: str | None) -> dict[str, Any]:
    headers = {"accept": "application/graphql-response+json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    files = _files(call.variables)
    if files:  # GraphQL multipart request: the file goes as a part, null in the variables
        variables = json.loads(json.dumps(call.variables, default=lambda _: None))
        form = {"operations": json.dumps({"query": call.query, "variables": variables}), "map": json.dumps({str(n): [p] for n, (p, _) in enumerate(files)})}
        response = await http.post("/graphql", data=form, files={str(n): f for n, (_, f) in enumerate(files)},
                                   headers={**headers, "graphql-preflight": "1"})
    else:
        response = await http.post("/graphql", json={"query": call.query, "variables": call.variables}, headers=headers)
    return response.json()


async def run_http(http: Any, tokens: dict[str, str], calls: list[Call]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)
    cache: dict[tuple, dict] = {}

    async def one(call: Call) -> None:
        cache_key = (call.login, call.query, orjson.dumps(call.variables, default=str, option=orjson.OPT_SORT_KEYS))
        if call.kind == "query" and cache_key in cache:  # the same read serves both zones' judgements
            call.body = cache[cache_key]
            return
        async with gate:
            call.body = await post(http, call, tokens[call.login] if call.login else None)
        if call.kind == "query":
            cache[cache_key] = call.body

    queries = [c for c in calls if c.kind == "query"]
    others = [c for c in calls if c.kind != "query"]
    # Mutations one at a time: they are the ones that could change what the next one sees.
    await asyncio.gather(*(one(c) for c in queries))
    for c in others:
        await one(c)


async def run_ws(url: str, tokens: dict[str, str], calls: list[Call]) -> None:
    """One socket per login; every subscription of the login on it, replaying from the world's cursor."""
    by_login: dict[str | None, list[Call]] = defaultdict(list)
    for c in calls:
        by_login[c.login].append(c)

    async def one_login(login: str | None, mine: list[Call]) -> None:
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30, max_size=2**24)
        try:
            payload = {"Authorization": f"Bearer {tokens[login]}"} if login else {}
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
            ops: dict[tuple, str] = {}
            for c in mine:
                k = (c.query, orjson.dumps(c.variables, option=orjson.OPT_SORT_KEYS))
                if k not in ops:
                    ops[k] = f"s{len(ops)}"
                    await ws.send(json.dumps({"id": ops[k], "type": "subscribe", "payload": {"query": c.query, "variables": c.variables}}))
            received: dict[str, list[dict]] = defaultdict(list)
            try:
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 4.0))
                    if "id" in message:
                        received[message["id"]].append(message)
            except asyncio.TimeoutError:
                pass
            for c in mine:
                messages = received[ops[(c.query, orjson.dumps(c.variables, option=orjson.OPT_SORT_KEYS))]]
                errors = [e for m in messages if m["type"] == "error" for e in m["payload"]]
                errors += [e for m in messages if m["type"] == "next" for e in m["payload"].get("errors") or []]
                data = [m["payload"]["data"] for m in messages if m["type"] == "next" and m["payload"].get("data") is not None]
                c.body = {"data": {c.name: data or None}, **({"errors": errors} if errors else {})}
        finally:
            await ws.close()

    await asyncio.gather(*(one_login(login, mine) for login, mine in by_login.items()))


# ------------------------------------------------------------------------------------------ judging

def verdict(call: Call) -> str | None:
    """None when the answer is what the policy says, else why not."""
    body = call.body
    errors = body.get("errors") or []
    codes = [(e.get("extensions") or {}).get("code") for e in errors]
    data = (body.get("data") or {}).get(call.name) if isinstance(body.get("data"), dict) else None
    text = json.dumps(data, ensure_ascii=False)
    if "INTERNAL_SERVER_ERROR" in codes or any(c is None for c in codes):
        return f"internal or uncoded error: {errors[:2]}"
    if call.allowed:
        if AUTH & set(codes):
            return f"refused although allowed: {codes}"
        if call.kind == "mutation" and call.rule.spoil is not EXECUTE and not call.rule.runs and not errors:
            return "the spoilt input went through: the mutation ran"
        if call.show and call.kind != "mutation" and call.show not in text:
            return f"allowed but {call.show} is not in the answer ({codes or text[:200]})"
        return None
    expected = "UNAUTHENTICATED" if call.login is None else "FORBIDDEN"
    wrong = "FORBIDDEN" if call.login is None else "UNAUTHENTICATED"
    if wrong in codes:
        return f"refused with {wrong}, which is for {'signed-in callers' if call.login is None else 'anonymous ones'}"
    if call.rule.refuse == HIDE:
        if call.show and call.show in text:
            return f"refused but {call.show} is in the answer"
        if set(codes) - {"FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND"}:
            return f"refused with {codes}"
        if call.kind == "mutation" and not codes:
            return "refused mutation answered without an error"
        return None
    if expected not in codes[:1]:
        return f"expected {expected}, got {codes or 'no error'}: {text[:160]}"
    if data not in (None, []):
        return f"refused but answered data: {text[:160]}"
    return None


def report(calls: list[Call]) -> list[str]:
    return [f"{c!r}: {why}" for c in calls if (why := verdict(c)) is not None]


# ------------------------------------------------------------------------------------------ the tests

async def test_queries_and_mutations_follow_the_policy(app: Any, http: Any, tokens: dict[str, str], world: World, db: Any) -> None:
    calls = plan(app, world, tokens, {"query", "mutation"})
    refused = [c for c in calls if not c.allowed]
    allowed = [c for c in calls if c.allowed]
    before = await fingerprint(db)
    await run_http(http, tokens, refused)
    after = await fingerprint(db)
    changed = sorted(t for t in before if before[t] != after[t])
    await run_http(http, tokens, allowed)
    failures = report(calls)
    assert failures == [], "\n".join(failures[:80]) + f"\n… {len(failures)} in all"
    assert changed == [], f"refused calls changed tables: {changed}"
    assert len(refused) > 1000 and len(allowed) > 300, (len(refused), len(allowed))
    print(f"\nauthorisation matrix: {len(POLICY)} entries, {len(refused)} refused and {len(allowed)} allowed calls")


async def test_subscriptions_follow_the_policy(app: Any, live_server: Any, tokens: dict[str, str], world: World) -> None:
    calls = plan(app, world, tokens, {"subscription"})
    await run_ws(live_server.url.replace("http", "ws") + "/graphql", tokens, calls)
    failures = report(calls)
    assert failures == [], "\n".join(failures[:80]) + f"\n… {len(failures)} in all"


# ------------------------------------------------------------------------------------------ residents' personal data

REPORTER = "query($id: ID!) { request(id: $id) { id reporter { name phone view } } }"
NAME, PHONE = "李晓华", "13812345678"
MASKED = {"name": "李**", "phone": "138****5678", "view": "MASKED"}
WHOLE = {"name": NAME, "phone": PHONE, "view": "WHOLE"}


async def _personal_reads(db: Any, request_pk: int) -> list[tuple[int | None, str]]:
    from db.models import AuditEntry

    t = AuditEntry.__table__
    async with db.read() as conn:
        rows = (await conn.execute(select(t.c.actor_user_id, t.c.detail).where(
            t.c.action == "READ_PERSONAL", t.c.target == "RequestReporter").order_by(t.c.id))).all()
    return [(r.actor_user_id, r.detail) for r in rows if str(request_pk) in r.detail.split(",")]


async def _reporter_as_everyone(gql: Any, tokens: dict[str, str], rid: str) -> dict[str | None, Any]:
    seen = {}
    for login in (None, *LOGINS):
        body = await gql.post(REPORTER, {"id": rid}, token=tokens[login] if login else None)
        assert "errors" not in body, (login, body["errors"])
        seen[login] = body["data"]["request"] and body["data"]["request"]["reporter"]
    return seen


async def test_a_reporter_is_whole_only_for_the_center_and_the_current_handlers_and_every_whole_read_is_audited(
        gql: Any, tokens: dict[str, str], db: Any, world: World) -> None:
    from schema.ids import from_global_id

    make = world.make
    rq = "request { id version trackingCode }"
    r = (await make(tokens["leader"], "submitRequest", {"text": f"{world.mark} 楼下违建", "channel": "BUILDING_LEADER",
                                                         "buildingId": world.get("building", "H"), "contactName": NAME, "contactPhone": PHONE}, rq))["request"]
    r = (await make(tokens["dispatcher"], "triageRequest", {"id": r["id"], "version": r["version"], "scope": "MAJOR",
                                                             "subcategoryId": world.get("subcategory", "H"), "note": ""}, rq))["request"]
    r = (await make(tokens["dispatcher"], "dispatchRequest", {"id": r["id"], "version": r["version"], "lead": {"id": world.get("department", "H")},
                                                               "coHandlers": [], "note": ""}, rq))["request"]
    pk = from_global_id(r["id"])[1]
    users = {login: from_global_id((await gql.ok("{ me { id } }", token=tokens[login]))["me"]["id"])[1] for login in LOGINS}

    # Dispatched to 区城市管理局: the center and that department see the reporter whole; the staff who
    # see the request otherwise — the district leader and the admin included — masked; everyone else
    # not the request at all.
    seen = await _reporter_as_everyone(gql, tokens, r["id"])
    expected = {None: None, "admin": MASKED, "dispatcher": WHOLE, "street": MASKED, "community": MASKED, "grid": MASKED, "leader": MASKED,
                "fieldhead": None, "department": WHOLE, "district": MASKED, "partner": None, "volunteer": None, "evaluator": None}
    assert seen == expected
    assert sorted(a for a, _ in await _personal_reads(db, pk)) == sorted([users["dispatcher"], users["department"]])

    # A partner helping with it through a co-building task gets the least it needs: nothing personal.
    task = (await make(tokens["community"], "createCoTask", {"communityId": world.get("community", "H"), "title": f"{world.mark} 协助拆违",
                                                              "ask": "请协助", "partnerUnitIds": [world.get("partnerUnit", "H")],
                                                              "requestIds": [r["id"]]}, "task { id }"))["task"]
    partner = world.helpers["partner_h"]
    body = await gql.post("query($id: ID!) { coTask(id: $id) { linkedRequests { title place } requests { id reporter { name phone } } } }",
                          {"id": task["id"]}, token=partner)
    text = json.dumps(body, ensure_ascii=False)
    assert body["data"]["coTask"]["linkedRequests"] and NAME not in text and PHONE not in text and "138****" not in text
    assert body["data"]["coTask"]["requests"] == [] or "errors" in body
    # An anonymous resident following it by tracking code: progress, nothing personal.
    public = await gql.post("query($c: String!) { requestByTrackingCode(code: $c) { state progress { note } assigneeName assigneePhone } }",
                            {"c": r["trackingCode"]})
    assert "errors" not in public and NAME not in json.dumps(public, ensure_ascii=False) and PHONE not in json.dumps(public)

    # Only while they handle it: the department disputes, the street sends it to one of its sections.
    r = (await make(tokens["department"], "disputeRequest", {"id": r["id"], "reason": "非本部门职责"}, rq))["request"]
    await make(tokens["street"], "redispatchRequest", {"id": r["id"], "version": r["version"], "lead": {"id": world.get("section", "H")},
                                                        "coHandlers": [], "note": ""}, rq)
    seen = await _reporter_as_everyone(gql, tokens, r["id"])
    assert seen == {**expected, "department": MASKED, "street": WHOLE}
    reads = await _personal_reads(db, pk)
    assert sorted(a for a, _ in reads) == sorted([users["dispatcher"], users["department"], users["dispatcher"], users["street"]])


async def test_the_resident_register_is_whole_only_for_the_center_masked_for_local_staff_and_closed_to_the_rest(
        gql: Any, tokens: dict[str, str], db: Any, world: World) -> None:
    from db.models import AuditEntry
    from schema.ids import from_global_id

    query = "query($b: ID!) { residents(first: 5, filter: {buildingId: $b}) { edges { node { id name phone room view } } } }"
    t = AuditEntry.__table__
    async with db.read() as conn:
        mark = (await conn.execute(select(t.c.id).order_by(t.c.id.desc()).limit(1))).scalar() or 0
    views = {}
    for login in (None, *LOGINS):
        body = await gql.post(query, {"b": world.get("building", "H")}, token=tokens[login] if login else None)
        if "errors" in body:
            views[login] = body["errors"][0]["extensions"]["code"]
            continue
        nodes = [e["node"] for e in body["data"]["residents"]["edges"]]
        if not nodes:
            views[login] = "NONE"  # a lister outside its own places
            continue
        views[login] = {n["view"] for n in nodes}.pop() if len({n["view"] for n in nodes}) == 1 else "MIXED"
        if views[login] == "MASKED":
            assert all(n["name"].endswith("*") and "****" in n["phone"] and n["room"] is None for n in nodes), (login, nodes)
    assert views == {None: "UNAUTHENTICATED", "admin": "MASKED", "dispatcher": "WHOLE", "street": "MASKED", "community": "MASKED",
                     "grid": "MASKED", "leader": "MASKED", "fieldhead": "NONE", "department": "FORBIDDEN", "district": "MASKED",
                     "partner": "FORBIDDEN", "volunteer": "FORBIDDEN", "evaluator": "FORBIDDEN"}
    dispatcher = from_global_id((await gql.ok("{ me { id } }", token=tokens["dispatcher"]))["me"]["id"])[1]
    async with db.read() as conn:
        reads = (await conn.execute(select(t.c.actor_user_id).where(t.c.id > mark, t.c.action == "READ_PERSONAL", t.c.target == "Resident"))).all()
    assert [r.actor_user_id for r in reads] == [dispatcher]
