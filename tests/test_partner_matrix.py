"""A partner sees and changes only its own co-building tasks, and nothing personal of residents —
checked for every query, mutation and subscription of the schema, generated from it, so a field
added later is covered too.

Partner A (the demo `partner`, 烟台市排水处养管所) has a task linked to a resident's request, and
its community a dual-reporting record. Partner B (a contact of 烟台自来水公司, a member unit of
the same community, not invited) calls every root field with A's IDs in every ID argument; the
test fails if any answer carries A's task, the request's or the record's words, a resident's
phone, or if anything of A's changed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import websockets
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLInterfaceType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)
from sqlalchemy import func, select

from db.models import CoTask, CoTaskEvent, DualReport, DualReportService, Request, RequestEvent
from tests.conftest import LiveServer
from tests.loop_helpers import Loop, qr_token_in, sub
from tests.partner_helpers import community_pk, community_worker, gid, partner_contact, partner_pk, task_op

SKIP_ARGS_OF_TYPE = {"Upload"}
MAX_DEPTH = 3


def _value(type_: Any, ids: list[str], depth: int = 0) -> Any:
    """A value of `type_` that points at A's objects wherever an ID goes."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, ids, depth)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, ids, depth)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        if depth > 3:
            return {}
        out = {}
        for name, field in type_.fields.items():
            if isinstance(field.type, GraphQLNonNull) or get_named_type(field.type).name == "ID":
                if get_named_type(field.type).name in SKIP_ARGS_OF_TYPE:
                    continue
                out[name] = _value(field.type, ids, depth + 1)
        return out
    name = type_.name
    return {
        "ID": ids[0], "String": "x", "Int": 1, "Float": 1.0, "Boolean": True,
        "DateTime": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat(), "Date": date.today().isoformat(),
    }.get(name, "x")


def _selection(type_: Any, depth: int = 0, max_depth: int = MAX_DEPTH) -> str:
    named = get_named_type(type_)
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        return ""
    if depth >= max_depth:
        return "{ __typename }"
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    assert isinstance(named, (GraphQLObjectType, GraphQLInterfaceType))
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue  # needs arguments: reached as a root field of its own, or not at all
        inner = _selection(field.type, depth + 1, max_depth)
        parts.append(f"{name} {inner}".strip())
    return "{ " + " ".join(parts) + " }"


def _operation(kind: str, name: str, field: Any, ids: list[str], max_depth: int = MAX_DEPTH) -> tuple[str, dict]:
    variables, decls, args = {}, [], []
    for i, (arg_name, arg) in enumerate(field.args.items()):
        named = get_named_type(arg.type)
        if named.name in SKIP_ARGS_OF_TYPE:
            continue
        if not isinstance(arg.type, GraphQLNonNull) and named.name not in ("ID",) and not isinstance(named, GraphQLInputObjectType):
            continue
        var = f"v{i}"
        decls.append(f"${var}: {arg.type}")
        args.append(f"{arg_name}: ${var}")
        variables[var] = _value(arg.type, ids)
    head = f"{kind} Probe" + (f"({', '.join(decls)})" if decls else "")
    call = name + (f"({', '.join(args)})" if args else "")
    return f"{head} {{ {call} {_selection(field.type, 0, max_depth)} }}", variables


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


async def _snapshot(db: Any, task_pk: int, report_pk: int, request_pk: int) -> tuple:
    async with db.read() as conn:
        return (
            (await conn.execute(select(CoTask.version, CoTask.state).where(CoTask.id == task_pk))).one(),
            (await conn.execute(select(func.count()).select_from(CoTaskEvent).where(CoTaskEvent.task_id == task_pk))).scalar_one(),
            (await conn.execute(select(DualReport.name, DualReport.active).where(DualReport.id == report_pk))).one(),
            (await conn.execute(select(func.count()).select_from(DualReportService).where(DualReportService.dual_report_id == report_pk))).scalar_one(),
            (await conn.execute(select(Request.version, Request.state).where(Request.id == request_pk))).one(),
            (await conn.execute(select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == request_pk))).scalar_one(),
        )


