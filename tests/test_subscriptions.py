"""Subscriptions over graphql-transport-ws: live events from the log, and resume with `after`."""

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.loop_helpers import qr_token_in

SUB = """subscription($after: String, $f: RequestFilter) { requestCreated(after: $after, filter: $f) {
  cursor kind at request { trackingCode title community { name } } } }"""


async def _open(server: Any, token: str) -> Any:
    ws = await websockets.connect(server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    return ws


async def _submit(server: Any, qr: str, text: str) -> str:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        r = await client.post("/graphql", json={"query": "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode } } }",
                                                "variables": {"i": {"qrToken": qr, "text": text}}})
    return r.json()["data"]["submitRequest"]["request"]["trackingCode"]


async def _next(ws: Any) -> dict:
    while True:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if msg["type"] == "next":
            return msg["payload"]
        assert msg["type"] != "error", msg


async def test_a_new_request_reaches_the_wall_live_and_resumes_without_gap(live_server: Any, tokens: dict[str, str], db: Any) -> None:
    qr = await qr_token_in(db, "新桥东社区", 0)
    ws = await _open(live_server, tokens["dispatcher"])
    await ws.send(json.dumps({"id": "wall", "type": "subscribe", "payload": {"query": SUB, "variables": {}}}))
    await asyncio.sleep(0.3)  # let the subscription register before submitting
    code = await _submit(live_server, qr, "新桥东社区:小区路面塌陷")
    event = (await _next(ws))["data"]["requestCreated"]
    assert event["kind"] == "SUBMITTED" and event["request"]["trackingCode"] == code
    assert event["request"]["community"]["name"] == "新桥东社区"
    last_cursor = event["cursor"]
    await ws.close()

    # While the wall is away, two more arrive; resuming from the last cursor replays exactly them.
    missed = [await _submit(live_server, qr, f"断线期间的诉求{i}") for i in range(2)]
    ws = await _open(live_server, tokens["dispatcher"])
    await ws.send(json.dumps({"id": "wall", "type": "subscribe", "payload": {"query": SUB, "variables": {"after": last_cursor}}}))
    got = [(await _next(ws))["data"]["requestCreated"] for _ in range(2)]
    assert [g["request"]["trackingCode"] for g in got] == missed
    assert int(got[0]["cursor"]) > int(last_cursor) and int(got[1]["cursor"]) > int(got[0]["cursor"])
    # …and then it is live again.
    live = await _submit(live_server, qr, "恢复后的新诉求")
    assert (await _next(ws))["data"]["requestCreated"]["request"]["trackingCode"] == live
    await ws.close()


async def test_subscribers_only_receive_what_they_may_see(live_server: Any, tokens: dict[str, str], db: Any) -> None:
    ws = await _open(live_server, tokens["community"])  # 福泰社区's workstation
    await ws.send(json.dumps({"id": "c", "type": "subscribe", "payload": {"query": SUB, "variables": {}}}))
    await asyncio.sleep(0.3)
    await _submit(live_server, await qr_token_in(db, "胜利路社区", 5), "胜利路:别处的诉求")
    ours = await _submit(live_server, await qr_token_in(db, "福泰社区", 11), "福泰:本社区的诉求")
    event = (await _next(ws))["data"]["requestCreated"]
    assert event["request"]["trackingCode"] == ours  # the other community's never arrived first
    await ws.close()


async def test_anonymous_cannot_subscribe_to_the_wall(live_server: Any) -> None:
    ws = await websockets.connect(live_server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "x", "type": "subscribe", "payload": {"query": SUB}}))
    msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
    payload = msg["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors", [])
    assert errors and errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    await ws.close()
