"""Prometheus metrics at GET /metrics (issue #9, part 5): counters that move, the live
subscription gauge, the event lag histogram, outbox depths, and who may read them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from typing import Any

import httpx
import websockets
from prometheus_client.parser import text_string_to_metric_families

from tests.loop_helpers import qr_token_in

SUB = "subscription { requestCreated { cursor request { trackingCode } } }"


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name` with exactly these labels (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    r = await client.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_request_and_graphql_counters_move(http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    before = await scrape(http)
    ok = await http.post("/graphql", json={"query": "{ me { username } }"}, headers={"authorization": f"Bearer {tokens['district']}"})
    refused = await http.post("/graphql", json={"query": "{ auditLog(first: 1) { totalCount } }"},
                              headers={"authorization": f"Bearer {tokens['district']}"})
    assert ok.status_code == 200 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await http.get("/no-such-page")
    after = await scrape(http)

    post = {"method": "POST", "route": "/graphql", "status": "200"}
    assert value(after, "ehuying_http_requests_total", **post) >= value(before, "ehuying_http_requests_total", **post) + 2
    assert value(after, "ehuying_http_request_duration_seconds_count", method="POST", route="/graphql") >= \
        value(before, "ehuying_http_request_duration_seconds_count", method="POST", route="/graphql") + 2
    missing = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "ehuying_http_requests_total", **missing) == value(before, "ehuying_http_requests_total", **missing) + 1
    assert value(after, "ehuying_graphql_operations_total", type="query") >= value(before, "ehuying_graphql_operations_total", type="query") + 2
    forbidden = {"type": "query", "code": "FORBIDDEN"}
    assert value(after, "ehuying_graphql_errors_total", **forbidden) >= value(before, "ehuying_graphql_errors_total", **forbidden) + 1
    # Read from the database when scraped: present, and sane.
    assert value(after, "ehuying_metrics_database_up") == 1
    assert value(after, "ehuying_events_published_total") >= 0
    for state in ("PENDING", "SENDING"):
        assert any(s.name == "ehuying_notification_outbox" and s.labels == {"state": state}
                   for f in text_string_to_metric_families(after) for s in f.samples)
    assert "ehuying_city12345_callbacks_pending" in after and "process_resident_memory_bytes" in after


async def test_events_published_follows_the_event_log(http: httpx.AsyncClient, gql: Any, db: Any) -> None:
    before = value(await scrape(http), "ehuying_events_published_total")
    await gql.ok("mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { id } } }",
                 {"i": {"qrToken": await qr_token_in(db, "福泰社区", 60), "text": "指标测试:楼道灯不亮"}})
    assert value(await scrape(http), "ehuying_events_published_total") >= before + 1


async def _until(server_url: str, check: Any, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=server_url, timeout=10) as client:
        while True:
            text = await scrape(client)
            if check(text) or time.monotonic() > deadline:
                return text
            await asyncio.sleep(0.1)


async def _settled(server_url: str) -> str:
    """A scrape once sockets other tests closed are gone on the server too (counts steady for 0.5 s)."""
    previous = None
    for _ in range(40):
        text = await _until(server_url, lambda _: True)
        now = (value(text, "ehuying_subscriptions"), value(text, "ehuying_websocket_connections"))
        if now == previous:
            return text
        previous = now
        await asyncio.sleep(0.5)
    return text


async def test_a_subscription_shows_in_the_gauge_and_its_event_in_the_lag_histogram(live_server: Any, tokens: dict[str, str], db: Any) -> None:
    start = await _settled(live_server.url)
    subs0 = value(start, "ehuying_subscriptions")
    conns0 = value(start, "ehuying_websocket_connections")
    lag0 = value(start, "ehuying_event_lag_seconds_count")
    ws = await websockets.connect(live_server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=30)
    try:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {tokens['dispatcher']}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "m", "type": "subscribe", "payload": {"query": SUB}}))
        live = await _until(live_server.url, lambda t: value(t, "ehuying_subscriptions") >= subs0 + 1)
        assert value(live, "ehuying_subscriptions") == subs0 + 1
        assert value(live, "ehuying_websocket_connections") == conns0 + 1

        text = "指标测试:" + uuid.uuid4().hex[:6]
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as client:
            r = await client.post("/graphql", json={"query": "mutation($i: SubmitRequestInput!) { submitRequest(input: $i) { request { trackingCode } } }",
                                                    "variables": {"i": {"qrToken": await qr_token_in(db, "福泰社区", 61), "text": text}}})
        code = r.json()["data"]["submitRequest"]["request"]["trackingCode"]
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if msg["type"] == "next" and msg["payload"]["data"]["requestCreated"]["request"]["trackingCode"] == code:
                break
        delivered = await _until(live_server.url, lambda t: value(t, "ehuying_event_lag_seconds_count") > lag0)
        assert value(delivered, "ehuying_event_lag_seconds_count") > lag0
        assert 0 <= value(delivered, "ehuying_event_lag_seconds_sum") - value(start, "ehuying_event_lag_seconds_sum")
        assert value(delivered, "ehuying_event_deliveries_total") > value(start, "ehuying_event_deliveries_total")
    finally:
        await ws.close()
    gone = await _until(live_server.url, lambda t: value(t, "ehuying_websocket_connections") == conns0)
    assert value(gone, "ehuying_subscriptions") == subs0 and value(gone, "ehuying_websocket_connections") == conns0


async def test_metrics_are_refused_to_strangers(app: Any, http: httpx.AsyncClient) -> None:
    outside = httpx.ASGITransport(app=app, client=("203.0.113.9", 5555))
    async with httpx.AsyncClient(transport=outside, base_url="http://testserver") as stranger:
        assert (await stranger.get("/metrics")).status_code == 403
        assert (await stranger.get("/metrics", headers={"authorization": "Bearer anything"})).status_code == 403
        # Through a proxy on this host: loopback, but not local.
        assert (await http.get("/metrics", headers={"x-forwarded-for": "203.0.113.9"})).status_code == 403
        settings = app.state.settings
        token = uuid.uuid4().hex
        app.state.settings = dataclasses.replace(settings, metrics_token=token)
        try:
            assert (await stranger.get("/metrics", headers={"authorization": f"Bearer {token}"})).status_code == 200
            assert (await stranger.get("/metrics", headers={"authorization": f"Bearer {token}x"})).status_code == 403
        finally:
            app.state.settings = settings