async def test_another_partner_reaches_nothing_of_a_partners_task(app: Any, live_server: LiveServer, gql: Any, tokens: dict[str, str], db: Any) -> None:
    mark = uuid.uuid4().hex[:8]
    secret_title, secret_name, phone = f"甲方机密任务{mark}", f"党员张三{mark}", "13988887777"
    secret_text = f"下水道堵塞{mark}"
    dahaiyang = await community_worker(db, gql, "大海阳社区")
    loop = Loop(gql, {**tokens, "dahaiyang": dahaiyang})
    r = (await loop.submit(None, qrToken=await qr_token_in(db, "大海阳社区", 40), text=f"{secret_text},联系人李四", contactName="李四",
                           contactPhone=phone))["request"]
    await loop.ok("dispatcher", "triageRequest", {"id": r["id"], "scope": "MINOR", "subcategoryId": await sub(db, "下水管道")})
    await loop.ok("dahaiyang", "classifyMinorRequest", {"id": r["id"], "tier": "A"}, "ClassifyMinorInput")
    cid = gid("Community", await community_pk(db, "大海阳社区"))
    task = await task_op(gql, dahaiyang, "createCoTask", {"communityId": cid, "title": secret_title, "ask": f"请疏通{mark}",
                                                           "partnerUnitIds": [gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所"))],
                                                           "requestIds": [r["id"]]}, "CreateCoTaskInput")
    report = await gql.ok("mutation($i: RegisterDualReportInput!) { registerDualReport(input: $i) { dualReport { id } } }",
                          {"i": {"communityId": cid, "kind": "MEMBER", "name": secret_name, "phone": "13977776666"}}, token=dahaiyang)
    report_id = report["registerDualReport"]["dualReport"]["id"]
    # A sees its own task: the probe below is not blind.
    own = await gql.ok("query($id: ID!) { coTask(id: $id) { title } }", {"id": task["id"]}, token=tokens["partner"])
    assert own["coTask"]["title"] == secret_title

    from schema.ids import from_global_id

    task_pk, report_pk, request_pk = (from_global_id(x)[1] for x in (task["id"], report_id, r["id"]))
    ids = [task["id"], report_id, r["id"], gid("PartnerUnit", await partner_pk(db, "烟台市排水处养管所"))]
    secrets = [secret_title, secret_name, secret_text, phone, "13977776666", "李四", f"请疏通{mark}", r["trackingCode"], task["id"], report_id]
    before = await _snapshot(db, task_pk, report_pk, request_pk)

    other = await partner_contact(db, gql, "烟台自来水公司")
    schema = app.state.schema._schema
    tried, failures = 0, []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            if name in ("login", "logout"):
                continue  # signing in or out is not about anyone's data
            for target in ids:  # every ID argument pointed at each of A's objects in turn
                # A deep selection, and a shallow one: an error in one nested field nulls its
                # parent and could hide a leak next to it.
                for depth in (MAX_DEPTH, 1):
                    query, variables = _operation(kind, name, field, [target] + [i for i in ids if i != target], depth)
                    body = await gql.post(query, variables, token=other)
                    tried += 1
                    leaked = _leaks(json.dumps(body.get("data"), ensure_ascii=False), secrets)
                    if leaked:
                        failures.append((kind, name, leaked))
                    for error in body.get("errors", []):
                        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", (name, error)
                if not any(isinstance(a.type, GraphQLNonNull) or get_named_type(a.type).name == "ID" for a in field.args.values()):
                    break  # no argument to point anywhere: once is enough
    assert tried > 100
    assert failures == [], failures
    assert await _snapshot(db, task_pk, report_pk, request_pk) == before

    # Subscriptions, replayed from the very start of both logs.
    url = live_server.url.replace("http", "ws") + "/graphql"
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=30, max_size=2**24)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {other}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    subscriptions = schema.subscription_type.fields
    for i, (name, field) in enumerate(subscriptions.items()):
        # No filter: everything the caller may see, replayed from the start of the log.
        args = '(after: "0")' if "after" in field.args else ""
        query = f"subscription {{ {name}{args} {_selection(field.type)} }}"
        await ws.send(json.dumps({"id": f"s{i}", "type": "subscribe", "payload": {"query": query}}))
    seen = []
    try:
        while True:
            seen.append(await asyncio.wait_for(ws.recv(), 3.0))
    except asyncio.TimeoutError:
        pass
    await ws.close()
    assert len(subscriptions) >= 5
    data = [json.dumps(json.loads(m).get("payload", {}).get("data"), ensure_ascii=False) for m in seen]
    assert _leaks("".join(data), secrets) == [], [m for m in data if _leaks(m, secrets)][:3]
    assert not any('"INTERNAL_SERVER_ERROR"' in m for m in seen), seen
